"""What a run checks and how it judges: from the command line and the config file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vpcsec_lint.registry import Rule


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
        from vpcsec_lint.registry import all_rules

        rules = all_rules()
        ids = set(rules) if self.select is None else set(self.select)
        return [rules[i]() for i in sorted(ids - self.ignore) if i in rules]
