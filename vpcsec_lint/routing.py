"""Peering-route questions for VSL301–VSL303: which VPC is the peer and what it holds.

Every answer is conservative: a question whose answer depends on something the
model does not know returns None (or an empty list), and the rules stay silent.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from vpcsec_lint.findings import Related, shown
from vpcsec_lint.model import Model, Network, Peering, PrefixList, Route, Vpc, parse_network
from vpcsec_lint.values import Location, Val

# Reference attributes of a VPC that name one of its route tables (Terraform).
_VPC_TABLE_ATTRS = frozenset({"main_route_table_id", "default_route_table_id"})


@dataclass(frozen=True)
class Destination:
    """One destination of a route: a CIDR, or one entry of a customer-managed prefix list."""

    networks: tuple[Network, ...]
    """What it may be: one network, or one per branch of an unknown conditional."""
    val: Val
    prefix_list: PrefixList | None = None

    @property
    def text(self) -> str:
        return " or ".join(str(n) for n in self.networks)


@dataclass(frozen=True)
class PeeringRoute:
    """A route whose target is a VPC peering connection, with what is known about it."""

    route: Route
    peering: Peering | None
    peers: tuple[Vpc | None, ...]
    """The VPC(s) on the far side; more than one when the table's VPC is unknown."""
    destinations: tuple[Destination, ...]

    @property
    def connection(self) -> str:
        """How to name the connection in a message."""
        if self.peering is not None:
            return f"peering connection {shown(self.peering.resource)}"
        val = self.route.peering.val if self.route.peering is not None else None
        if val is not None and isinstance(val.value, str):
            return f"peering connection {shown(val.value)}"
        return "a peering connection"

    @property
    def loc(self) -> Location:
        """The destination attribute to change (the prefix-list attribute for a list)."""
        route = self.route
        if route.destination is not None and route.destination.loc is not None:
            return route.destination.loc
        if route.prefix_list is not None and route.prefix_list.val is not None \
                and route.prefix_list.val.loc is not None:
            return route.prefix_list.val.loc
        return route.loc


def always_present(val: Val | None) -> bool:
    """Set to something in every branch (an unknown value counts; null, "" and a dropped
    `AWS::NoValue` branch do not)."""
    if val is None:
        return False
    if val.alternatives:
        # A CloudFormation `Fn::If` drops an `AWS::NoValue` branch: fewer than two left.
        return len(val.alternatives) >= 2 and all(always_present(a) for a in val.alternatives)
    return val.value not in (None, "")


def networks_of(val: Val) -> tuple[Network, ...] | None:
    """The networks a value may hold (one per branch), or None when any branch is unknown."""
    out = []
    for cand in val.candidates():
        net = parse_network(cand.value)
        if net is None:
            return None
        out.append(net)
    return tuple(out) or None


def destinations(model: Model, route: Route) -> list[Destination]:
    """The route's known destinations; entries of an AWS-managed or unknown list are unknown."""
    if route.destination is not None:
        nets = networks_of(route.destination)
        return [Destination(nets, route.destination)] if nets else []
    if route.prefix_list is None or route.prefix_list.key is None:
        return []
    plist = model.prefix_lists.get(route.prefix_list.key)
    if plist is None:
        return []
    out = []
    for entry in plist.entries:
        nets = networks_of(entry)
        if nets:
            out.append(Destination(nets, entry, plist))
    return out


def table_vpc(model: Model, route: Route) -> str | None:
    """The key of the VPC whose route table holds the route, when known."""
    table = model.route_tables.get(route.table.key) if route.table.key else None
    if table is not None:
        return table.vpc.key
    val = route.table.val
    if val is not None and val.ref is not None and val.ref[1] in _VPC_TABLE_ATTRS \
            and val.ref[0] in model.vpcs:
        return val.ref[0]
    return None


def peer_keys(peering: Peering, own: str | None) -> tuple[str | None, ...]:
    """The far side(s) of `peering` seen from a table in VPC `own` (None: unknown)."""
    requester, accepter = peering.requester_vpc.key, peering.accepter_vpc.key
    if own is None:
        return (requester, accepter)
    if own == requester:
        return (accepter,)
    if own == accepter:
        return (requester,)
    # The table's VPC must be one side: if only one side is known and it is not the
    # table's VPC, the table's VPC is the unknown side and the known side is the peer.
    if requester is None and accepter is not None:
        return (accepter,)
    if accepter is None and requester is not None:
        return (requester,)
    return (None,)


def peering_routes(model: Model) -> list[PeeringRoute]:
    """Every route whose target is a peering connection in every branch."""
    out = []
    for route in model.routes:
        if route.peering is None or not always_present(route.peering.val):
            continue
        peering = model.peering(route.peering)
        peers: tuple[Vpc | None, ...] = (None,)
        if peering is not None:
            peers = tuple(model.vpcs.get(k) if k else None
                          for k in peer_keys(peering, table_vpc(model, route)))
        out.append(PeeringRoute(route, peering, peers, tuple(destinations(model, route))))
    return out


def family_networks(vpc: Vpc | None, version: int) -> list[Network] | None:
    """All of a VPC's CIDRs of one IP version, or None unless every one is known.

    None also when the VPC has no CIDR of that version in the model: an Amazon-provided
    IPv6 block may exist without a value we can see.
    """
    if vpc is None or not vpc.known:
        return None
    vals = vpc.cidrs if version == 4 else vpc.ipv6_cidrs
    nets = []
    for val in vals:
        net = parse_network(val.value) if not val.alternatives else None
        if net is None or net.version != version:
            return None
        nets.append(net)
    return nets or None


def is_default(net: Network) -> bool:
    return net.prefixlen == 0


def outside(net: Network, peer: Vpc | None) -> bool:
    """Known not to overlap any CIDR of the peer."""
    nets = family_networks(peer, net.version)
    return nets is not None and not any(net.overlaps(n) for n in nets)  # type: ignore[arg-type]


def wider_parts(net: Network, peer: Vpc | None) -> list[Network] | None:
    """The peer CIDRs `net` strictly contains, when part of `net` lies outside the peer;
    None when `net` is not known to be wider than the peer."""
    nets = family_networks(peer, net.version)
    if nets is None:
        return None
    inner = [n for n in nets if n != net and n.subnet_of(net)]  # type: ignore[arg-type]
    if not inner:
        return None
    covered = list(ipaddress.collapse_addresses(inner))  # type: ignore[type-var]
    return None if covered == [net] else inner


def owner_vpc(model: Model, net: Network, exclude: set[str]) -> Vpc | None:
    """The VPC whose known CIDR most narrowly contains `net` (not one of `exclude`)."""
    best: tuple[int, Vpc] | None = None
    for key, vpc in model.vpcs.items():
        if key in exclude:
            continue
        for cidr in vpc.networks():
            if cidr.version == net.version and net.subnet_of(cidr):  # type: ignore[arg-type]
                if best is None or cidr.prefixlen > best[0]:
                    best = (cidr.prefixlen, vpc)
    return best[1] if best is not None else None


def describe_vpc(vpc: Vpc | None, version: int = 4) -> str:
    """`aws_vpc.b (10.1.0.0/16, 100.64.0.0/16)`, or `the peer VPC` when unknown."""
    if vpc is None:
        return "the peer VPC"
    nets = family_networks(vpc, version) or []
    name = shown(vpc.resource)
    return f"{name} ({', '.join(str(n) for n in nets)})" if nets else name


def route_related(item: PeeringRoute, dest: Destination | None = None) -> list[Related]:
    """The peering connection, the peer VPC(s), the prefix-list entry and value origins."""
    related = []
    if item.peering is not None:
        related.append(Related(item.peering.loc,
                               f"peering connection {shown(item.peering.resource)}"))
    for peer in item.peers:
        if peer is not None:
            related.append(Related(peer.loc, f"peer VPC {shown(peer.resource)}"))
    if dest is not None:
        if dest.prefix_list is not None and dest.val.loc is not None:
            related.append(Related(dest.val.loc,
                                   f"entry {shown(dest.text)} of prefix list "
                                   f"{shown(dest.prefix_list.resource)}"))
        related.extend(Related(o, "destination defined here") for o in dest.val.origins)
    return related
