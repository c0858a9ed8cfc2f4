"""Load the units of analysis that discovery found."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from vpcsec_lint.raw import Unit

if TYPE_CHECKING:
    from vpcsec_lint.discovery import Targets
    from vpcsec_lint.engine import Options


def load_units(targets: Targets, options: Options,
               stdin: tuple[str, str] | None = None) -> Iterator[tuple[Unit, set[str] | None]]:
    """Each unit with the set of files to report on (None: all of them)."""
    from vpcsec_lint.sources import read_source

    buffer_path = os.path.normpath(stdin[0]) if stdin else None

    def read(path: str) -> str:
        if stdin is not None and os.path.normpath(path) == buffer_path:
            return stdin[1]
        return read_source(path)

    if targets.tf_modules:
        from vpcsec_lint.terraform.loader import ParseCache, load_module

        cache = ParseCache(read)
        for directory in sorted(targets.tf_modules):
            unit = load_module(directory, cache, options.var_files)
            if stdin is not None and buffer_path not in {os.path.normpath(f) for f in unit.files}:
                # The buffer is a new file that is not on disk yet.
                from vpcsec_lint.terraform.loader import load_module_with_extra

                unit = load_module_with_extra(directory, cache, stdin[0], options.var_files)
            yield unit, targets.tf_modules[directory]
    if targets.templates:
        from vpcsec_lint.cloudformation.loader import load_template

        for path in sorted(targets.templates):
            text = stdin[1] if stdin is not None and os.path.normpath(path) == buffer_path \
                else None
            unit = load_template(path, text, named=targets.templates[path])
            if unit is not None:
                yield unit, None
