"""Findings: what every rule produces and every front end translates."""

from __future__ import annotations

from dataclasses import dataclass, field

from vpcsec_lint.values import Location

SEVERITIES = ("error", "warning", "note")
SEVERITY_RANK = {"note": 0, "warning": 1, "error": 2}


@dataclass(frozen=True, slots=True)
class Related:
    loc: Location
    message: str


@dataclass(slots=True)
class Finding:
    rule_id: str
    rule_name: str
    severity: str
    message: str
    loc: Location
    resource: str | None
    framework: str
    related: list[Related] = field(default_factory=list)
    suppressed: bool = False
    suppression_reason: str | None = None
    subject: str = ""
    """Tells apart several findings of one rule on one line (VSL205: the service)."""

    def sort_key(self) -> tuple:
        return (self.loc.path, self.loc.line, self.loc.column, self.rule_id,
                self.resource or "", self.message)

    def paths(self) -> set[str]:
        """The files this finding touches: its location and its related locations."""
        return {self.loc.path, *(r.loc.path for r in self.related)}
