"""Findings: what every rule produces and every front end translates."""

from __future__ import annotations

from vpcsec_lint.records import FrozenRecord, Record
from vpcsec_lint.values import Location

SEVERITIES = ("error", "warning", "note")
SHOWN_LIMIT = 80
"""Values from the analysed code are echoed into messages at most this long."""
SEVERITY_RANK = {"note": 0, "warning": 1, "error": 2}


class Related(FrozenRecord):
    __slots__ = ("loc", "message")

    def __init__(self, loc: Location, message: str) -> None:
        self.loc = loc
        self.message = message


class FlowStep(FrozenRecord):
    """One hop of a path a finding reports: its line (None: not in the code) and outcome.

    `status` is the hop's verdict: `ok`, `blocked`, `unknown` or `skipped`.
    """

    __slots__ = ("loc", "message", "status", "resource")

    def __init__(self, loc: Location | None, message: str, status: str,
                 resource: str = "") -> None:
        self.loc = loc
        self.message = message
        self.status = status
        self.resource = resource


class Flow(FrozenRecord):
    """A path a finding reports, hop by hop (SARIF writes it as a code flow)."""

    __slots__ = ("message", "steps")

    def __init__(self, message: str, steps: tuple[FlowStep, ...]) -> None:
        self.message = message
        self.steps = steps


class Finding(Record):
    """One rule's finding. `subject` tells apart several findings of one rule on one line
    (VSL205: the service); `flows` are the paths behind a reachability finding (VSL6),
    hop by hop, empty for others."""

    __slots__ = ("rule_id", "rule_name", "severity", "message", "loc", "resource",
                 "framework", "related", "suppressed", "suppression_reason", "subject",
                 "flows")

    def __init__(self, rule_id: str, rule_name: str, severity: str, message: str,
                 loc: Location, resource: str | None, framework: str,
                 related: list[Related] | None = None, suppressed: bool = False,
                 suppression_reason: str | None = None, subject: str = "",
                 flows: tuple[Flow, ...] = ()) -> None:
        self.rule_id = rule_id
        self.rule_name = rule_name
        self.severity = severity
        self.message = message
        self.loc = loc
        self.resource = resource
        self.framework = framework
        self.related = [] if related is None else related
        self.suppressed = suppressed
        self.suppression_reason = suppression_reason
        self.subject = subject
        self.flows = flows

    def sort_key(self) -> tuple:
        return (self.loc.path, self.loc.line, self.loc.column, self.rule_id,
                self.resource or "", self.message)

    def paths(self) -> set[str]:
        """The files this finding touches: its location and its related locations."""
        return {self.loc.path, *(r.loc.path for r in self.related)}


class Notice(FrozenRecord):
    """Something a run could not fully see: a budget it hit, or a thing it did not follow.

    `kind` is `budget` (a value or unit exceeded a documented limit and became
    unknown) or `unresolved` (a module call, import or reference that was not
    followed). `code` names the budget or the reason in kebab-case
    (`string-size`, `module-not-initialised`); `message` says what to do.
    Notices are never findings: they go to `summary.budgets` and
    `summary.unresolved` in the JSON report and one line each in the text summary.
    """

    __slots__ = ("kind", "code", "path", "line", "message")

    def __init__(self, kind: str, code: str, path: str, line: int, message: str) -> None:
        self.kind = kind
        self.code = code
        self.path = path
        self.line = line
        self.message = message

    def sort_key(self) -> tuple:
        return (self.kind, self.path, self.line, self.code, self.message)


def _escaped(ch: str) -> str:
    if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF:
        return ch
    code = ord(ch)
    return (f"\\x{code:02x}" if code < 0x100 else
            f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")


def printable(text: str) -> str:
    """`text` with every non-printable character (control characters, ESC, line breaks,
    lone surrogates, line and paragraph separators) as a `\\xXX`/`\\uXXXX` escape.

    What every report format applies to the fields that come from the analysed
    code (paths, resources, messages, reasons) before its own escaping, so the
    output can always be encoded and never holds a line break or a terminal
    sequence that the input chose.
    """
    if text.isprintable() and text.isascii():
        return text
    return "".join(map(_escaped, text))


def shown(value: object, limit: int = SHOWN_LIMIT) -> str:
    """A value from untrusted code as it may appear in a message.

    Non-printable characters are escaped (`printable`), and the text is cut
    to `limit` characters with an ellipsis, so no input can flood or forge a
    report line.
    """
    text = value if isinstance(value, str) else str(value)
    joined = printable(text[: limit + 1])
    if len(text) > limit or len(joined) > limit:
        return joined[: limit - 1] + "\u2026"
    return joined


class Report(Record):
    """What a run found: the findings, the files read, and its notices.

    `notices` are the budgets hit and the things not followed, deduplicated and
    sorted (never findings); `excluded` the files named explicitly that the
    configuration's `exclude` kept out of the run.
    """

    __slots__ = ("findings", "files", "notices", "excluded")

    def __init__(self, findings: list[Finding] | None = None, files: int = 0,
                 notices: list[Notice] | None = None,
                 excluded: list[str] | None = None) -> None:
        self.findings = [] if findings is None else findings
        self.files = files
        self.notices = [] if notices is None else notices
        self.excluded = [] if excluded is None else excluded

    def notices_of(self, kind: str) -> list[Notice]:
        return [n for n in self.notices if n.kind == kind]

    def exit_code(self, fail_on: str) -> int:
        active = [f for f in self.findings if not f.suppressed]
        if any(f.rule_id == "VSL999" for f in active):
            return 2
        threshold = SEVERITY_RANK[fail_on]
        return 1 if any(SEVERITY_RANK[f.severity] >= threshold for f in active) else 0
