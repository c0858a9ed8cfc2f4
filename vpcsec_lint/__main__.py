"""`python -m vpcsec_lint`."""

from vpcsec_lint.cli import main

raise SystemExit(main())
