"""What a run checks and how it judges: from the command line and the config file."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from vpcsec_lint.records import Record

if TYPE_CHECKING:
    from vpcsec_lint.registry import Rule


class Options(Record):
    """What to run and how to judge it (from the command line and the config file)."""

    __slots__ = ("select", "ignore", "fail_on", "severity", "excluded", "var_files", "jobs",
                 "reach")

    def __init__(self, select: set[str] | None = None, ignore: set[str] | None = None,
                 fail_on: str = "warning", severity: dict[str, str] | None = None,
                 excluded: Callable[[str], bool] | None = None, var_files: list[str] | None = None,
                 jobs: int = 1, reach: list[dict] | None = None) -> None:
        self.select = select
        self.ignore = set() if ignore is None else ignore
        self.fail_on = fail_on
        self.severity = {} if severity is None else severity
        """Per-rule severity overrides."""
        self.excluded = excluded
        self.var_files = [] if var_files is None else var_files
        self.jobs = jobs
        self.reach = [] if reach is None else reach
        """Declared `reach:` entries: `from`, `to`, `port`, `protocol`, `expect`, `path`, `line`."""

    def enabled_rules(self) -> list[Rule]:
        from vpcsec_lint.registry import all_rules

        rules = all_rules()
        ids = set(rules) if self.select is None else set(self.select)
        return [rules[i]() for i in sorted(ids - self.ignore) if i in rules]
