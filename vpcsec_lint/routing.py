"""Peering-route questions for VSL301 and VSL303: which VPC is the peer and what it holds.

Routes, destinations, a table's VPC and the ends of a peering connection come from the
network model (`vpcsec_lint.network`); this module adds what the two rules judge. Every
answer is conservative: a question whose answer depends on something the
model does not know returns None (or an empty list), and the rules stay silent.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from vpcsec_lint.findings import Related, shown
from vpcsec_lint.model import Model, Network, Peering, Route, Vpc, parse_network
from vpcsec_lint.network.peering import far_sides
from vpcsec_lint.network.routes import Destination, destinations, table_vpc
from vpcsec_lint.values import Location, Val


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
                          for k in far_sides(peering, table_vpc(model, route)))
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
    return nets is not None and not any(net.overlaps(n) for n in nets)


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
