"""Tasks (one Terraform root module or one CloudFormation template each) and their outcomes."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vpcsec_lint.discovery import Targets
    from vpcsec_lint.findings import Finding, Notice
    from vpcsec_lint.reach.graph import UnitChart


class Task:
    """One unit to analyse. (Plain classes here: dataclasses cost start-up time.)"""

    __slots__ = ("framework", "path", "report_only", "named", "given")

    def __init__(self, framework: str, path: str, report_only: frozenset[str] | None = None,
                 named: bool = False, given: str | None = None) -> None:
        self.framework = framework
        self.path = path
        """The module directory or the template path."""
        self.report_only = report_only
        """Terraform: the named files to report on (None: everything)."""
        self.named = named
        """CloudFormation: named explicitly (a non-template is then an error)."""
        self.given = given if given is not None else path
        """The PATH the user named that led here (bounds reads outside a repository)."""

    def __reduce__(self) -> tuple:
        return (Task, (self.framework, self.path, self.report_only, self.named, self.given))

    def __repr__(self) -> str:
        return f"Task({self.framework!r}, {self.path!r})"


class Outcome:
    """What one task contributes to the report."""

    __slots__ = ("files", "findings", "notices", "chart")

    def __init__(self, files: int = 0, findings: list[Finding] | None = None,
                 notices: list[Notice] | None = None, chart: UnitChart | None = None) -> None:
        self.files = files
        self.findings = findings if findings is not None else []
        self.notices = notices if notices is not None else []
        self.chart = chart
        """The unit's part of the reachability picture, when the session draws one."""

    def __reduce__(self) -> tuple:
        return (Outcome, (self.files, self.findings, self.notices, self.chart))


def plan(targets: Targets) -> list[Task]:
    """The tasks for what discovery found, in the order of a serial run."""
    tasks = [Task("terraform", d, None if only is None else frozenset(only),
                  given=targets.given.get(d))
             for d, only in sorted(targets.tf_modules.items())]
    tasks += [Task("cloudformation", p, None, named, targets.given.get(p))
              for p, named in sorted(targets.templates.items())]
    return tasks
