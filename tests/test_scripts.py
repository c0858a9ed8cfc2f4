"""The developer scripts fail loudly when their input is missing (exit 2 and a message)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from helpers import REPO


@pytest.mark.parametrize(("script", "args", "message"), [
    ("scripts/corpus_run.py", ["{missing}"], "no corpus at"),
    ("benchmarks/lsp_latency.py", ["--file", "{missing}/main.tf"], "no such file"),
    ("scripts/gen_rule_docs.py", ["--no-such-option"], "unrecognized arguments"),
])
def test_missing_input_is_exit_2_with_a_message(tmp_path, script, args, message):
    missing = str(tmp_path / "missing")
    result = subprocess.run([sys.executable, str(REPO / script),
                             *(a.format(missing=missing) for a in args)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr


def test_readme_test_command_is_what_ci_runs():
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    (command,) = re.findall(r"^(pip install -e .*?)\s+# run the test suite", readme, re.MULTILINE)
    assert f"\n{command}\n" in ci, f"README says {command!r}; .ci/run must run exactly that"
