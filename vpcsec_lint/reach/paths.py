"""The path traffic really takes, and its verdict over every source/target subnet pair.

Resource to resource: the local route inside one VPC, a peering connection (with the
return route) between two. To an AWS API the path is chosen by DNS and routing, not
tried in turn: an interface endpoint with private DNS on, else a gateway endpoint on the
subnet's route table (S3, DynamoDB), else whatever `0.0.0.0/0` targets.

Facts relied on:
- With private DNS on, the service's default DNS name resolves to the interface
  endpoint: https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html#interface-endpoint-private-dns
  (it needs the VPC's DNS support and DNS hostnames on:
  https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html#vpc-dns-support).
- A gateway endpoint adds a prefix-list route to the associated route tables:
  https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html
- A public NAT gateway sits in a public subnet whose route table sends `0.0.0.0/0` to an
  internet gateway: https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-scenarios.html
- An internet gateway serves only instances with a public IPv4 address:
  https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html ; a Lambda
  function never has one: https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html
- Peering needs a route on both sides:
  https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html
- Both interface and gateway endpoints apply their endpoint policy to every request:
  https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vpcsec_lint.findings import shown
from vpcsec_lint.model import Model, Network, Subnet, Vpc
from vpcsec_lint.network.acls import subnet_acl
from vpcsec_lint.network.peering import joins
from vpcsec_lint.network.routes import (
    RouteChoice,
    TableChoice,
    default_route,
    igw_attached,
    lookup,
    subnet_network,
    subnet_table,
    subnet_vpc,
)
from vpcsec_lint.policy import aws_service
from vpcsec_lint.reach.hops import (
    BLOCKED,
    OK,
    UNKNOWN_STATUS,
    Hop,
    Peer,
    Use,
    endpoint_policy_hop,
    nacl_hop,
    sg_hop,
    skipped,
    worst,
)
from vpcsec_lint.reach.ipv6 import WORLD6, dual_stack, has_ipv6_address, lambda_sends_ipv6
from vpcsec_lint.reach.network import (
    INTERNET_CLIENT_PORTS,
    LAMBDA_EPHEMERAL,
    WORLD,
    Place,
    endpoint_place,
    zone,
)
from vpcsec_lint.records import Record
from vpcsec_lint.values import UNKNOWN

_TARGET_NAMES = {"nat": "a NAT gateway", "igw": "an internet gateway that is not attached",
                 "egress-igw": "an egress-only internet gateway", "vpce": "a VPC endpoint",
                 "peering": "a peering connection", "local": "the local route"}
VERDICT = {OK: "reachable", BLOCKED: "blocked", UNKNOWN_STATUS: "unknown"}
GATEWAY_SERVICES = ("s3", "dynamodb")


class PairPath(Record):
    __slots__ = ("source_subnet", "target_subnet", "via", "hops", "zone", "ip")

    def __init__(self, source_subnet: str | None, target_subnet: str | None, via: str,
                 hops: list[Hop], zone: str | None = None, ip: int = 4) -> None:
        self.source_subnet = source_subnet
        self.target_subnet = target_subnet
        self.via = via
        self.hops = hops
        self.zone = zone
        self.ip = ip
        """6: the IPv6 way between the same two subnets as the IPv4 path before it; the pair
        passes when either does."""

    @property
    def verdict(self) -> str:
        return VERDICT[worst([h.status for h in self.hops])]

    def blockers(self) -> list[Hop]:
        return [h for h in self.hops if h.status == BLOCKED]

    def as_json(self) -> dict[str, Any]:
        data = {"source_subnet": self.source_subnet, "target_subnet": self.target_subnet,
                "via": self.via, "verdict": self.verdict,
                "hops": [h.as_json() for h in self.hops]}
        if self.ip == 6:
            data["ip"] = "ipv6"
        return data


def _pair_verdict(paths: list[PairPath]) -> str:
    """One subnet pair over IPv4 and IPv6: reachable if either is, blocked if both are."""
    verdicts = {p.verdict for p in paths}
    if "reachable" in verdicts:
        return "reachable"
    return "blocked" if verdicts == {"blocked"} else "unknown"


class Answer(Record):
    __slots__ = ("source", "target", "protocol", "port", "paths", "fix", "alternatives", "budgets")

    def __init__(self, source: str, target: str, protocol: str, port: int,
                 paths: list[PairPath] | None = None, fix: str = "",
                 alternatives: list[str] | None = None, budgets: list[Any] | None = None) -> None:
        self.source = source
        self.target = target
        self.protocol = protocol
        self.port = port
        self.paths = [] if paths is None else paths
        self.fix = fix
        self.alternatives = [] if alternatives is None else alternatives
        """Fixes that are not on the path (an endpoint with private DNS off)."""
        self.budgets = [] if budgets is None else budgets
        """Budget notices hit while answering (`MAX_PAIRS`)."""

    def pairs(self) -> list[list[PairPath]]:
        """The paths per subnet pair: an IPv4 path with the IPv6 paths that follow it."""
        out: list[list[PairPath]] = []
        for path in self.paths:
            if path.ip == 6 and out and (out[-1][0].source_subnet, out[-1][0].target_subnet) \
                    == (path.source_subnet, path.target_subnet):
                out[-1].append(path)
            else:
                out.append([path])
        return out

    @property
    def verdict(self) -> str:
        verdicts = [_pair_verdict(pair) for pair in self.pairs()]
        if not verdicts:
            return "unknown"
        if all(v == "reachable" for v in verdicts):
            return "reachable"
        if all(v == "blocked" for v in verdicts):
            return "blocked"
        if "blocked" in verdicts:
            return "partial"
        return "unknown"

    def blockers(self) -> list[Hop]:
        """Each blocking hop once (by hop, resource and line), in path order."""
        seen, out = set(), []
        for path in self.failing():
            for hop in path.blockers():
                key = (hop.hop, hop.resource, hop.loc)
                if key not in seen:
                    seen.add(key)
                    out.append(hop)
        return out

    def failing(self) -> list[PairPath]:
        """The paths of the blocked subnet pairs."""
        return [p for pair in self.pairs() if _pair_verdict(pair) == "blocked" for p in pair]

    def as_json(self) -> dict[str, Any]:
        data = self._json()
        if self.budgets:
            data["budgets"] = [budget_json(n) for n in self.budgets]
        return data

    def _json(self) -> dict[str, Any]:
        return {"from": self.source, "to": self.target, "protocol": self.protocol,
                "port": self.port, "verdict": self.verdict,
                "paths": [p.as_json() for p in self.paths], "fix": self.fix}


def budget_json(notice: Any) -> dict[str, Any]:
    """A budget notice as the `reach` JSON gives it."""
    return {"code": notice.code, "path": notice.path, "line": notice.line,
            "message": notice.message}


def evaluate(model: Model, source: Place, target: Place | str, port: int,
             protocol: str = "tcp", use: Use | None = None) -> Answer:
    """Every path from `source` to `target` (a place, `aws:<service>` or `internet`).

    `use`: what the workload does with an AWS API, for endpoint policies (by default, the
    actions its role allows for the service, on any resource)."""
    name = target if isinstance(target, str) else target.resource
    answer = Answer(source.resource, name, protocol, port)
    if isinstance(target, str) and target.startswith("aws:"):
        if use is None:
            from vpcsec_lint.reach.intents import service_use

            use = service_use(model, source, target[4:])
        answer.paths = _to_service(model, source, target[4:], port, answer, use)
    elif target == "internet":
        answer.paths = _to_internet(model, source, port, protocol)
    elif source.kind == "internet":
        answer.paths = _from_internet(model, target, port, protocol)  # type: ignore[arg-type]
    else:
        answer.paths = _to_place(model, source, target, port, protocol,  # type: ignore[arg-type]
                                 answer)
    if model.incomplete:  # a file did not parse: what it held may open the path
        for path in answer.paths:
            for hop in path.blockers():
                hop.status, hop.code = UNKNOWN_STATUS, ""
                hop.detail += " (a file of this unit could not be parsed)"
    from vpcsec_lint.reach.explain import fix_text

    answer.fix = fix_text(model, source, target, answer)
    return answer


# -- resource to resource -------------------------------------------------------------


def _unknown_placement(place: Place) -> Hop:
    return Hop("placement", UNKNOWN_STATUS, "", place.resource, place.subnets_loc or place.loc,
               f"the subnets of {place.resource} are not known")


MAX_PAIRS = 64
"""Subnet pairs evaluated per question (a workload has at most 16 subnets, a subnet group
at most 20 or so); beyond it the rest is one `unknown` path, so the work stays bounded."""


def _pairs(source: Place, target: Place) -> list[tuple[Subnet | None, Subnet | None]] | None:
    if source.subnets is None or target.subnets is None:
        return None
    return [(s, t) for s in source.subnets for t in target.subnets]


def _to_place(model: Model, source: Place, target: Place, port: int,
              protocol: str, answer: Answer) -> list[PairPath]:
    if not source.in_vpc:
        return [PairPath(None, None, "local", [Hop(
            "vpc-attachment", BLOCKED, "NOT_IN_VPC", source.resource, source.loc,
            f"{source.resource} is not attached to a VPC, so it cannot reach "
            f"{target.resource}, which listens only inside its VPC")])]
    pairs = _pairs(source, target)
    if pairs is None:
        unknown = source if source.subnets is None else target
        return [PairPath(None, None, "local", [_unknown_placement(unknown)])]
    paths = [_pair(model, source, s, target, t, port, protocol) for s, t in pairs[:MAX_PAIRS]]
    if len(pairs) > MAX_PAIRS:
        from vpcsec_lint.reach.intents import budget_hit

        rest = len(pairs) - MAX_PAIRS
        paths.append(PairPath(None, None, "local", [Hop(
            "placement", UNKNOWN_STATUS, "", source.resource, source.loc,
            f"{rest} more subnet pairs were not evaluated (budget)")]))
        answer.budgets.append(budget_hit(
            model, "reach-pairs", source.subnets_loc or source.loc,
            f"more than {MAX_PAIRS} subnet pairs from {shown(source.resource)} to "
            f"{shown(target.resource)} ({rest} not evaluated)"))
    return paths


def _pair(model: Model, source: Place, s: Subnet | None, target: Place, t: Subnet | None,
          port: int, protocol: str) -> PairPath:
    if s is None or t is None:
        unknown = source if s is None else target
        return PairPath(s.resource if s else None, t.resource if t else None, "local",
                        [_unknown_placement(unknown)])
    svpc, tvpc = subnet_vpc(model, s), subnet_vpc(model, t)
    snet, tnet = subnet_network(s), subnet_network(t)
    hops: list[Hop] = []
    if target.has_dns_name:
        hops.append(dns_hop(model, svpc, s, hostnames=False))
    peer_target = Peer(_keys(target), tnet, text=_describe(target, t, tnet))
    hops.append(sg_hop(model, "source-sg-egress", source, "egress", protocol, port, peer_target))
    same = s.key == t.key
    sacl, tacl = subnet_acl(model, s), subnet_acl(model, t)
    inside = f"inside {s.resource}"
    hops.append(skipped("source-nacl-outbound", s.resource, s.loc, inside) if same else
                _nacl(protocol, "source-nacl-outbound", sacl, s, True, (port, port), tnet,
                      t.resource))
    via = "local"
    if svpc is not None and tvpc is not None and svpc.key == tvpc.key:
        hops.append(Hop("route", OK, "", svpc.resource, svpc.loc,
                        f"the local route of {svpc.resource}"))
    else:
        via = "peering"
        hops.extend(_peering_hops(model, s, t, svpc, tvpc, snet, tnet))
    hops.append(skipped("target-nacl-inbound", t.resource, t.loc, inside) if same else
                _nacl(protocol, "target-nacl-inbound", tacl, t, False, (port, port), snet,
                      s.resource))
    peer_source = Peer(_keys(source), snet, text=_describe(source, s, snet))
    hops.append(sg_hop(model, "target-sg-ingress", target, "ingress", protocol, port,
                       peer_source))
    if same:
        hops.append(skipped("nacl-reply", s.resource, s.loc, inside))
    else:
        hops.append(_reply(protocol, source, s, snet, [(tacl, t, True, snet, s.resource),
                                                        (sacl, s, False, tnet, t.resource)]))
    return PairPath(s.resource, t.resource, via, hops, zone(s))


def _keys(place: Place) -> set[str] | None:
    return {g.key for g in place.groups} if place.groups_complete else None


def _describe(place: Place, subnet: Subnet, net: Network | None) -> str:
    groups = ", ".join(g.resource for g in place.groups)
    where = f"{subnet.resource} ({net})" if net else subnet.resource
    return f"{groups} or {where}" if groups else where


def _nacl(protocol: str, name: str, acl: Any, subnet: Subnet, egress: bool,
          ports: tuple[int, int], net: Network | None, other: str,
          every_port: bool = False) -> Hop:
    text = f"{other} ({net})" if net is not None and other != str(net) else other
    known = protocol in ("tcp", "udp")
    hop = nacl_hop(name, acl, subnet.resource, subnet.loc, egress, ports, net, text, every_port,
                   protocol if known else "tcp")
    if not known and hop.status != OK:
        hop.status, hop.code = UNKNOWN_STATUS, ""  # only TCP and UDP are evaluated
    return hop


def _reply(protocol: str, client: Place, s: Subnet, snet: Network | None,
           legs: list[tuple[Any, Subnet, bool, Network | None, str]]) -> Hop:
    """The reply to the client's ephemeral ports, through each NACL on the way back."""
    every = client.ephemeral == LAMBDA_EPHEMERAL
    hops = [_nacl(protocol, "nacl-reply", acl, subnet, egress, client.ephemeral, net, other,
                  every) for acl, subnet, egress, net, other in legs]
    for status in (BLOCKED, UNKNOWN_STATUS):
        for hop in hops:
            if hop.status == status:
                return hop
    return hops[0]


def dns_hop(model: Model, vpc: Vpc | None, subnet: Subnet, hostnames: bool) -> Hop:
    """Name resolution in the source VPC: DNS support on (and hostnames, for private DNS)."""
    if vpc is None or not vpc.known:
        return Hop("name-resolution", UNKNOWN_STATUS, "", subnet.resource, subnet.loc,
                   "the VPC of the source subnet is not known")
    if vpc.key in model.custom_dns:
        return Hop("name-resolution", UNKNOWN_STATUS, "", vpc.resource, model.custom_dns[vpc.key],
                   f"{vpc.resource} uses DHCP options with custom DNS servers")
    settings = [("enableDnsSupport", vpc.dns_support)]
    if hostnames:
        settings.append(("enableDnsHostnames", vpc.dns_hostnames))
    for label, setting in settings:
        if setting is None or not setting.known or len(set(map(str, setting.candidates()))) > 1:
            return Hop("name-resolution", UNKNOWN_STATUS, "", vpc.resource, vpc.loc,
                       f"{label} of {vpc.resource} is not known")
        if setting.value is False:
            return Hop("name-resolution", BLOCKED, "VPC_DNS_DISABLED", vpc.resource, setting.loc,
                       f"{vpc.resource} has {label} off"
                       + ("" if setting.explicit else " (the default)"))
    return Hop("name-resolution", OK, "", vpc.resource, vpc.loc,
               f"{vpc.resource} resolves names (Amazon DNS)")


def _peering_hops(model: Model, s: Subnet, t: Subnet, svpc: Vpc | None, tvpc: Vpc | None,
                  snet: Network | None, tnet: Network | None) -> list[Hop]:
    out = []
    for name, here, there, here_vpc, there_vpc, net in (
            ("route", s, t, svpc, tvpc, tnet), ("return-route", t, s, tvpc, svpc, snet)):
        choice = subnet_table(model, here)
        where = choice.table.resource if choice.table else here.resource
        loc = choice.table.loc if choice.table else (choice.loc or here.loc)
        if here_vpc is None or there_vpc is None or net is None:
            out.append(Hop(name, UNKNOWN_STATUS, "", where, loc,
                           "the VPCs or subnet CIDRs are not known"))
            continue
        found = lookup(model, choice, here_vpc, net)
        out.append(_peering_route_hop(model, name, found, where, loc, here, there, here_vpc,
                                      there_vpc, net))
    return out


def _peering_route_hop(model: Model, name: str, found: RouteChoice, where: str, loc: Any,
                       here: Subnet, there: Subnet, here_vpc: Vpc, there_vpc: Vpc,
                       net: Network) -> Hop:
    if not found.known:
        return Hop(name, UNKNOWN_STATUS, "", where, loc, found.why)
    route = found.route
    if not found.found or found.local or route is None:
        return Hop(name, BLOCKED, "NO_ROUTE_TO_DESTINATION", where, loc,
                   f"the route table of {here.resource} has no route to {there.resource} "
                   f"({net}) through a peering connection with {there_vpc.resource}")
    route_loc = route.loc
    if route.target == "peering":
        peering = model.peering(route.peering)
        if peering is None:
            return Hop(name, UNKNOWN_STATUS, "", route.resource, route_loc,
                       f"the peering connection of {route.resource} is not known")
        joined = joins(peering, here_vpc.key, there_vpc.key)
        if joined is True:
            return Hop(name, OK, "", route.resource, route_loc,
                       f"{route.resource} sends {net} through {peering.resource}")
        if joined is UNKNOWN:
            return Hop(name, UNKNOWN_STATUS, "", route.resource, route_loc,
                       f"a VPC of {peering.resource} is not known")
        return Hop(name, BLOCKED, "NO_ROUTE_TO_DESTINATION", route.resource, route_loc,
                   f"{route.resource} sends {net} through {peering.resource}, which does not "
                   f"connect {here_vpc.resource} and {there_vpc.resource}")
    if route.target in ("other", "unknown"):
        return Hop(name, UNKNOWN_STATUS, "", route.resource, route_loc,
                   f"{route.resource} sends {net} to a target that is not evaluated")
    return Hop(name, BLOCKED, "NO_ROUTE_TO_DESTINATION", route.resource, route_loc,
               f"{route.resource} sends {net} to a {route.target} target, not to a peering "
               f"connection with {there_vpc.resource}")


# -- to AWS APIs and the internet -----------------------------------------------------


def _from_each_subnet(source: Place,
                      paths: Callable[[Subnet], list[PairPath]]) -> list[PairPath]:
    """`paths(subnet)` for each subnet of a VPC source leaving the VPC; an unknown
    placement is one unknown path. Outside a VPC, the service reaches out itself."""
    if not source.in_vpc:
        return []
    if source.subnets is None:
        return [PairPath(None, None, "nat", [_unknown_placement(source)])]
    out = []
    for s in source.subnets:
        if s is None:
            out.append(PairPath(None, None, "nat", [_unknown_placement(source)]))
        else:
            out.extend(paths(s))
    return out


def _to_service(model: Model, source: Place, service: str, port: int,
                answer: Answer, use: Use) -> list[PairPath]:
    return _from_each_subnet(
        source, lambda s: _service_paths(model, source, s, service, port, answer, use))


def service_endpoints(model: Model, vpc: Vpc | None, service: str, kind: str) -> list[Any]:
    """The endpoints of `kind` (`Interface`, `Gateway`) for `service` in `vpc`, in model
    order; indexed once per model, as every path to an AWS API asks."""
    if vpc is None:
        return []
    index: dict[tuple[str | None, str, str], list[Any]] | None = getattr(
        model, "reach_endpoints", None)
    if index is None:
        index = {}
        for endpoint in model.endpoints.values():
            name = aws_service(endpoint.service_name)
            etype = endpoint.endpoint_type.value if endpoint.endpoint_type else None
            if name is not None and isinstance(etype, str):
                index.setdefault((endpoint.vpc.key, name.service, etype), []).append(endpoint)
        model.reach_endpoints = index  # type: ignore[attr-defined]
    return list(index.get((vpc.key, service, kind), ()))


def _service_paths(model: Model, source: Place, s: Subnet, service: str, port: int,
                   answer: Answer, use: Use) -> list[PairPath]:
    vpc = subnet_vpc(model, s)
    snet = subnet_network(s)
    interface = service_endpoints(model, vpc, service, "Interface")
    for endpoint in interface:
        dns = endpoint.private_dns
        if dns is None or not dns.known or len(set(map(str, dns.candidates()))) > 1:
            return [PairPath(s.resource, None, "interface-endpoint", [Hop(
                "endpoint-private-dns", UNKNOWN_STATUS, "", endpoint.resource,
                dns.loc if dns else endpoint.loc,
                f"whether private DNS is on for {endpoint.resource} is not known")], zone(s))]
    enabled = [e for e in interface if e.private_dns.value is True]
    for endpoint in interface:
        if endpoint.private_dns.value is not True:
            answer.alternatives.append(
                f"turn on private DNS for {endpoint.resource} (with it off the SDK resolves "
                "the public name and the endpoint carries nothing)")
    if _private_zone_for(model, vpc, service):
        return [PairPath(s.resource, None, "interface-endpoint", [Hop(
            "name-resolution", UNKNOWN_STATUS, "", vpc.resource if vpc else s.resource,
            vpc.loc if vpc else s.loc,
            f"a private hosted zone for {service}'s name is associated with the VPC")], zone(s))]
    if enabled:
        paths = _interface_paths(model, source, s, snet, enabled[0], port)
        policy = endpoint_policy_hop(model, enabled[0], service, use)
        for path in paths:
            path.hops.append(policy.replaced())
        return paths
    choice = subnet_table(model, s)
    if service in GATEWAY_SERVICES:
        gateway = _gateway_path(model, source, s, snet, choice, service, port, use)
        if gateway is not None:
            return [gateway]
    path = _default_route_path(model, source, s, snet, choice, port, vpc)
    disabled = [e for e in interface if e.private_dns.value is not True]
    if disabled:  # the endpoint that would carry it is the setting to change
        for hop in path.hops:
            if hop.status == BLOCKED and hop.hop in ("route", "public-ip"):
                dns = disabled[0].private_dns
                hop.hop, hop.code, hop.resource = ("endpoint-private-dns",
                                                   "VPCE_PRIVATE_DNS_DISABLED",
                                                   disabled[0].resource)
                hop.loc = dns.loc if dns is not None else disabled[0].loc
                hop.detail = (f"{disabled[0].resource} has private DNS off"
                              + ("" if dns is not None and dns.explicit else " (the default)")
                              + ", so the service name resolves to public addresses; "
                              + hop.detail[0].lower() + hop.detail[1:])
    return _with_ipv6_way_out(model, source, s, path)


def _with_ipv6_way_out(model: Model, source: Place, s: Subnet, path: PairPath) \
        -> list[PairPath]:
    """A blocked way out over IPv4, and the IPv6 route that may carry the traffic instead
    (unknown: whether the workload and the destination use IPv6 is not in the code)."""
    if path.verdict != "blocked" or dual_stack(model, s) is False or (
            source.kind == "lambda" and lambda_sends_ipv6(model, source.resource) is False):
        return [path]
    found = lookup(model, subnet_table(model, s), subnet_vpc(model, s), WORLD6)
    route = found.route
    if found.known and (not found.found or found.local or route is None):
        return [path]  # no IPv6 route out
    resource = route.resource if route is not None else s.resource
    loc = route.loc if route is not None else s.loc
    return [path, PairPath(s.resource, None, "internet-gateway", [Hop(
        "route", UNKNOWN_STATUS, "", resource, loc,
        f"{s.resource} may send IPv6 out through {resource} (::/0); whether "
        f"{source.resource} uses IPv6 and the destination answers over it is not known")],
        zone(s), ip=6)]


def _private_zone_for(model: Model, vpc: Vpc | None, service: str) -> bool:
    if vpc is None:
        return False
    for zone_ in model.hosted_zones.values():
        name = zone_.name.value if zone_.name is not None else None
        if zone_.private and any(r.key == vpc.key for r in zone_.vpcs) and isinstance(
                name, str) and name.rstrip(".").startswith(service.split(".")[0] + "."):
            return True
    return False


def _interface_paths(model: Model, source: Place, s: Subnet, snet: Network | None,
                     endpoint: Any, port: int) -> list[PairPath]:
    vpc = subnet_vpc(model, s)
    place = endpoint_place(model, endpoint)
    if place.subnets is None:
        return [PairPath(s.resource, None, "interface-endpoint",
                         [dns_hop(model, vpc, s, hostnames=True), _unknown_placement(place)],
                         zone(s))]
    out = []
    for t in place.subnets:
        path = _pair(model, source, s, place, t, port, "tcp") if t is not None else PairPath(
            s.resource, None, "interface-endpoint", [_unknown_placement(place)])
        if t is not None:
            path.hops[0] = dns_hop(model, vpc, s, hostnames=True)
            path.via = "interface-endpoint"
        path.zone = zone(s)
        out.append(path)
    return out


def _gateway_path(model: Model, source: Place, s: Subnet, snet: Network | None,
                  choice: TableChoice, service: str, port: int, use: Use) -> PairPath | None:
    vpc = subnet_vpc(model, s)
    gateways = service_endpoints(model, vpc, service, "Gateway")
    if not gateways:
        return None
    if not choice.known:
        return PairPath(s.resource, None, "gateway-endpoint", [Hop(
            "route", UNKNOWN_STATUS, "", s.resource, choice.loc or s.loc, choice.why)], zone(s))
    table_key = choice.table.key if choice.table else None
    mine = [g for g in gateways if table_key and g.key in model.route_table_endpoints.get(
        table_key, [])]
    if not mine:
        if any(r.key is None for g in gateways for r in g.route_tables):
            return PairPath(s.resource, None, "gateway-endpoint", [Hop(
                "route", UNKNOWN_STATUS, "", gateways[0].resource, gateways[0].loc,
                f"the route tables of {gateways[0].resource} are not known")], zone(s))
        return None
    endpoint = mine[0]
    peer = Peer(None, WORLD, frozenset({endpoint.key}), f"the {service} prefix list")
    hops = [sg_hop(model, "source-sg-egress", source, "egress", "tcp", port, peer),
            _nacl("tcp", "source-nacl-outbound", subnet_acl(model, s), s, True, (port, port),
                  WORLD, "0.0.0.0/0"),
            Hop("route", OK, "", endpoint.resource, endpoint.loc,
                f"{endpoint.resource} adds the {service} prefix-list route to "
                f"{choice.table.resource if choice.table else s.resource}"),
            _reply("tcp", source, s, snet, [(subnet_acl(model, s), s, False, WORLD,
                                              "0.0.0.0/0")]),
            endpoint_policy_hop(model, endpoint, service, use)]
    return PairPath(s.resource, None, "gateway-endpoint", hops, zone(s))


def _default_route_path(model: Model, source: Place, s: Subnet, snet: Network | None,
                        choice: TableChoice, port: int, vpc: Vpc | None,
                        protocol: str = "tcp") -> PairPath:
    found = default_route(model, choice)
    where = table_name(model, choice, s)
    loc = choice.table.loc if choice.table else (choice.loc or s.loc)
    if not found.known:
        return PairPath(s.resource, None, "nat", [Hop("route", UNKNOWN_STATUS, "", where, loc,
                                                      found.why)], zone(s))
    route = found.route
    if not found.found or route is None:
        hop = Hop("route", BLOCKED, "NO_ROUTE_TO_DESTINATION", source.resource,
                  source.subnets_loc or source.loc,
                  f"{s.resource} uses {where}, which has no route to AWS public endpoints or "
                  "the internet (no 0.0.0.0/0 route) and no endpoint serves the service")
        return PairPath(s.resource, None, "nat", [hop], zone(s))
    sacl = subnet_acl(model, s)
    common = [sg_hop(model, "source-sg-egress", source, "egress", protocol, port,
                     Peer(None, WORLD, text="0.0.0.0/0")),
              _nacl(protocol, "source-nacl-outbound", sacl, s, True, (port, port), WORLD,
                    "0.0.0.0/0")]
    reply = _reply(protocol, source, s, snet, [(sacl, s, False, WORLD, "0.0.0.0/0")])
    if route.target == "nat":
        return PairPath(s.resource, None, "nat",
                        [*common, *nat_hops(model, route, s, snet, port, protocol), reply],
                        zone(s))
    if route.target == "igw":
        return PairPath(s.resource, None, "internet-gateway",
                        [*common, *_igw_hops(model, source, route, vpc), reply], zone(s))
    return PairPath(s.resource, None, "nat", [*common, Hop(
        "route", UNKNOWN_STATUS, "", route.resource, route.loc,
        f"{route.resource} sends 0.0.0.0/0 to a {route.target} target, which is not "
        "evaluated")], zone(s))


def table_name(model: Model, choice: TableChoice, subnet: Subnet) -> str:
    """The route table as a message names it (the implicit main table has no resource)."""
    if choice.table is not None:
        return choice.table.resource
    vpc = subnet_vpc(model, subnet)
    return f"the main route table of {vpc.resource if vpc else 'its VPC'} (local route only)"


def _igw_hops(model: Model, source: Place, route: Any, vpc: Vpc | None) -> list[Hop]:
    attached = igw_attached(model, route.target_ref, vpc)
    hops = []
    if attached is False:
        hops.append(Hop("route", BLOCKED, "NO_ROUTE_TO_DESTINATION", route.resource, route.loc,
                        f"{route.resource} sends 0.0.0.0/0 to an internet gateway that is not "
                        "attached to the VPC"))
    else:
        hops.append(Hop("route", OK if attached is True else UNKNOWN_STATUS, "",
                        route.resource, route.loc,
                        f"{route.resource} sends 0.0.0.0/0 to an internet gateway"))
    if source.kind == "lambda":
        hops.append(Hop("public-ip", BLOCKED, "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS",
                        source.resource, source.subnets_loc or source.loc,
                        f"{source.resource} is a Lambda function: it never has a public IPv4 "
                        "address, so an internet gateway route does not serve it"))
    elif source.public_ip is True:
        hops.append(Hop("public-ip", OK, "", source.resource, source.loc,
                        f"{source.resource} has a public IPv4 address"))
    elif source.public_ip is False:
        hops.append(Hop("public-ip", BLOCKED, "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS",
                        source.resource, source.subnets_loc or source.loc,
                        f"{source.resource} has no public IPv4 address"))
    else:
        hops.append(Hop("public-ip", UNKNOWN_STATUS, "", source.resource, source.loc,
                        f"whether {source.resource} has a public IPv4 address is not known"))
    return hops


def nat_hops(model: Model, route: Any, s: Subnet, snet: Network | None,
             port: int, protocol: str = "tcp") -> list[Hop]:
    """The NAT gateway a route names: its own route to an attached internet gateway, and
    its subnet's NACL both ways."""
    nat = model.nat_gateways.get(route.target_ref.key) if route.target_ref and \
        route.target_ref.key else None
    if nat is None:
        return [Hop("nat-gateway", UNKNOWN_STATUS, "", route.resource, route.loc,
                    f"the NAT gateway of {route.resource} is not in the analysed files")]
    internet = nat_internet_hop(model, nat)
    if nat.subnet is None or nat.subnet.key is None:
        return [internet]
    nsub = model.subnets[nat.subnet.key]
    nacl = subnet_acl(model, nsub)
    nat_place = Place(nat.resource, "nat", nat.loc)
    legs = [_nacl(protocol, "nat-subnet-nacl", nacl, nsub, False, (port, port), snet,
                  s.resource),
            _nacl(protocol, "nat-subnet-nacl", nacl, nsub, True, (port, port), WORLD,
                  "0.0.0.0/0"),
            _nacl(protocol, "nat-subnet-nacl", nacl, nsub, False, nat_place.ephemeral, WORLD,
                  "0.0.0.0/0", True)]
    status = worst([h.status for h in legs])
    leg = next((h for h in legs if h.status == status), legs[0])
    return [internet, leg]


def nat_internet_hop(model: Model, nat: Any) -> Hop:
    """Does the NAT gateway's own subnet route `0.0.0.0/0` to an attached internet gateway?"""
    if nat.public is False:
        return Hop("nat-gateway", UNKNOWN_STATUS, "", nat.resource, nat.loc,
                   f"{nat.resource} is a private NAT gateway")
    if nat.public is UNKNOWN:
        return Hop("nat-gateway", UNKNOWN_STATUS, "", nat.resource, nat.loc,
                   f"the connectivity type of {nat.resource} is not known")
    if nat.subnet is None:  # regional: needs only an attached internet gateway
        vpc = model.vpc(nat.vpc)
        attached = [g for g in model.internet_gateways.values() if not g.egress_only
                    and vpc is not None and any(v.key == vpc.key for v in g.vpcs)]
        status = OK if attached else UNKNOWN_STATUS
        return Hop("nat-gateway", status, "", nat.resource, nat.loc,
                   f"regional NAT gateway {nat.resource}" +
                   ("" if attached else ": no internet gateway attached in the code"))
    nsub = model.subnets.get(nat.subnet.key) if nat.subnet.key else None
    if nsub is None:
        return Hop("nat-gateway", UNKNOWN_STATUS, "", nat.resource, nat.loc,
                   f"the subnet of {nat.resource} is not in the analysed files")
    choice = subnet_table(model, nsub)
    found = default_route(model, choice)
    where = table_name(model, choice, nsub)
    loc = choice.table.loc if choice.table else (choice.loc or nsub.loc)
    if not found.known:
        return Hop("nat-gateway", UNKNOWN_STATUS, "", where, loc, found.why)
    route = found.route
    if found.found and route is not None and route.target in ("other", "unknown"):
        return Hop("nat-gateway", UNKNOWN_STATUS, "", route.resource, route.loc,
                   f"{route.resource} sends the NAT gateway's traffic to a target that is "
                   "not evaluated")
    if found.found and route is not None and route.target == "igw":
        attached = igw_attached(model, route.target_ref, subnet_vpc(model, nsub))
        if attached is True:
            return Hop("nat-gateway", OK, "", nat.resource, nat.loc,
                       f"{nat.resource} in {nsub.resource} reaches the internet through "
                       f"{route.resource}")
        if attached is UNKNOWN:
            return Hop("nat-gateway", UNKNOWN_STATUS, "", route.resource, route.loc,
                       "whether the internet gateway is attached to the VPC is not known")
    target = f"sends 0.0.0.0/0 to {_TARGET_NAMES.get(route.target, route.target)}, not" \
        if found.found and route else "has no 0.0.0.0/0 route"
    return Hop("nat-gateway", BLOCKED, "NAT_NO_INTERNET_ROUTE",
               choice.table.resource if choice.table else nsub.resource,
               route.loc if found.found and route else loc,
               f"{nat.resource} is in {nsub.resource}, whose route table ({where}) {target} "
               "to an internet gateway attached to the VPC")


def _to_internet(model: Model, source: Place, port: int, protocol: str) -> list[PairPath]:
    return _from_each_subnet(source, lambda s: _with_ipv6_way_out(model, source, s, (
        _default_route_path(model, source, s, subnet_network(s), subnet_table(model, s), port,
                            subnet_vpc(model, s), protocol))))


def _from_internet(model: Model, target: Place, port: int, protocol: str) -> list[PairPath]:
    if target.subnets is None:
        return [PairPath(None, None, "internet-gateway", [_unknown_placement(target)])]
    out = []
    for t in target.subnets:
        if t is None:
            out.append(PairPath(None, None, "internet-gateway", [_unknown_placement(target)]))
            continue
        hops = [_public_address_hop(target)]
        choice = subnet_table(model, t)
        found = default_route(model, choice)
        where = choice.table.resource if choice.table else t.resource
        loc = choice.table.loc if choice.table else (choice.loc or t.loc)
        route = found.route
        if not found.known:
            hops.append(Hop("route", UNKNOWN_STATUS, "", where, loc, found.why))
        elif found.found and route is not None and route.target == "igw":
            attached = igw_attached(model, route.target_ref, subnet_vpc(model, t))
            hops.append(Hop("route", {True: OK, False: BLOCKED}.get(attached, UNKNOWN_STATUS),
                            "" if attached is not False else "NO_ROUTE_TO_DESTINATION",
                            route.resource, route.loc,
                            f"{route.resource} routes {t.resource} to an internet gateway"))
        elif found.found and route is not None and route.target in ("other", "unknown"):
            hops.append(Hop("route", UNKNOWN_STATUS, "", route.resource, route.loc,
                            f"{route.resource} sends 0.0.0.0/0 to a target that is not "
                            "evaluated"))
        else:
            hops.append(Hop("route", BLOCKED, "NO_ROUTE_TO_DESTINATION", where, loc,
                            f"{t.resource} has no route to an internet gateway"))
        hops += _internet_ingress(model, target, t, port, protocol, WORLD)
        out.append(PairPath(None, t.resource, "internet-gateway", hops, zone(t)))
        if dual_stack(model, t) is not False:
            out.append(_from_internet_ipv6(model, target, t, port, protocol))
    return out


def _from_internet_ipv6(model: Model, target: Place, t: Subnet, port: int,
                        protocol: str) -> PairPath:
    """The internet to `target` in `t` over IPv6: its IPv6 address, the `::/0` route to an
    attached internet gateway (an egress-only one lets nothing in), NACL and group ingress
    from `::/0`."""
    hops = []
    stack = dual_stack(model, t)
    address = has_ipv6_address(model, target.resource, t) if stack is True else UNKNOWN
    if address is True:
        hops.append(Hop("public-ip", OK, "", target.resource, target.loc,
                        f"{target.resource} has an IPv6 address in {t.resource} (IPv6 "
                        "addresses are public)"))
    elif address is False:
        hops.append(Hop("public-ip", BLOCKED, "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS",
                        target.resource, target.loc,
                        f"{target.resource} has no IPv6 address in {t.resource}"))
    else:
        hops.append(Hop("public-ip", UNKNOWN_STATUS, "", target.resource, target.loc,
                        f"whether {target.resource} has an IPv6 address in {t.resource} is "
                        "not known"))
    choice = subnet_table(model, t)
    where = choice.table.resource if choice.table else t.resource
    loc = choice.table.loc if choice.table else (choice.loc or t.loc)
    found = lookup(model, choice, subnet_vpc(model, t), WORLD6)
    route = found.route
    if not found.known:
        hops.append(Hop("route", UNKNOWN_STATUS, "", where, loc, found.why))
    elif found.found and route is not None and route.target == "igw":
        attached = igw_attached(model, route.target_ref, subnet_vpc(model, t))
        hops.append(Hop("route", {True: OK, False: BLOCKED}.get(attached, UNKNOWN_STATUS),
                        "" if attached is not False else "NO_ROUTE_TO_DESTINATION",
                        route.resource, route.loc,
                        f"{route.resource} routes ::/0 from {t.resource} to an internet "
                        "gateway"))
    elif found.found and route is not None and route.target == "egress-igw":
        hops.append(Hop("route", BLOCKED, "NO_ROUTE_TO_DESTINATION", route.resource, route.loc,
                        f"{route.resource} routes ::/0 to an egress-only internet gateway, "
                        "which lets no connection in"))
    elif found.found and route is not None and not found.local:
        hops.append(Hop("route", UNKNOWN_STATUS, "", route.resource, route.loc,
                        f"{route.resource} sends ::/0 to a target that is not evaluated"))
    else:
        hops.append(Hop("route", BLOCKED, "NO_ROUTE_TO_DESTINATION", where, loc,
                        f"{t.resource} has no IPv6 route to an internet gateway"))
    hops += _internet_ingress(model, target, t, port, protocol, WORLD6)
    return PairPath(None, t.resource, "internet-gateway", hops, zone(t), ip=6)


def _internet_ingress(model: Model, target: Place, t: Subnet, port: int, protocol: str,
                      world: Network) -> list[Hop]:
    """From the internet (`world`: `0.0.0.0/0` or `::/0`) into `target` in `t`: the subnet's
    NACL inbound, the target's group ingress, and the reply out through the NACL to the
    client's ephemeral ports (1024-65535). Clients choose their own ports, so the reply is
    blocked only when no such port is allowed; a range partly allowed is unknown."""
    text = str(world)
    acl = subnet_acl(model, t)
    reply = _nacl(protocol, "nacl-reply", acl, t, True, INTERNET_CLIENT_PORTS, world, text)
    low, high = INTERNET_CLIENT_PORTS
    reply.fix = (f"let {reply.resource} pass the replies: allow {protocol.upper()} "
                 f"{low}-{high} outbound to {text}")
    return [_nacl(protocol, "target-nacl-inbound", acl, t, False, (port, port), world, text),
            sg_hop(model, "target-sg-ingress", target, "ingress", protocol, port,
                   Peer(None, world, text=text)),
            reply]


def _public_address_hop(target: Place) -> Hop:
    if target.public_ip is True:
        return Hop("public-ip", OK, "", target.resource, target.loc,
                   f"{target.resource} has a public address")
    if target.public_ip is False:
        return Hop("public-ip", BLOCKED, "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS",
                   target.resource, target.loc, f"{target.resource} has no public address")
    return Hop("public-ip", UNKNOWN_STATUS, "", target.resource, target.loc,
               f"whether {target.resource} has a public address is not known")

