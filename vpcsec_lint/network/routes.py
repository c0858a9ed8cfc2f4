"""Routes and route tables: a route's destinations, a table's VPC, the table that governs
a subnet, the route a destination takes, and where the default route goes.

Facts relied on:
- A subnet without an explicit route-table association uses the VPC's main
  route table, which for a new VPC holds only the local route:
  https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html
- The most specific route that matches the traffic decides (longest prefix):
  https://docs.aws.amazon.com/vpc/latest/userguide/how-route-tables-work.html
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from vpcsec_lint.model import (
    Model,
    Network,
    PrefixList,
    Ref,
    Route,
    RouteTable,
    Subnet,
    Vpc,
    parse_network,
)
from vpcsec_lint.values import UNKNOWN, Location, Val

_PRIVATE = [ipaddress.ip_network(n) for n in
            ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")]
# Reference attributes of a VPC that name one of its route tables (Terraform).
_VPC_TABLE_ATTRS = frozenset({"main_route_table_id", "default_route_table_id"})


# -- destinations ---------------------------------------------------------------------


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


def networks_of(val: Val) -> tuple[Network, ...] | None:
    """The networks a value may hold (one per branch), or None when any branch is unknown."""
    out = []
    for cand in val.candidates():
        net = parse_network(cand.value)
        if net is None:
            return None
        out.append(net)
    return tuple(out) or None


def _destinations(model: Model, route: Route) -> tuple[list[Destination], bool]:
    """The route's known destinations, and whether they are all of them, one network each
    (entries of an AWS-managed or unknown prefix list are unknown)."""
    if route.destination is not None:
        nets = networks_of(route.destination)
        if not nets:
            return [], False
        single = len(nets) == 1 and not route.destination.alternatives
        return [Destination(nets, route.destination)], single
    if route.prefix_list is None or route.prefix_list.key is None:
        return [], False
    plist = model.prefix_lists.get(route.prefix_list.key)
    if plist is None:
        return [], False
    out, complete = [], plist.complete
    for entry in plist.entries:
        nets = networks_of(entry)
        if nets:
            out.append(Destination(nets, entry, plist))
        complete = complete and nets is not None and len(nets) == 1 and not entry.alternatives
    return out, complete


def destinations(model: Model, route: Route) -> list[Destination]:
    """The route's known destinations (a rule judges each one it can see)."""
    return _destinations(model, route)[0]


def route_networks(model: Model, route: Route) -> list[Network] | None:
    """Every network the route covers, or None unless each one is known (a lookup needs
    all of them)."""
    dests, complete = _destinations(model, route)
    return [d.networks[0] for d in dests] if complete else None


# -- route tables ---------------------------------------------------------------------


def table_vpc(model: Model, route: Route) -> str | None:
    """The key of the VPC whose route table holds the route, when known."""
    table = model.route_tables.get(route.table.key) if route.table.key else None
    if table is not None:
        return table.vpc.key
    return _main_table_of(model, route)


def _main_table_of(model: Model, route: Route) -> str | None:
    """The VPC whose main route table the route names through the VPC itself
    (`aws_vpc.x.main_route_table_id` or `default_route_table_id`), if it does."""
    val = route.table.val
    if val is not None and val.ref is not None and val.ref[1] in _VPC_TABLE_ATTRS \
            and val.ref[0] in model.vpcs:
        return val.ref[0]
    return None


def subnet_vpc(model: Model, subnet: Subnet | None) -> Vpc | None:
    return model.vpc(subnet.vpc) if subnet is not None else None


def subnet_network(subnet: Subnet | None) -> Network | None:
    """The subnet's IPv4 CIDR when known (one branch only)."""
    if subnet is None or subnet.cidr is None or subnet.cidr.alternatives:
        return None
    return parse_network(subnet.cidr.value)


@dataclass
class TableChoice:
    """The route table governing a subnet: a table of the code, the implicit main table
    (local route only), or unknown."""

    table: RouteTable | None
    known: bool
    why: str = ""
    loc: Location | None = None
    """Where to change it: the association, else the subnet."""
    main_of: str | None = None
    """The VPC whose main route table this is (routes may name it through the VPC)."""


def subnet_table(model: Model, subnet: Subnet) -> TableChoice:
    explicit = model.subnet_tables.get(subnet.key, [])
    if len(explicit) == 1:
        ref, loc = explicit[0]
        table = model.route_tables.get(ref.key) if ref.key else None
        if table is None:
            return TableChoice(None, False, "its route table association names a table "
                               "outside the analysed files", loc)
        return TableChoice(table, True, "", loc)
    if explicit:
        return TableChoice(None, False, "it has several route table associations")
    if "route-table" in model.loose_associations:
        return TableChoice(None, False, "a route table association names a subnet that "
                           "cannot be followed")
    vpc = subnet_vpc(model, subnet)
    if vpc is None or not vpc.known or vpc.is_default:
        return TableChoice(None, False, "the main route table of its VPC is not in the code")
    mains = model.main_tables.get(vpc.key, [])
    if len(mains) == 1:
        ref, loc = mains[0]
        table = model.route_tables.get(ref.key) if ref.key else None
        return TableChoice(table, table is not None, "" if table else
                           "the VPC's main route table is not in the analysed files", loc,
                           vpc.key)
    if mains:
        return TableChoice(None, False, "the VPC's main route table is set more than once")
    # The new VPC's main table: the local route and the routes that name it through the VPC.
    return TableChoice(None, True, "", subnet.loc, vpc.key)


def table_routes(model: Model, choice: TableChoice) -> tuple[list[Route], str]:
    """The routes of a known table choice, or why they are not known.

    A route may name the VPC's main table through the VPC (`aws_vpc.x.main_route_table_id`):
    it belongs to the implicit main table, or to the `aws_default_route_table` that manages
    it, but not surely to a table an `aws_main_route_table_association` made main.
    """
    table = choice.table
    if table is not None and table.routes_unknown:
        return [], f"the routes of {table.resource} are not known"
    out = []
    for route in model.routes:
        if table is not None and route.table.key == table.key:
            out.append(route)
        elif choice.main_of is not None and _main_table_of(model, route) == choice.main_of:
            if table is not None and not _manages_default_table(model, table):
                return [], (f"{route.resource} names the VPC's original main route table, "
                            f"which {table.resource} may have replaced")
            out.append(route)
    return out, ""


def _manages_default_table(model: Model, table: RouteTable) -> bool:
    raw = model.resources.get(table.key)
    return raw is not None and raw.type == "aws_default_route_table"


@dataclass
class RouteChoice:
    """The route a destination takes: `route` (None with `local` for the local route),
    or no route (`found` False), or unknown."""

    known: bool
    found: bool = False
    local: bool = False
    route: Route | None = None
    why: str = ""


def lookup(model: Model, choice: TableChoice, vpc: Vpc | None, dest: Network) -> RouteChoice:
    """Longest-prefix match for every address of `dest` in the subnet's table."""
    if not choice.known:
        return RouteChoice(False, why=choice.why)
    routes, why = table_routes(model, choice)
    if why:
        return RouteChoice(False, why=why)
    best: tuple[int, RouteChoice] | None = None
    if vpc is not None:
        for net in vpc.networks():
            if net.version == dest.version and dest.subnet_of(net):  # type: ignore[arg-type]
                best = (net.prefixlen, RouteChoice(True, True, True))
    for route in routes:
        nets = route_networks(model, route)
        if nets is None:
            return RouteChoice(False, why=f"the destination of {route.resource} is not known")
        for net in nets:
            if net.version != dest.version or not net.overlaps(dest):
                continue
            if not dest.subnet_of(net):  # type: ignore[arg-type]
                return RouteChoice(False, why=f"{route.resource} covers part of {dest}")
            if best is None or net.prefixlen > best[0]:
                best = (net.prefixlen, RouteChoice(True, True, False, route))
    if vpc is None or not vpc.known:
        if best is None or best[1].local:
            return RouteChoice(False, why="the VPC's CIDR is not known")
    return best[1] if best is not None else RouteChoice(True, False)


def default_route(model: Model, choice: TableChoice) -> RouteChoice:
    """The route traffic to a public AWS or internet address takes: the `0.0.0.0/0` route,
    unless another route to public space may catch it (unknown)."""
    if not choice.known:
        return RouteChoice(False, why=choice.why)
    routes, why = table_routes(model, choice)
    if why:
        return RouteChoice(False, why=why)
    found = RouteChoice(True, False)
    for route in routes:
        if route.prefix_list is not None:
            continue  # customer prefix lists: private destinations as a rule; gateway
            # endpoint routes are separate (route_table_endpoints)
        nets = route_networks(model, route)
        if nets is None:
            return RouteChoice(False, why=f"the destination of {route.resource} is not known")
        for net in nets:
            if net.version != 4:
                continue
            if net.prefixlen == 0:
                found = RouteChoice(True, True, False, route)
            elif not any(net.subnet_of(p) for p in _PRIVATE):  # type: ignore[arg-type]
                return RouteChoice(False, why=f"{route.resource} routes public addresses "
                                   f"({net}) elsewhere")
    return found


def igw_attached(model: Model, ref: Ref | None, vpc: Vpc | None) -> Any:
    """True, False or UNKNOWN: is the internet gateway a route names attached to the VPC?"""
    if ref is None or ref.key is None or vpc is None:
        return UNKNOWN
    igw = model.internet_gateways.get(ref.key)
    if igw is None:
        return UNKNOWN
    if any(v.key is None for v in igw.vpcs):
        return True if any(v.key == vpc.key for v in igw.vpcs) else UNKNOWN
    return any(v.key == vpc.key for v in igw.vpcs)
