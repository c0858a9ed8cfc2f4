"""Endpoint policies: one model for every way a policy can be written.

A policy reaches the model as a structure (Terraform `jsonencode(...)`,
CloudFormation `PolicyDocument` objects), as JSON text (heredoc, quoted,
`file()`, `Fn::Sub` with unknown parts as `Val.partial`), as a reference to a
`data.aws_iam_policy_document`, or through an `aws_vpc_endpoint_policy`
resource. `parse_policy` turns each into a `Policy` of `Statement`s whose
questions (does it allow everything? could it be a conditioned deny?) are
answered "yes" only when the answer is known.

This module also knows AWS endpoint service names and which services accept
endpoint policies (`data/endpoint_policy_services.json`).
"""

from __future__ import annotations

import json
import pkgutil
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from vpcsec_lint.documents import MAX_DOCUMENT_CHARS, member, wrap
from vpcsec_lint.model import Endpoint, Model, Setting
from vpcsec_lint.records import FrozenRecord, Record
from vpcsec_lint.values import UNKNOWN, Location, Val

IAM_POLICY_DOCUMENT = "aws_iam_policy_document"
_DOCUMENT_ATTRS = ("json", "minified_json")
_MERGE_ARGS = ("source_policy_documents", "override_policy_documents", "source_json",
               "override_json")
_SERVICE_WILDCARD = re.compile(r"^[a-z0-9-]+:\*$", re.IGNORECASE)
_REGION = r"(?:[a-z]{2}(?:-[a-z]+)+-\d+|\$\{[^}]*\})"
_AWS_SERVICE = re.compile(r"^(com\.amazonaws|aws\.sagemaker)\.(" + _REGION + r")\.(.+)$")
POLICY_TYPES = ("Gateway", "Interface")
"""Endpoint types that take a policy (GatewayLoadBalancer, Resource, ServiceNetwork do not)."""


# -- endpoint service names ---------------------------------------------------

class ServiceName(FrozenRecord):
    """An AWS endpoint service name split into its parts; `region` may be `${...}`."""

    __slots__ = ("prefix", "region", "service")

    def __init__(self, prefix: str, region: str, service: str) -> None:
        self.prefix = prefix
        self.region = region
        self.service = service

    def hostname(self) -> str:
        """The service's regional DNS name (`ecr.api` -> `api.ecr.<region>.amazonaws.com`)."""
        if self.prefix == "aws.sagemaker":
            return f"{self.service}.{self.region}.sagemaker.aws"
        labels = list(reversed(self.service.split(".")))
        return ".".join([*labels, self.region, "amazonaws.com"])


def aws_service(name: str | None) -> ServiceName | None:
    """`com.amazonaws.<region>.<svc>` or `aws.sagemaker.<region>.<svc>` with a known `<svc>`.

    None for anything else: other accounts' services (`com.amazonaws.vpce.*`),
    other name shapes, or a service part that is not known.
    """
    if not name:
        return None
    match = _AWS_SERVICE.match(name.strip())
    if match is None or "${" in match.group(3) or match.group(2) == "vpce":
        return None
    return ServiceName(match.group(1), match.group(2), match.group(3))


@lru_cache(maxsize=1)
def policy_services() -> dict[str, Any]:
    """The shipped list of services that accept endpoint policies, with its source and date."""
    # pkgutil (already loaded by the registry) also reads from the zip bundle for checkov.
    data = pkgutil.get_data("vpcsec_lint", "data/endpoint_policy_services.json")
    if data is None:
        raise FileNotFoundError("vpcsec_lint/data/endpoint_policy_services.json")
    return json.loads(data)


def accepts_policy(service: ServiceName) -> bool:
    """True when the shipped list says the service accepts endpoint policies."""
    data = policy_services()
    names = set(data["services"])
    if service.prefix == "aws.sagemaker":
        return f"aws.sagemaker.{service.service}" in names
    return service.service in names


def setting_is(setting: Setting | None, expected: object) -> bool:
    """Known to be `expected`, in every branch of an unknown conditional too."""
    if setting is None:
        return False
    candidates = [_normal(c) for c in setting.candidates()]
    return bool(candidates) and all(c is not UNKNOWN and c == expected
                                    and type(c) is type(expected) for c in candidates)


def _normal(value: object) -> object:
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


def policy_capable(endpoint: Endpoint) -> ServiceName | None:
    """The AWS service of an endpoint known to be able to take a policy, else None.

    Its type must be known to be Gateway or Interface and its service an AWS
    service name; other accounts' services and other types cannot take one.
    """
    candidates = endpoint.endpoint_type.candidates() if endpoint.endpoint_type else []
    if not candidates or any(c not in POLICY_TYPES for c in candidates):
        return None
    return aws_service(endpoint.service_name)


# -- the policy model ---------------------------------------------------------

class Statement(Record):
    """One statement. Each flag is True only when it is known to hold."""

    __slots__ = ("loc", "known", "effect", "any_principal", "any_action", "any_resource",
                 "no_condition", "maybe_condition", "actions", "not_action", "resources",
                 "not_resource", "principals")

    def __init__(self, loc: Location | None, known: bool = True, effect: Any = UNKNOWN,
                 any_principal: bool = False, any_action: bool = False, any_resource: bool = False,
                 no_condition: bool = False, maybe_condition: bool = True,
                 actions: list[Val] | None = None, not_action: bool = False,
                 resources: list[Val] | None = None, not_resource: bool = False,
                 principals: list[Val] | None = None) -> None:
        self.loc = loc
        """The statement's own location, when it has one."""
        self.known = known
        self.effect = effect
        """`Allow`, `Deny` or UNKNOWN."""
        self.any_principal = any_principal
        self.any_action = any_action
        self.any_resource = any_resource
        self.no_condition = no_condition
        """Known to have no condition (missing or empty)."""
        self.maybe_condition = maybe_condition
        """Could carry a condition (present and non-empty, or unknown)."""
        self.actions = [] if actions is None else actions
        """`Action` (or `NotAction` when `not_action`) items as written; UNKNOWN items possible."""
        self.not_action = not_action
        self.resources = [] if resources is None else resources
        """`Resource` (or `NotResource` when `not_resource`) items as written."""
        self.not_resource = not_resource
        self.principals = principals
        """The `AWS` principal items as written (`[]`: only other principal types, such as
        `Service`); None when the principal is absent, `NotPrincipal` or not known."""

    @property
    def allows_everything(self) -> bool:
        """Allow, anyone, any action, any resource, no condition."""
        return (self.known and self.effect == "Allow" and self.any_principal
                and self.any_action and self.any_resource and self.no_condition)

    @property
    def maybe_conditioned_deny(self) -> bool:
        """Could be a Deny with a condition (the data-perimeter pattern)."""
        if not self.known:
            return True
        return self.effect in ("Deny", UNKNOWN) and self.maybe_condition


class Policy(Record):
    """A parsed policy, or an unknown one (`known` False: never a finding)."""

    __slots__ = ("loc", "known", "statements", "form", "source")

    def __init__(self, loc: Location, known: bool = True,
                 statements: list[Statement] | None = None, form: str = "structure",
                 source: Location | None = None) -> None:
        self.loc = loc
        """Where the policy is set (the attribute, or the resource when implicit)."""
        self.known = known
        self.statements = [] if statements is None else statements
        self.form = form
        """`structure`, `json`, `file`, `iam_policy_document`, `default`."""
        self.source = source
        """Where the document comes from when it is elsewhere (a file, a data source)."""

    def wildcard_statement(self) -> Statement | None:
        """The first statement that allows everything, unless a perimeter deny may apply."""
        if not self.known or any(s.maybe_conditioned_deny for s in self.statements):
            return None
        return next((s for s in self.statements if s.allows_everything), None)


def full_access(loc: Location) -> Policy:
    """The policy AWS applies when none is given: allow anyone to do anything."""
    stmt = Statement(None, True, "Allow", True, True, True, True, False)
    return Policy(loc, True, [stmt], "default")


def parse_policy(val: Val | None, model: Model, fallback: Location) -> list[Policy]:
    """The possible policies a value denotes (several for an unknown conditional).

    An omitted value gives `[]`; anything unresolvable gives one unknown policy.
    """
    if val is None:
        return []
    loc = val.loc or fallback
    if val.alternatives:
        out: list[Policy] = []
        for alt in val.alternatives:
            out.extend(parse_policy(alt, model, loc) or [Policy(loc, False)])
        if len(val.alternatives) < 2:
            out.append(Policy(loc, False))  # the other branch removes it (`AWS::NoValue`)
        return out
    return [_parse_one(val, model, loc)]


def _parse_one(val: Val, model: Model, loc: Location) -> Policy:
    value = val.value
    if isinstance(value, dict):
        return _from_structure(val, loc, "structure")
    if isinstance(value, str):
        return _from_text(value, val, loc, partial=False)
    if value is UNKNOWN and val.partial is not None:
        return _from_text(val.partial, val, loc, partial=True)
    if value is UNKNOWN and val.ref is not None and val.ref[1] in _DOCUMENT_ATTRS:
        raw = model.resources.get(val.ref[0])
        if raw is not None and raw.is_data and raw.type == IAM_POLICY_DOCUMENT:
            return _from_iam_document(raw.body, loc)
    return Policy(loc, False)


# -- JSON and structured documents --------------------------------------------

def _from_text(text: str, val: Val, loc: Location, partial: bool) -> Policy:
    if len(text) > MAX_DOCUMENT_CHARS:
        return Policy(loc, False)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return Policy(loc, False)
    if not isinstance(data, dict):
        return Policy(loc, False)
    if partial:
        data = _mark_unknown(data)
    file_path = _file_origin(val, text)
    base = (file_path, 1) if file_path else _inline_text_start(val, text)
    policy = _from_structure(wrap(data, None), loc, "file" if file_path else "json")
    if file_path:
        policy.source = Location(file_path, 1, 1)
    if base is not None and policy.known:
        lines = _statement_lines(text)
        if lines is not None and len(lines) == len(policy.statements):
            text_lines = text.splitlines()
            for stmt, line in zip(policy.statements, lines, strict=True):
                stmt.loc = _line_span(base[0], base[1] + line - 1, text_lines[line - 1])
    return policy


def _mark_unknown(data: Any) -> Any:
    """Strings with unresolved `${...}` parts become UNKNOWN."""
    if isinstance(data, dict):
        return {k: _mark_unknown(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_mark_unknown(v) for v in data]
    if isinstance(data, str) and "${" in data:
        return UNKNOWN
    return data


def _file_origin(val: Val, text: str) -> str | None:
    """The file a `file()` call read the text from, if the value came from one."""
    for origin in val.origins:
        if origin.line == 1 and origin.column == 1 and origin.end_line is None:
            try:
                with open(origin.path, encoding="utf-8") as handle:
                    if handle.read(MAX_DOCUMENT_CHARS + 1) == text:
                        return origin.path
            except (OSError, UnicodeDecodeError):
                continue
    return None


def _inline_text_start(val: Val, text: str) -> tuple[str, int] | None:
    """Where a multi-line literal (heredoc, YAML block scalar) starts: the line after `loc`."""
    loc = val.loc
    if loc is None or loc.end_line is None or loc.end_line == loc.line:
        return None
    if loc.end_line - loc.line < text.count("\n"):
        return None
    return (loc.path, loc.line + 1)


def _line_span(path: str, line: int, text_line: str) -> Location:
    """The non-blank part of a source line (the text's own line when the file cannot be read).

    A trimmed heredoc or a YAML block scalar loses its indentation in the text,
    so the file gives the real columns.
    """
    source = text_line
    try:
        with open(path, encoding="utf-8") as handle:
            for number, candidate in enumerate(handle, 1):
                if number == line:
                    source = candidate.rstrip("\r\n")
                    break
    except (OSError, UnicodeDecodeError):
        pass
    start = len(source) - len(source.lstrip())
    return Location(path, line, start + 1, line, len(source.rstrip()) + 1)


def _statement_lines(text: str) -> list[int] | None:
    """1-based line of each statement within JSON `text` (None when unclear)."""
    from vpcsec_lint.yamlnodes import DocumentError, load_document

    try:
        doc = load_document(text, "<policy>", is_json=True)
    except (DocumentError, RecursionError):
        return None
    if doc is None or not isinstance(doc.value, dict):
        return None
    stmts = member(doc, "Statement")
    if stmts is None:
        return []
    items = stmts.value if isinstance(stmts.value, list) else [stmts]
    if any(item.loc is None for item in items):
        return None
    return [item.loc.line for item in items if item.loc is not None]


def _from_structure(doc: Val, loc: Location, form: str) -> Policy:
    stmts = member(doc, "Statement")
    if stmts is None:
        return Policy(loc, True, [], form)
    if stmts.value is UNKNOWN or stmts.alternatives:
        return Policy(loc, False, [], form)
    items = stmts.value if isinstance(stmts.value, list) else [stmts]
    return Policy(loc, True, [_json_statement(item) for item in items], form)


def _json_statement(val: Val) -> Statement:
    if not isinstance(val.value, dict) or val.alternatives:
        return Statement(val.loc, known=False)
    effect = member(val, "Effect")
    stmt = Statement(val.loc, effect=_effect(effect.value if effect is not None else UNKNOWN))
    stmt.any_principal = _json_any_principal(member(val, "Principal"))
    stmt.principals = _json_principals(member(val, "Principal"))
    stmt.any_action = member(val, "NotAction") is not None or _any_of(
        member(val, "Action"), _is_action_wildcard)
    stmt.any_resource = member(val, "NotResource") is not None or _any_of(
        member(val, "Resource"), lambda v: v == "*")
    stmt.not_action = member(val, "Action") is None and member(val, "NotAction") is not None
    stmt.actions = _listed(member(val, "NotAction" if stmt.not_action else "Action"))
    stmt.not_resource = member(val, "Resource") is None and member(
        val, "NotResource") is not None
    stmt.resources = _listed(member(val, "NotResource" if stmt.not_resource else "Resource"))
    condition = member(val, "Condition")
    if condition is None or condition.value in ({}, None, [], ""):
        stmt.no_condition, stmt.maybe_condition = True, False
    return stmt


def _listed(val: Val | None) -> list[Val]:
    """The items of a string-or-list member; one UNKNOWN item when the list is not known."""
    if val is None:
        return []
    if val.alternatives or val.value is UNKNOWN:
        return [Val(UNKNOWN, val.loc, ref=val.ref)]
    return list(val.value) if isinstance(val.value, list) else [val]


def _effect(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in ("allow", "deny"):
        return value.strip().capitalize()
    return UNKNOWN


def _is_action_wildcard(value: Any) -> bool:
    return isinstance(value, str) and (value.strip() == "*"
                                       or bool(_SERVICE_WILDCARD.match(value.strip())))


def _any_of(val: Val | None, test: Any) -> bool:
    """True when some known item of a string-or-list value passes `test`."""
    if val is None:
        return False
    items = val.value if isinstance(val.value, list) else [val]
    return any(not item.alternatives and test(item.value) for item in items)


def _json_principals(val: Val | None) -> list[Val] | None:
    """`"*"` as one item, or the items of `{"AWS": ...}` (other keys name no role)."""
    if val is None or val.alternatives or val.value is UNKNOWN:
        return None
    if val.value == "*":
        return [val]
    if not isinstance(val.value, dict):
        return None
    aws = member(val, "AWS")
    return _listed(aws) if aws is not None else []


def _json_any_principal(val: Val | None) -> bool:
    """`"*"`, `{"AWS": "*"}` or `{"AWS": [..., "*"]}`."""
    if val is None or val.alternatives:
        return False
    if val.value == "*":
        return True
    aws = member(val, "AWS")
    return _any_of(aws, lambda v: v == "*")


# -- data.aws_iam_policy_document ---------------------------------------------

def _from_iam_document(body: Val, loc: Location) -> Policy:
    source = body.loc
    if not isinstance(body.value, dict) or any(member(body, k) is not None
                                               for k in _MERGE_ARGS):
        return Policy(loc, False, [], "iam_policy_document", source)
    blocks = body.value.get("statement")
    if blocks is None:
        return Policy(loc, True, [], "iam_policy_document", source)
    if not isinstance(blocks.value, list):
        return Policy(loc, False, [], "iam_policy_document", source)
    statements = [_iam_statement(block) for block in blocks.value]
    return Policy(loc, True, statements, "iam_policy_document", source)


def _iam_statement(block: Val) -> Statement:
    if not isinstance(block.value, dict) or block.symbol == "dynamic":
        return Statement(block.loc, known=False)
    body = block.value
    effect = body.get("effect")
    stmt = Statement(block.loc, effect=_effect(effect.value) if effect is not None else "Allow")
    stmt.any_principal = _iam_any_principal(body.get("principals"))
    stmt.principals = _iam_principals(body.get("principals"))
    stmt.any_action = _nonempty(body.get("not_actions")) or _any_of(
        body.get("actions"), _is_action_wildcard)
    stmt.any_resource = _nonempty(body.get("not_resources")) or _any_of(
        body.get("resources"), lambda v: v == "*")
    stmt.not_action = body.get("actions") is None and body.get("not_actions") is not None
    stmt.actions = _listed(body.get("not_actions" if stmt.not_action else "actions"))
    stmt.not_resource = body.get("resources") is None and body.get("not_resources") is not None
    stmt.resources = _listed(body.get("not_resources" if stmt.not_resource else "resources"))
    conditions = body.get("condition")
    if conditions is None or (isinstance(conditions.value, list) and not conditions.value):
        stmt.no_condition, stmt.maybe_condition = True, False
    return stmt


def _nonempty(val: Val | None) -> bool:
    """Set and not a known empty list (an unknown value counts: it is set)."""
    return val is not None and not (isinstance(val.value, list) and not val.value)


def _iam_principals(blocks: Val | None) -> list[Val] | None:
    """The identifiers of `principals` blocks of type `AWS` (`"*"` for type `*`)."""
    if blocks is None or not isinstance(blocks.value, list):
        return None
    out: list[Val] = []
    for block in blocks.value:
        if not isinstance(block.value, dict) or block.symbol == "dynamic":
            return None
        kind = block.value.get("type")
        kind_value = kind.value if kind is not None else UNKNOWN
        if kind_value == "*":
            out.append(Val("*", block.loc))
        elif kind_value == "AWS":
            out.extend(_listed(block.value.get("identifiers")))
        elif not isinstance(kind_value, str):
            return None
    return out


def _iam_any_principal(blocks: Val | None) -> bool:
    """`principals { type = "*" }` or `type = "AWS"` with `"*"` among the identifiers."""
    if blocks is None or not isinstance(blocks.value, list):
        return False
    for block in blocks.value:
        if not isinstance(block.value, dict) or block.symbol == "dynamic":
            continue
        kind = block.value.get("type")
        kind_value = kind.value if kind is not None else None
        if kind_value == "*":
            return True
        if kind_value == "AWS" and _any_of(block.value.get("identifiers"), lambda v: v == "*"):
            return True
    return False


# -- evaluating an endpoint policy --------------------------------------------------

def principal_match(stmt: Statement, principal: Val | None) -> Any:
    """Does the statement's principal cover `principal` (a reference to a role's ARN)?

    True for anyone (`*`) or the same role; False when every named principal is another
    resource's ARN or not an IAM principal (`Service`, ...); else UNKNOWN."""
    if stmt.any_principal:
        return True
    if stmt.principals is None:
        return UNKNOWN
    result: Any = False
    for item in stmt.principals:
        if item.value == "*" and not item.alternatives:
            return True
        mine = principal.ref if principal is not None else None
        theirs = item.ref
        if mine is not None and theirs is not None and theirs[0] == mine[0]:
            return True
        if not (mine is not None and theirs is not None and theirs[1].lower() == "arn"
                and not theirs[0].startswith("data.") and not mine[0].startswith("data.")):
            result = UNKNOWN  # an ARN as text, an account, a data source: may be the role
    return result


def endpoint_allows(policy: Policy, action: str, resource: Val, principal: Val | None) -> Any:
    """Does an endpoint policy let `principal` call `action` on `resource`?

    True, False (no statement allows it: the implicit deny), "deny" (an explicit deny
    applies, and wins) or UNKNOWN (a condition, a principal or a pattern that cannot be
    decided): https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    """
    from vpcsec_lint.iam import combined, statement_verdict

    if not policy.known:
        return UNKNOWN

    def verdicts() -> Iterator[Any]:
        for stmt in policy.statements:
            who = principal_match(stmt, principal)
            if who is False:
                continue
            verdict = statement_verdict(stmt, action, resource)
            yield UNKNOWN if verdict in ("deny", True) and who is UNKNOWN else verdict

    return combined(verdicts())
