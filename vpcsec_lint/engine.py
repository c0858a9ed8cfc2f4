"""Run the rules over units of analysis and collect findings.

Every front end (CLI, LSP, cfn-lint and checkov adapters) goes through
`lint_unit` or `lint_paths`, so all of them report the same findings.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from vpcsec_lint.findings import SEVERITY_RANK, Finding, Notice, shown
from vpcsec_lint.model import Model
from vpcsec_lint.raw import Unit
from vpcsec_lint.registry import PSEUDO_RULES, Rule, all_rules
from vpcsec_lint.values import Location

ISSUES_URL = "https://github.com/vpcsec-lint/vpcsec-lint/issues"
DETAIL_LIMIT = 300
"""Characters of a parser's or an exception's text in a VSL000/VSL999 message (they may
quote the analysed code)."""


@dataclass
class Options:
    """What to run and how to judge it (from the command line and the config file)."""

    select: set[str] | None = None
    ignore: set[str] = field(default_factory=set)
    fail_on: str = "warning"
    severity: dict[str, str] = field(default_factory=dict)
    """Per-rule severity overrides."""
    excluded: Callable[[str], bool] | None = None
    var_files: list[str] = field(default_factory=list)
    jobs: int = 1
    reach: list[dict] = field(default_factory=list)
    """Declared `reach:` entries: `from`, `to`, `port`, `protocol`, `expect`, `path`, `line`."""

    def enabled_rules(self) -> list[Rule]:
        rules = all_rules()
        ids = set(rules) if self.select is None else set(self.select)
        return [rules[i]() for i in sorted(ids - self.ignore) if i in rules]


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    notices: list[Notice] = field(default_factory=list)
    """Budgets hit and things not followed, deduplicated and sorted (never findings)."""
    excluded: list[str] = field(default_factory=list)
    """Files named explicitly that the configuration's `exclude` kept out of the run."""

    def notices_of(self, kind: str) -> list[Notice]:
        return [n for n in self.notices if n.kind == kind]

    def exit_code(self, fail_on: str) -> int:
        active = [f for f in self.findings if not f.suppressed]
        if any(f.rule_id == "VSL999" for f in active):
            return 2
        threshold = SEVERITY_RANK[fail_on]
        return 1 if any(SEVERITY_RANK[f.severity] >= threshold for f in active) else 0


def build_model(unit: Unit) -> Model:
    if unit.framework == "terraform":
        from vpcsec_lint.terraform.build import build_model as build
    else:
        from vpcsec_lint.cloudformation.build import build_model as build
    model = build(unit.root, unit.resources)
    model.incomplete = bool(unit.problems)
    return model


def lint_unit(unit: Unit, rules: Iterable[Rule], options: Options | None = None) -> list[Finding]:
    """All findings for one unit: VSL000 for its problems, each rule's findings, VSL999."""
    options = options or Options()
    findings = [parse_error(p.path, p.message, p.line, p.column, p.framework)
                for p in unit.problems]
    where = unit.files[0] if unit.files else unit.root
    try:
        model = build_model(unit)
    except Exception as exc:  # a bug in a builder must not lose the other units
        return findings + [internal_error("model builder", where, exc, unit.framework)]
    model.reach_entries = options.reach
    if options.reach:
        from vpcsec_lint.reach.intents import entry_notices

        unit.notices.extend(entry_notices(model))
    for rule in rules:
        try:
            found = list(rule.check(model))
        except Exception as exc:
            findings.append(internal_error(f"{rule.id} ({rule.name})", where, exc,
                                           unit.framework))
            continue
        for finding in found:
            finding.severity = options.severity.get(finding.rule_id, finding.severity)
            findings.append(finding)
    from vpcsec_lint.suppressions import apply_suppressions

    apply_suppressions(findings, unit)
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


def lint_paths(paths: list[str], options: Options, stdin: tuple[str, str] | None = None,
               use_cache: bool = True,
               progress: Callable[[int, int], None] | None = None) -> Report:
    """Lint files and directories (or one buffer given as `(filename, text)`).

    Units run in `options.jobs` worker processes when there is enough work;
    the report is the same for any number of jobs. `progress(done, total)` is
    called as units finish.
    """
    from vpcsec_lint import cache
    from vpcsec_lint.units import plan, run_tasks

    cache.enabled = use_cache
    if stdin is not None:
        from vpcsec_lint.discovery import Targets, is_cfn_candidate

        filename, _text = stdin
        targets = Targets()
        directory = os.path.dirname(filename) or "."
        if is_cfn_candidate(os.path.basename(filename)):
            targets.templates[filename] = False
        else:
            targets.tf_modules[directory] = {filename}
        # A buffer's reads stay in its repository, else its directory.
        targets.given = {filename: directory, directory: directory}
    else:
        from vpcsec_lint.discovery import collect

        targets = collect(paths, options.excluded)
    report = Report()
    for outcome in run_tasks(plan(targets), options, stdin, use_cache, progress):
        report.files += outcome.files
        report.findings.extend(outcome.findings)
        report.notices.extend(outcome.notices)
    report.findings = finalize(report.findings, options)
    report.notices = sorted(set(resolve_reach_notices(report.notices)), key=Notice.sort_key)
    return report


def resolve_reach_notices(notices: list[Notice]) -> list[Notice]:
    """A `reach:` entry is unresolved only when no unit of the run holds its resources."""
    resolved = {(n.path, n.line) for n in notices if n.kind == "reach-resolved"}
    return [n for n in notices if n.kind != "reach-resolved" and not (
        n.code == "reach-entry-not-analysed" and (n.path, n.line) in resolved)]


def finalize(findings: list[Finding], options: Options) -> list[Finding]:
    """Drop excluded paths, deduplicate per (rule, file, line), sort.

    A child module's file is seen once per module call and once as a root of
    its own: an unsuppressed instance wins over a suppressed one, and a call
    with the caller's inputs bound (`module.x.` addresses) over the bare root.
    """
    excluded = options.excluded or (lambda _p: False)
    out: dict[tuple, Finding] = {}
    for finding in sorted(findings, key=_preference):
        if excluded(finding.loc.path):
            continue
        key = (finding.rule_id, os.path.normpath(finding.loc.path), finding.loc.line,
               finding.subject)
        if finding.rule_id in ("VSL000", "VSL999"):
            key = (*key, finding.message)
        out.setdefault(key, finding)
    return sorted(out.values(), key=Finding.sort_key)


def _preference(finding: Finding) -> tuple:
    depth = (finding.resource or "").count("module.")
    return (finding.suppressed, -depth, finding.sort_key())
