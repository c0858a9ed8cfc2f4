"""One lint run, the same for every front end (CLI, language server, cfn-lint, checkov).

A `Session` is the policy of one run (the options and the config file they
came from) and the pipeline that applies it: reading sources (files on disk,
with an `Overlay` of editor buffers or standard input on top), loading units,
linting them (`engine.run_rules` over each unit's model), every kind of
suppression (inline comments and `Metadata`, the config's `ignore`,
`per-path-ignore`, severity overrides) and finalizing (exclusions,
deduplication, order). Front ends only translate in and out. A session that
draws the reachability picture (`charting`, for the CI formats) takes each
unit's part of it from the same analysis, through worker processes and the
unit cache, so the tree is never analysed twice.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from vpcsec_lint.findings import Finding, Notice, Report
from vpcsec_lint.options import Options

if TYPE_CHECKING:
    import argparse

    from vpcsec_lint.config import Settings
    from vpcsec_lint.discovery import Targets
    from vpcsec_lint.raw import Unit
    from vpcsec_lint.reach.graph import ChartParts, UnitChart
    from vpcsec_lint.registry import Rule
    from vpcsec_lint.tasks import Task
    from vpcsec_lint.terraform.loader import ParseCache


TOO_LARGE = "the buffer is larger than the 5 MiB limit for one file"


def too_large(text: str) -> bool:
    """Whether a buffer is over the size limit of a file on disk (in UTF-8 bytes)."""
    from vpcsec_lint.sources import MAX_FILE_BYTES

    if len(text) * 4 <= MAX_FILE_BYTES:
        return False
    return len(text) > MAX_FILE_BYTES or \
        len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES


def norm(path: str) -> str:
    """The key of a path in an overlay: absolute and normalised."""
    return os.path.normpath(os.path.abspath(path))


class Overlay:
    """Texts that stand in for files on disk (editor buffers, standard input)."""

    def __init__(self, texts: dict[str, str] | None = None) -> None:
        self.texts: dict[str, str] = {}
        self.paths: list[str] = []
        """The paths as given (a buffer's path is reported as its front end spelled it)."""
        self.replace(texts or {})

    def replace(self, texts: dict[str, str]) -> None:
        self.paths = list(texts)
        self.texts = {norm(p): t for p, t in texts.items()}

    def get(self, path: str) -> str | None:
        return self.texts.get(norm(path)) if self.texts else None

    def __contains__(self, path: str) -> bool:
        return self.get(path) is not None

    def __bool__(self) -> bool:
        return bool(self.texts)

    def read(self, path: str) -> str:
        """The buffer's text, else the file's (`SourceError` when it cannot be had)."""
        from vpcsec_lint.sources import SourceError, read_source

        text = self.get(path)
        if text is None:
            return read_source(path)
        if too_large(text):
            raise SourceError(TOO_LARGE)
        return text


class Session:
    """The options of one run and the pipeline that applies them."""

    def __init__(self, options: Options | None = None, settings: Settings | None = None,
                 overlay: Overlay | None = None, use_cache: bool = True,
                 charting: bool = False) -> None:
        from vpcsec_lint import cache

        self.options = options or Options()
        self.settings = settings
        self.overlay = overlay or Overlay()
        self.use_cache = use_cache
        cache.enabled = use_cache  # the on-disk cache follows the run that uses it
        self.parse_cache: ParseCache | None = None
        """Parsed Terraform files shared between units (a front end may bring its own)."""
        self._rules: list[Rule] | None = None
        self.charting = charting
        """Whether each unit's part of the reachability picture is kept (`charts`)."""
        self.charts: list[UnitChart] = []
        """The units' parts of the picture from the last `lint_paths`, in unit order."""

    def for_workers(self) -> Session:
        """This session for worker processes: same policy, no exclusions (the parent
        filters), no overlay, nothing parsed yet."""
        return Session(self.options.replaced(excluded=None), use_cache=self.use_cache,
                       charting=self.charting)

    def __setstate__(self, state: dict) -> None:
        """A copy in a worker process: the on-disk cache follows it there too."""
        from vpcsec_lint import cache

        self.__dict__.update(state)
        cache.enabled = self.use_cache

    @property
    def rules(self) -> list[Rule]:
        if self._rules is None:
            self._rules = self.options.enabled_rules()
        return self._rules

    def excluded(self, path: str) -> bool:
        return self.options.excluded is not None and self.options.excluded(path)

    # -- reading and loading --

    def load(self, task: Task, extra: str | None = None) -> Unit | None:
        """Read and evaluate one task's unit (None: not CloudFormation after all).

        `extra` is a Terraform file of the task's module that may not be on disk yet.
        """
        if task.framework == "terraform":
            from vpcsec_lint.terraform.loader import ParseCache, load_module

            if self.parse_cache is None:
                self.parse_cache = ParseCache(self.overlay.read)
            return load_module(task.path, self.parse_cache, self.options.var_files,
                               extra=extra, given=task.given)
        from vpcsec_lint.cloudformation.loader import load_template

        return load_template(task.path, self.overlay.get(task.path), named=task.named)

    def units(self, targets: Targets) -> Iterator[tuple[Unit, set[str] | None]]:
        """Each unit of `targets` with the set of files to report on (None: all of them)."""
        from vpcsec_lint.tasks import plan

        for task in plan(targets):
            unit = self.load(task)
            if unit is not None:
                yield unit, None if task.report_only is None else set(task.report_only)

    # -- linting --

    def lint_unit(self, unit: Unit, charts: list[UnitChart] | None = None) -> list[Finding]:
        """All findings for one unit: VSL000 for its problems, each rule's, VSL999; with
        severity overrides and inline suppressions applied. When `charts` is given, the
        unit's part of the reachability picture is appended to it."""
        from vpcsec_lint.engine import build_model, internal_error, parse_error, run_rules

        findings = [parse_error(p.path, p.message, p.line, p.column, p.framework)
                    for p in unit.problems]
        where = unit.files[0] if unit.files else unit.root
        try:
            model = build_model(unit)
        except Exception as exc:  # a bug in a builder must not lose the other units
            return findings + [internal_error("model builder", where, exc, unit.framework)]
        model.reach_entries = self.options.reach
        if self.options.reach:
            from vpcsec_lint.reach.intents import entry_notices

            unit.notices.extend(entry_notices(model))
        for finding in run_rules(model, self.rules, where, unit.framework):
            finding.severity = self.options.severity.get(finding.rule_id, finding.severity)
            findings.append(finding)
        unit.notices.extend(getattr(model, "reach_notices", ()))  # reach budgets hit
        if charts is not None:  # after the notices: a picture never changes the report
            from vpcsec_lint.reach.graph import unit_chart

            charts.append(unit_chart(model, self.options.reach))  # the rules' own intents
        if unit.installed_modules is not None:
            from vpcsec_lint.terraform.installed_modules import relocate_vendored

            relocate_vendored(findings, unit)
        elif unit.framework == "cloudformation":
            from vpcsec_lint.cloudformation.cdk import name_constructs

            name_constructs(findings, unit)
        from vpcsec_lint.suppressions import apply_suppressions

        apply_suppressions(findings, unit)
        return findings

    def lint_paths(self, paths: list[str],
                   progress: Callable[[int, int], None] | None = None) -> Report:
        """Lint files and directories (or, with no PATHs, the overlay's one buffer).

        Units run in `options.jobs` worker processes when there is enough work;
        the report is the same for any number of jobs. `progress(done, total)` is
        called as units finish.
        """
        from vpcsec_lint.tasks import plan
        from vpcsec_lint.units import run_tasks

        if self.overlay and not paths:
            from vpcsec_lint.discovery import Targets, is_cfn_candidate

            filename = self.overlay.paths[0]
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

            targets = collect(paths, self.options.excluded)
        report = Report()
        self.charts = []
        for outcome in run_tasks(plan(targets), self, progress):
            if outcome.chart is not None:
                self.charts.append(outcome.chart)
            report.files += outcome.files
            report.findings.extend(outcome.findings)
            report.notices.extend(outcome.notices)
        report.findings = self.finish(report.findings)
        report.notices = sorted(set(resolve_reach_notices(report.notices)), key=Notice.sort_key)
        return report

    def finish(self, findings: list[Finding]) -> list[Finding]:
        """Drop excluded paths, deduplicate, sort; then apply `per-path-ignore`."""
        findings = finalize(findings, self.options.excluded)
        if self.settings is not None:
            from vpcsec_lint.config import apply_path_ignores

            apply_path_ignores(findings, self.settings)
        return findings


def lint_with_config(args: argparse.Namespace, paths: list[str],
                     stdin: tuple[str, str] | None = None,
                     use_cache: bool = True, jobs: int | None = None,
                     progress: Callable[[int, int], None] | None = None,
                     chart: ChartParts | None = None) -> tuple[Report, int]:
    """Lint PATHs (or the stdin buffer) under their config files: the report and exit status.

    Each config file's PATHs are one `Session`; `jobs` (when given) overrides
    every run's worker count. With `chart`, each run's parts of the reachability
    picture are added to it.
    """
    from vpcsec_lint.config import plan_runs

    runs = plan_runs(args, [stdin[0]] if stdin is not None else paths)
    merged = Report()
    status = 0
    for run in runs:
        if jobs is not None:
            run.options.jobs = jobs
        overlay = Overlay(dict([stdin])) if stdin is not None else None
        session = Session(run.options, run.settings, overlay, use_cache, chart is not None)
        report = session.lint_paths([] if stdin is not None else run.paths, progress)
        if chart is not None:
            chart.runs.append((session.charts, run.options.reach))
        named = [stdin[0]] if stdin is not None else \
            [p for p in run.paths if not os.path.isdir(p)]
        merged.excluded.extend(p for p in named if session.excluded(p))
        if stdin is not None and session.excluded(stdin[0]):
            report.findings = []
        status = max(status, report.exit_code(run.options.fail_on))
        merged.files += report.files
        merged.findings.extend(report.findings)
        merged.notices.extend(report.notices)
    if len(runs) > 1:
        merged.findings = finalize(merged.findings)
        merged.notices = sorted(set(merged.notices), key=lambda n: n.sort_key())
    return merged, status


def resolve_reach_notices(notices: list[Notice]) -> list[Notice]:
    """A `reach:` entry is unresolved only when no unit of the run holds its resources."""
    resolved = {(n.path, n.line) for n in notices if n.kind == "reach-resolved"}
    return [n for n in notices if n.kind != "reach-resolved" and not (
        n.code == "reach-entry-not-analysed" and (n.path, n.line) in resolved)]


def finalize(findings: list[Finding],
             excluded: Callable[[str], bool] | None = None) -> list[Finding]:
    """Drop excluded paths, deduplicate per (rule, file, line, column, instance), sort.

    A child module's file is seen once per module call and once as a root of
    its own: an unsuppressed instance wins over a suppressed one, and a call
    with the caller's inputs bound (`module.x.` addresses) over the bare root.
    Each instance of an expanded resource or module call (`aws_subnet.a[0]`,
    `module.sg["api"].aws_security_group.this`) keeps its own finding on the
    shared line; a bare-root copy gives way to them.
    """
    from vpcsec_lint.registry import PSEUDO_RULES
    from vpcsec_lint.terraform.expansion import INSTANCE_KEY

    out: dict[tuple, dict[tuple[str, ...], Finding]] = {}
    for finding in sorted(findings, key=_preference):
        if excluded is not None and excluded(finding.loc.path):
            continue
        keys = tuple(INSTANCE_KEY.findall(finding.resource or ""))
        own = keys[-1] if keys and (finding.resource or "").endswith(keys[-1]) else ""
        key: tuple = (finding.rule_id, os.path.normpath(finding.loc.path), finding.loc.line,
                      finding.loc.column, finding.subject, own)
        if finding.rule_id in PSEUDO_RULES:
            key = (*key, finding.message)
        modules = keys[:-1] if own else keys
        out.setdefault(key, {}).setdefault(modules, finding)
    kept: list[Finding] = []
    for by_module in out.values():
        if len(by_module) > 1:
            by_module.pop((), None)
        kept.extend(by_module.values())
    return sorted(kept, key=Finding.sort_key)


def _preference(finding: Finding) -> tuple:
    depth = (finding.resource or "").count("module.")
    # Another stack's resource, joined for its exports, gives way to the stack's own unit.
    joined = finding.framework == "cloudformation" and "/" in (finding.resource or "")
    return (finding.suppressed, joined, -depth, finding.sort_key())
