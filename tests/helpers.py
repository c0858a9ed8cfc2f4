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
