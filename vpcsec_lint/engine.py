"""Run the rules over a model: a pure function from a model to findings.

Reading, loading, suppressing and finalizing are the session's
(`vpcsec_lint.session`); here are the rules' run and the pseudo-rules'
findings (VSL000 for a file that cannot be analysed, VSL999 for our own bugs).
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterable

from vpcsec_lint.findings import Finding, shown
from vpcsec_lint.model import Model
from vpcsec_lint.raw import Unit
from vpcsec_lint.registry import PSEUDO_RULES, Rule
from vpcsec_lint.values import Location

ISSUES_URL = "https://github.com/vpcsec-lint/vpcsec-lint/issues"
DETAIL_LIMIT = 300
"""Characters of a parser's or an exception's text in a VSL000/VSL999 message (they may
quote the analysed code)."""


def build_model(unit: Unit) -> Model:
    if unit.framework == "terraform":
        from vpcsec_lint.terraform.build import build_model as build
    else:
        from vpcsec_lint.cloudformation.build import build_model as build
    model = build(unit.root, unit.resources)
    model.incomplete = bool(unit.problems)
    return model


def run_rules(model: Model, rules: Iterable[Rule], where: str,
              framework: str) -> list[Finding]:
    """Each rule's findings on `model`; a rule that raises is VSL999 at `where`."""
    findings: list[Finding] = []
    for rule in rules:
        try:
            found = list(rule.check(model))  # all of a rule's findings or none
        except Exception as exc:
            found = [internal_error(f"{rule.id} ({rule.name})", where, exc, framework)]
        findings.extend(found)
    return findings


def parse_error(path: str, message: str, line: int = 1, column: int = 1,
                framework: str = "terraform") -> Finding:
    rule = PSEUDO_RULES["VSL000"]
    return Finding(rule.id, rule.name, rule.severity,
                   f"Cannot analyse this file: {shown(message, DETAIL_LIMIT)}.",
                   Location(path, max(line, 1), max(column, 1)), None, framework)


def internal_error(what: str, path: str, exc: BaseException, framework: str) -> Finding:
    rule = PSEUDO_RULES["VSL999"]
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {os.path.basename(frame.filename)}:{frame.lineno}" if frame else ""
    message = (f"Internal error in {what} on {shown(path, DETAIL_LIMIT)}: {type(exc).__name__}: "
               f"{shown(exc, DETAIL_LIMIT)}{at}. "
               f"Please report it at {ISSUES_URL} with the rule, the file (or a reduced "
               "copy) and this message.")
    return Finding(rule.id, rule.name, rule.severity, message, Location(path, 1, 1), None,
                   framework)


def run_problem(path: str, framework: str, message: str) -> Finding:
    """VSL999 at the first line of `path` with our own `message` (not an exception's)."""
    rule = PSEUDO_RULES["VSL999"]
    return Finding(rule.id, rule.name, rule.severity, message, Location(path, 1, 1), None,
                   framework)
