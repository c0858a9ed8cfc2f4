"""Helpers for tests: run the linter in-process and summarise findings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from vpcsec_lint.engine import Options, Report, lint_paths

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
SHARED = Path(os.environ.get("VPCSEC_SHARED_DIR") or REPO.parent / "shared")
"""The read-only shared material (`../shared`; `VPCSEC_SHARED_DIR` for a checkout elsewhere)."""
CORPUS = SHARED / "corpus"

VPC_AND_DB_SG_TF = """\
resource "aws_vpc" "main" {
  cidr_block = "10.42.0.0/16"
}

resource "aws_security_group" "db" {
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}
"""
"""A VPC and a database group whose ingress trusts the whole VPC (one VSL101, line 11)."""


def lint(path: str | os.PathLike, select: set[str] | None = None, **kwargs) -> Report:
    return lint_paths([str(path)], Options(select=select, **kwargs), use_cache=False)


def triples(report: Report, base: str | os.PathLike) -> set[tuple[str, str | None, str, int]]:
    """(rule, resource, file relative to `base`, line) for every unsuppressed finding."""
    return {(f.rule_id, f.resource, os.path.relpath(f.loc.path, base).replace(os.sep, "/"),
             f.loc.line) for f in report.findings if not f.suppressed}


def rule_findings(rule_id: str, framework: str, case: str) -> set[tuple[str, str | None, str, int]]:
    """Findings of one rule on one fixture case (`fixtures/<framework>/<ID>/<case>`)."""
    base = FIXTURES / framework / rule_id
    target = base / case
    if not target.exists():
        target = base / f"{case}.yaml"
    return triples(lint(target, select={rule_id}), base)


def run_cli(*args: str, cwd: str | os.PathLike | None = None, stdin: str | None = None,
            env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `python -m vpcsec_lint` as a user would."""
    return subprocess.run([sys.executable, "-m", "vpcsec_lint", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, env={**os.environ, **(env or {})},
                          timeout=600)


def require(tool: str, found: object) -> None:
    """Skip when `tool` is missing on a developer machine; fail on CI (`CI=true`): never silent."""
    if found:
        return
    import pytest

    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"{tool} is required on CI (.ci/run installs it) but was not found")
    pytest.skip(f"{tool} is not installed")


_REPORT_VALIDATOR = None


def json_report(text: str) -> dict:
    """A `--format json` report, parsed and validated against the shipped JSON Schema."""
    global _REPORT_VALIDATOR
    import json
    from importlib.resources import files

    from jsonschema import Draft202012Validator

    if _REPORT_VALIDATOR is None:
        schema = json.loads(files("vpcsec_lint").joinpath("data/report.schema.json").read_text())
        Draft202012Validator.check_schema(schema)
        _REPORT_VALIDATOR = Draft202012Validator(schema)
    document = json.loads(text)
    errors = sorted(_REPORT_VALIDATOR.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "the JSON report does not match vpcsec_lint/data/report.schema.json:\n" + \
        "\n".join(f"  at {'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors)
    return document


def snapshot_checkout(destination: Path) -> Path:
    """Copy this checkout's files (committed or not, minus ignored ones) to `destination`."""
    import shutil

    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, text=True, check=True).stdout
    for name in filter(None, listed.split("\0")):
        if (REPO / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, destination / name)
    return destination
