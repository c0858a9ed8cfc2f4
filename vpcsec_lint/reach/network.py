"""The network model over the common resource model.

A `Place` is anything with network interfaces in a VPC (a workload or a target):
its subnets and security groups as far as the code says. For a subnet, this
module answers which route table and which network ACL govern it (explicit
associations, else the VPC's main table and default NACL) and which route a
destination takes (longest prefix). Every answer may be "unknown"; nothing
here guesses.

Facts relied on:
- A subnet without an explicit route-table association uses the VPC's main
  route table, which for a new VPC holds only the local route:
  https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html
- A subnet without an explicit NACL association uses the default NACL, which
  allows all traffic unless modified:
  https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html
- The most specific route that matches the traffic decides (longest prefix):
  https://docs.aws.amazon.com/vpc/latest/userguide/how-route-tables-work.html
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from vpcsec_lint.model import (
    Endpoint,
    Instance,
    LambdaFunction,
    Model,
    Nacl,
    NaclEntry,
    Network,
    Ref,
    Route,
    RouteTable,
    SecurityGroup,
    Subnet,
    Vpc,
    parse_network,
)
from vpcsec_lint.values import UNKNOWN, Location

LAMBDA_EPHEMERAL = (1024, 65535)
"""Lambda, NAT gateways and load balancers use the whole range:
https://docs.aws.amazon.com/vpc/latest/userguide/custom-network-acl.html#nacl-ephemeral-ports"""
LINUX_EPHEMERAL = (32768, 60999)
"""Linux's default `ip_local_port_range` (instances and tasks): covering it passes, less is
unknown (the OS may be configured otherwise)."""
WORLD = ipaddress.ip_network("0.0.0.0/0")
_PRIVATE = [ipaddress.ip_network(n) for n in
            ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")]


@dataclass
class Place:
    """A resource with network interfaces, or `internet`/an AWS API (no subnets)."""

    resource: str
    kind: str
    """`lambda`, `instance`, `task`, `endpoint`, a data-store kind, `internet`, `aws`."""
    loc: Location
    framework: str = ""
    subnets: list[Subnet | None] | None = None
    """Its subnets (None items: a subnet we cannot follow); None: placement unknown."""
    subnets_loc: Location | None = None
    groups: list[SecurityGroup] = field(default_factory=list)
    groups_complete: bool = True
    """False when some group cannot be followed (then only allows count)."""
    groups_loc: Location | None = None
    in_vpc: bool = True
    public_ip: Any = False
    port: Any = UNKNOWN
    has_dns_name: bool = False
    """Reached by a DNS name (databases, caches, endpoints), so name resolution is a hop."""
    no_groups: str = ""
    """Why the place has no security groups by design (a Network Load Balancer created
    without any): its group hops are skipped with this text."""

    @property
    def ephemeral(self) -> tuple[int, int]:
        return LAMBDA_EPHEMERAL if self.kind in ("lambda", "nat", "load-balancer") \
            else LINUX_EPHEMERAL


def _subnets(model: Model, refs: list[Ref], listed: bool) -> list[Subnet | None] | None:
    if not listed:
        return None
    out: list[Subnet | None] = [model.subnets.get(r.key) if r.key else None for r in refs]
    return out or None


def _groups(model: Model, refs: list[Ref]) -> tuple[list[SecurityGroup], bool]:
    """Known groups and whether every listed group is known (none listed: see
    `default_group`)."""
    groups = [model.security_groups[r.key] for r in refs
              if r.key and r.key in model.security_groups]
    return groups, len(groups) == len(refs) and bool(refs)


def default_group(model: Model, subnets: list[Subnet | None] | None) -> SecurityGroup | None:
    """The VPC's default group when the code manages it (`aws_default_security_group`: exactly
    its blocks, none = no rules); a resource that names no group uses it.
    https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html"""
    vpcs = {s.vpc.key for s in subnets or [] if s is not None}
    if len(vpcs) != 1 or None in vpcs or subnets is None or None in subnets:
        return None
    for group in model.security_groups.values():
        raw = model.resources.get(group.key)
        if raw is not None and raw.type == "aws_default_security_group" \
                and group.vpc.key in vpcs:
            return group
    return None


def lambda_place(model: Model, fn: LambdaFunction) -> Place:
    place = Place(fn.resource, "lambda", fn.loc, fn.framework, in_vpc=fn.vpc_attached,
                  subnets_loc=fn.subnets_loc, groups_loc=fn.security_groups_loc)
    if fn.vpc_attached:
        known_list = fn.subnets is not None and isinstance(fn.subnets.value, list) \
            and not fn.subnets.alternatives
        place.subnets = _subnets(model, fn.subnet_refs, known_list)
        place.groups, place.groups_complete = _groups(model, fn.security_groups)
    return place


def instance_place(model: Model, inst: Instance) -> Place:
    place = Place(inst.resource, "instance", inst.loc, inst.framework,
                  subnets_loc=inst.subnet_loc or inst.loc, groups_loc=inst.security_groups_loc,
                  public_ip=inst.public_ip)
    if inst.subnet is not None:
        place.subnets = _subnets(model, [inst.subnet], True)
    place.groups, place.groups_complete = _groups(model, inst.security_groups)
    return place


def endpoint_place(model: Model, endpoint: Endpoint) -> Place:
    place = Place(endpoint.resource, "endpoint", endpoint.loc, endpoint.framework,
                  subnets_loc=endpoint.loc, has_dns_name=True, port=443)
    listed = endpoint.subnets and all(
        r.val is None or isinstance(r.val.value, str) or r.key for r in endpoint.subnets)
    place.subnets = _subnets(model, endpoint.subnets, bool(listed))
    place.groups, place.groups_complete = _groups(model, endpoint.security_groups)
    return place


def subnet_vpc(model: Model, subnet: Subnet | None) -> Vpc | None:
    return model.vpc(subnet.vpc) if subnet is not None else None


def subnet_network(subnet: Subnet | None) -> Network | None:
    """The subnet's IPv4 CIDR when known (one branch only)."""
    if subnet is None or subnet.cidr is None or subnet.cidr.alternatives:
        return None
    return parse_network(subnet.cidr.value)


def zone(subnet: Subnet | None) -> str | None:
    az = subnet.availability_zone if subnet is not None else None
    return az.value if az is not None and isinstance(az.value, str) else None


# -- route tables ---------------------------------------------------------------------


@dataclass
class TableChoice:
    """The route table governing a subnet: a table of the code, the implicit main table
    (local route only), or unknown."""

    table: RouteTable | None
    known: bool
    why: str = ""
    loc: Location | None = None
    """Where to change it: the association, else the subnet."""


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
                           "the VPC's main route table is not in the analysed files", loc)
    if mains:
        return TableChoice(None, False, "the VPC's main route table is set more than once")
    return TableChoice(None, True, "", subnet.loc)  # the new VPC's main table: local only


def table_routes(model: Model, table: RouteTable | None) -> list[Route]:
    if table is None:
        return []
    return [r for r in model.routes if r.table.key == table.key]


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
    if choice.table is not None and choice.table.routes_unknown:
        return RouteChoice(False, why=f"the routes of {choice.table.resource} are not known")
    best: tuple[int, RouteChoice] | None = None
    if vpc is not None:
        for net in vpc.networks():
            if net.version == dest.version and dest.subnet_of(net):  # type: ignore[arg-type]
                best = (net.prefixlen, RouteChoice(True, True, True))
    for route in table_routes(model, choice.table):
        nets = _route_networks(model, route)
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
    if choice.table is not None and choice.table.routes_unknown:
        return RouteChoice(False, why=f"the routes of {choice.table.resource} are not known")
    found = RouteChoice(True, False)
    for route in table_routes(model, choice.table):
        if route.prefix_list is not None:
            continue  # customer prefix lists: private destinations as a rule; gateway
            # endpoint routes are separate (route_table_endpoints)
        nets = _route_networks(model, route)
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


def _route_networks(model: Model, route: Route) -> list[Network] | None:
    if route.destination is not None:
        if route.destination.alternatives:
            return None
        net = parse_network(route.destination.value)
        return [net] if net is not None else None
    if route.prefix_list is not None:
        plist = model.prefix_lists.get(route.prefix_list.key) if route.prefix_list.key else None
        if plist is None or not plist.complete:
            return None
        nets = [parse_network(e.value) for e in plist.entries]
        return None if any(n is None for n in nets) else nets  # type: ignore[return-value]
    return None


# -- network ACLs ---------------------------------------------------------------------


@dataclass
class AclChoice:
    """The NACL governing a subnet: entries to evaluate, the default allow-all, or unknown."""

    known: bool
    nacl: Nacl | None = None
    entries: list[NaclEntry] = field(default_factory=list)
    open: bool = False
    """The VPC's default NACL as AWS creates it: allows everything."""
    maybe_absent: frozenset[Location] = frozenset()
    why: str = ""


def subnet_acl(model: Model, subnet: Subnet) -> AclChoice:
    from vpcsec_lint.nacl import custom_acls

    explicit = model.subnet_nacls.get(subnet.key, [])
    nacl: Nacl | None = None
    if len(explicit) > 1:
        return AclChoice(False, why="it has several network ACL associations")
    if explicit:
        ref = explicit[0][0]
        nacl = model.nacls.get(ref.key) if ref.key else None
        if nacl is None:
            return AclChoice(False, why="its network ACL is not in the analysed files")
    elif "nacl" in model.loose_associations:
        return AclChoice(False, why="a network ACL association names a subnet that cannot "
                         "be followed")
    else:
        vpc = subnet_vpc(model, subnet)
        if vpc is None or not vpc.known:
            return AclChoice(False, why="its VPC's default network ACL is not in the code")
        defaults = [n for n in model.nacls.values() if n.is_default and n.vpc.key == vpc.key]
        if not defaults:
            return AclChoice(True, open=True)
        nacl = defaults[0]
    if nacl.is_default:
        entries = [e for e in model.nacl_entries if e.nacl.key == nacl.key]
        return AclChoice(True, nacl, entries)
    acls = getattr(model, "reach_acls", None)
    if acls is None:  # once per model: every pair asks
        acls = {a.nacl.key: a for a in custom_acls(model)}
        model.reach_acls = acls  # type: ignore[attr-defined]
    acl = acls.get(nacl.key)
    if acl is None:
        return AclChoice(False, nacl, why="its network ACL is not known")
    if not acl.complete:
        return AclChoice(False, nacl, why=f"the entries of {nacl.resource} are not known")
    return AclChoice(True, nacl, acl.entries, maybe_absent=acl.maybe_absent)


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
