"""Questions several rules ask of the model (CIDRs, sources, attachments)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from vpcsec_lint.findings import Related, shown
from vpcsec_lint.model import Model, Network, SgRule, Vpc, parse_network
from vpcsec_lint.values import Val

T = TypeVar("T")


def network(val: Val) -> Network | None:
    """The CIDR a known value holds, else None."""
    return parse_network(val.value)


def is_world(val: Val) -> bool:
    net = network(val)
    return net is not None and net.prefixlen == 0


def rule_is_world_open(rule: SgRule) -> bool:
    """A rule whose sources include `0.0.0.0/0` or `::/0` (in any branch)."""
    return any(is_world(c) for cidr in rule.cidrs for c in cidr.candidates())


def ingress_rules(model: Model) -> Iterator[SgRule]:
    """Ingress rules that are not world-open (those are a different concern)."""
    for rule in model.sg_rules:
        if rule.direction == "ingress" and not rule_is_world_open(rule):
            yield rule


def every_branch(val: Val, test: Callable[..., T | None], *args: Any) -> list[T] | None:
    """`test(value, *args)` on every value `val` may take; None unless all pass (principle 4)."""
    results = [test(c, *args) for c in val.candidates()]
    if not results or not all(results):
        return None
    return results  # type: ignore[return-value]


def vpc_cidr_match(val: Val, vpc: Vpc) -> str | None:
    """How `val` is the CIDR of `vpc` (a description), or None when it is not known to be."""
    if val.ref is not None and val.ref in vpc.cidr_refs:
        return describe_ref(val.ref, vpc.framework)
    if val.symbol is not None and val.symbol in vpc.cidr_symbols:
        return f"{describe_symbol(val.symbol)}, the VPC's own CIDR"
    net = network(val)
    if net is not None and any(net == n for n in vpc.networks()):
        return f"{shown(val.value)}, the CIDR of {shown(vpc.resource)}"
    return None


def describe_ref(ref: tuple[str, str], framework: str) -> str:
    address, attr = ref
    if framework == "cloudformation":
        return f"!GetAtt {shown(address)}.{shown(attr)}" if attr != "Ref" \
            else f"!Ref {shown(address)}"
    return f"{shown(address)}.{shown(attr)}" if attr else shown(address)


def describe_symbol(symbol: str) -> str:
    if symbol.startswith("param:"):
        return f"parameter {shown(symbol[6:])}"
    return shown(symbol)


def origin_related(val: Val, what: str = "value") -> list[Related]:
    """Related locations for where a value came from."""
    return [Related(loc, f"{what} defined here") for loc in val.origins]


def vpc_related(vpc: Vpc) -> Related:
    return Related(vpc.loc, f"VPC {shown(vpc.resource)}")


def endpoint_only_group(model: Model, group_key: str | None) -> bool:
    """Attached to at least one interface endpoint and to no known other resource."""
    attached = model.attachments.get(group_key or "", [])
    return bool(attached) and all(a.is_interface_endpoint for a in attached)


GROUP_IDENTITY_ATTRS = frozenset({"id", "Ref", "GroupId"})
"""Reference attributes that name a security group itself (Terraform `id`, CloudFormation
`Ref` and `!GetAtt X.GroupId`)."""


def rule_may_come_from(rule: SgRule, keys: set[str]) -> bool:
    """Whether one of the rule's source groups is one of `keys`, or is in some branch of a
    conditional whose condition is unknown (so the rule may be that self-reference)."""
    for source in rule.source_groups:
        if source.key is not None:
            if source.key in keys:
                return True
            continue
        for candidate in source.val.candidates() if source.val is not None else ():
            ref = candidate.ref
            if ref is not None and ref[0] in keys and ref[1] in GROUP_IDENTITY_ATTRS:
                return True
    return False


def rules_by_group(rules: Iterable[SgRule]) -> dict[str, list[SgRule]]:
    """Each group key with the rules that may belong to it (`rule_may_belong_to`), in order.

    Built once per model, it makes "the rules of these groups" a lookup rather
    than a scan of every rule for every endpoint or cache.
    """
    index: dict[str, list[SgRule]] = {}
    for rule in rules:
        if rule.group.key is not None:
            keys = [rule.group.key]
        else:
            keys = [c.ref[0] for c in (rule.group.val.candidates() if rule.group.val else ())
                    if c.ref is not None and c.ref[1] in GROUP_IDENTITY_ATTRS]
        for key in dict.fromkeys(keys):
            index.setdefault(key, []).append(rule)
    return index


def rules_of(index: dict[str, list[SgRule]], keys: Iterable[str]) -> list[SgRule]:
    """The rules that may belong to any of `keys` (from `rules_by_group`), each once."""
    return list({id(r): r for key in keys for r in index.get(key, ())}.values())


def rule_may_belong_to(rule: SgRule, keys: set[str]) -> bool:
    """Whether the rule is on one of the groups `keys`, or is in some branch of a conditional
    `security_group_id`/`GroupId` whose condition is unknown."""
    if rule.group.key is not None:
        return rule.group.key in keys
    for candidate in rule.group.val.candidates() if rule.group.val is not None else ():
        ref = candidate.ref
        if ref is not None and ref[0] in keys and ref[1] in GROUP_IDENTITY_ATTRS:
            return True
    return False
