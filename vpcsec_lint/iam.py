"""IAM questions about roles: does a role's set of policies allow an action on a resource?

Answers are `True`, `False` or `UNKNOWN`; `False` only when every policy and
statement that could matter is known. AWS-managed policies come from a
shipped, dated snapshot (`data/aws_managed_policies.json`).
"""

from __future__ import annotations

import json
import pkgutil
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from vpcsec_lint.documents import wrap
from vpcsec_lint.model import IamRole, RolePolicy
from vpcsec_lint.policy import Policy, Statement, parse_policy
from vpcsec_lint.values import UNKNOWN, Location, Val

MAX_ROLE_STATEMENTS = 1000
"""A role's policies are at most about 20 KB of JSON (10 managed policies of 6,144
characters, 10,240 of inline policy): more statements than this is not a real role."""
MAX_PATTERN_CHARS = 2048
"""ARNs are at most 2,048 characters; longer patterns or resources are not matched."""

_MANAGED_ARN = re.compile(r"^arn:(?:aws[a-z-]*|\$\{[^}]*\}):iam::aws:policy/(?:.*/)?([^/]+)$")
"""An AWS-managed policy ARN in any partition (also `arn:${AWS::Partition}:...`)."""


@lru_cache(maxsize=1)
def managed_snapshot() -> dict[str, Any]:
    data = pkgutil.get_data("vpcsec_lint", "data/aws_managed_policies.json")
    if data is None:
        raise FileNotFoundError("vpcsec_lint/data/aws_managed_policies.json")
    return json.loads(data)


def aws_managed_policy(arn: str, loc: Location) -> RolePolicy | None:
    """An AWS-managed policy ARN as a `RolePolicy`: statements from the snapshot, or
    `policy=None` when the snapshot does not have it; None when `arn` is not AWS-managed."""
    match = _MANAGED_ARN.match(arn.strip())
    if match is None:
        return None
    entry = managed_snapshot()["policies"].get(match.group(1))
    if entry is None:
        return RolePolicy("aws_managed", arn, loc)
    doc = wrap({"Statement": entry["statements"]}, loc)
    policy = parse_policy(doc, None, loc)[0]  # type: ignore[arg-type]
    scope = frozenset(entry["scope"]) if "scope" in entry else None
    return RolePolicy("aws_managed", arn, loc, policy, scope)


def role_allows(role: IamRole, action: str, resource: Val) -> Any:
    """Does some policy of `role` allow `action` on `resource` (and no deny stop it)?"""
    if sum(len(p.policy.statements) for p in role.policies
           if p.policy is not None) > MAX_ROLE_STATEMENTS:
        return UNKNOWN
    verdict = combined(policy_allows(p, action, resource) for p in role.policies)
    return False if verdict == "deny" else verdict


def policy_allows(attached: RolePolicy, action: str, resource: Val) -> Any:
    """True (allows), False (does not), "deny" (an explicit deny applies) or UNKNOWN."""
    policy: Policy | None = attached.policy
    if policy is None or not policy.known:
        return UNKNOWN
    if attached.scope is not None and action.split(":", 1)[0].lower() not in attached.scope:
        return UNKNOWN
    return combined(statement_verdict(stmt, action, resource) for stmt in policy.statements)


def combined(verdicts: Iterable[Any]) -> Any:
    """Verdicts of statements (or of policies) together, as AWS evaluates them: an explicit
    deny wins at once; else any unknown verdict (it could hide a deny) makes the answer
    unknown; else one allow allows; else False, the implicit deny."""
    result: Any = False
    for verdict in verdicts:
        if verdict == "deny":
            return "deny"
        if verdict is UNKNOWN:
            result = UNKNOWN
        elif verdict is True and result is False:
            result = True
    return result


def statement_verdict(stmt: Statement, action: str, resource: Val) -> Any:
    """True (allows), False (does not apply), "deny" or UNKNOWN, principal aside."""
    if not stmt.known or stmt.effect is UNKNOWN:
        return UNKNOWN
    acts = _matches(stmt.actions, action, _action_match)
    if stmt.not_action and acts is not UNKNOWN:
        acts = not acts
    if acts is False:
        return False
    res = _matches(stmt.resources, resource, resource_match)
    if stmt.not_resource and res is not UNKNOWN:
        res = not res
    if res is False:
        return False
    if stmt.effect == "Deny":
        return "deny" if acts is True and res is True and stmt.no_condition else UNKNOWN
    if acts is True and res is True and stmt.no_condition:
        return True
    return UNKNOWN


def _matches(patterns: list[Val], subject: Any, test: Any) -> Any:
    """Some pattern matches (True), none does (False), or UNKNOWN."""
    result: Any = False
    for pattern in patterns:
        verdict = test(pattern, subject)
        if verdict is True:
            return True
        if verdict is UNKNOWN:
            result = UNKNOWN
    return result


def _action_match(pattern: Val, action: str) -> Any:
    """`action` may itself be a wildcard (`s3:Get*`, as a role grants it): True when the
    pattern covers all of it, False when the services differ, else UNKNOWN."""
    if not isinstance(pattern.value, str) or pattern.alternatives \
            or len(pattern.value) > MAX_PATTERN_CHARS:
        return UNKNOWN
    text, glob = action.lower(), pattern.value.strip().lower()
    if glob_match(text, glob):
        return True
    if "*" not in text and "?" not in text:
        return False
    fixed, known = re.split(r"[*?]", text)[0], re.split(r"[*?]", glob)[0]
    if not (fixed.startswith(known) or known.startswith(fixed)):
        return False  # what one matches starts differently from what the other does
    return UNKNOWN


def resource_match(pattern: Val, resource: Val) -> Any:
    """Does an IAM resource pattern cover `resource` (an ARN, or a reference to one)?"""
    if pattern.value == "*":
        return True
    if pattern.ref is not None and resource.ref is not None \
            and pattern.ref[0] == resource.ref[0] and pattern.ref[1] == resource.ref[1]:
        return True
    if not isinstance(pattern.value, str) or pattern.alternatives:
        return UNKNOWN
    if not isinstance(resource.value, str) or resource.alternatives:
        return UNKNOWN
    if len(pattern.value) > MAX_PATTERN_CHARS or len(resource.value) > MAX_PATTERN_CHARS:
        return UNKNOWN
    return glob_match(resource.value, pattern.value)


def glob_match(text: str, pattern: str) -> bool:
    """IAM wildcard matching: `*` any run of characters, `?` one character.

    Greedy with backtracking to the last `*` only: O(len(text) * len(pattern)) at
    worst, whatever the pattern (a regular expression could backtrack exponentially).
    """
    t = p = 0
    star, mark = -1, 0
    while t < len(text):
        if p < len(pattern) and pattern[p] in ("?", text[t]):
            t, p = t + 1, p + 1
        elif p < len(pattern) and pattern[p] == "*":
            star, mark, p = p, t, p + 1
        elif star >= 0:
            mark += 1
            t, p = mark, star + 1
        else:
            return False
    return all(c == "*" for c in pattern[p:])
