"""Each hop of a path, evaluated to `ok`, `blocked`, `unknown` or `skipped`.

A hop names the resource and the line to change and a code: AWS Reachability
Analyzer's explanation code where AWS documents one for the situation
(https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html),
else one of ours in the same style (`docs/reachability.md`).

Facts relied on:
- Security groups are stateful, NACLs are not (the reply needs its own NACL
  entries): https://docs.aws.amazon.com/vpc/latest/userguide/infrastructure-security.html#VPC_Security_Comparison
- NACL entries match by protocol (`6` TCP, `17` UDP, `-1` all) and, for TCP and UDP, port
  range: https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html ; the client
  chooses the ephemeral port of the reply, whatever the protocol:
  https://docs.aws.amazon.com/vpc/latest/userguide/custom-network-acl.html#nacl-ephemeral-ports
- Terraform's `aws_security_group` removes the default allow-all egress rule
  (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/security_group);
  CloudFormation's keeps it unless `SecurityGroupEgress` is given
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroup.html).
- A security-group rule may name a group of a peer VPC in the same Region:
  https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html
- An endpoint without a policy gets the default policy, full access to the service
  (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html#default-endpoint-policy);
  a request through an endpoint needs its policy to allow it (and an explicit deny wins):
  https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html
"""

from __future__ import annotations

from typing import Any

from vpcsec_lint.analysis import rule_may_belong_to
from vpcsec_lint.findings import shown
from vpcsec_lint.model import Endpoint, Model, Network, SecurityGroup, SgRule, parse_network
from vpcsec_lint.network.acls import AclChoice, Box, meets, subtract
from vpcsec_lint.reach.network import Place
from vpcsec_lint.records import Record
from vpcsec_lint.values import UNKNOWN, Location, Val

OK, BLOCKED, UNKNOWN_STATUS, SKIPPED = "ok", "blocked", "unknown", "skipped"
_NO, _MAYBE, _YES = 0, 1, 2
_ADDRESS_SPACE = {4: (0, 2**32 - 1), 6: (0, 2**128 - 1)}


class Hop(Record):
    __slots__ = ("hop", "status", "code", "resource", "loc", "detail", "fix")

    def __init__(self, hop: str, status: str, code: str, resource: str, loc: Location | None,
                 detail: str, fix: str = "") -> None:
        self.hop = hop
        self.status = status
        self.code = code
        self.resource = resource
        self.loc = loc
        self.detail = detail
        self.fix = fix
        """The smallest change, when the hop knows it better than the generic text."""

    def as_json(self) -> dict[str, Any]:
        return {"hop": self.hop, "status": self.status, "code": self.code or None,
                "resource": self.resource, "path": self.loc.path if self.loc else None,
                "line": self.loc.line if self.loc else None, "detail": self.detail}


def worst(statuses: list[str]) -> str:
    """The verdict of a chain of hops: blocked beats unknown beats ok."""
    if BLOCKED in statuses:
        return BLOCKED
    if UNKNOWN_STATUS in statuses:
        return UNKNOWN_STATUS
    return OK


# -- security groups ------------------------------------------------------------------


class Peer(Record):
    """The other end as a security-group rule may name it."""

    __slots__ = ("groups", "network", "prefix_lists", "text")

    def __init__(self, groups: set[str] | None, network: Network | None,
                 prefix_lists: frozenset[str] = frozenset(), text: str = "") -> None:
        self.groups = groups
        """Keys of its security groups (None: not known)."""
        self.network = network
        """Its address range (a subnet, or 0.0.0.0/0 for public addresses)."""
        self.prefix_lists = prefix_lists
        """Addresses whose `prefix_list_id` denotes it (a gateway endpoint's service)."""
        self.text = text


def _network_match(cidrs: list[Any], peer: Peer) -> int:
    best = _NO
    for val in cidrs:
        nets = [parse_network(c.value) for c in val.candidates()]
        if any(n is None for n in nets) or peer.network is None:
            best = max(best, _MAYBE)
            continue
        same = [n for n in nets if n.version == peer.network.version]  # type: ignore[union-attr]
        if same and len(same) == len(nets) and all(
                peer.network.subnet_of(n) for n in same):  # type: ignore[arg-type]
            return _YES
        if any(peer.network.overlaps(n) for n in same):  # type: ignore[arg-type]
            best = max(best, _MAYBE)
    return best


def _peer_match(model: Model, rule: SgRule, peer: Peer) -> int:
    best = _network_match(rule.cidrs, peer)
    for source in rule.source_groups:
        if source.key is None or peer.groups is None:
            best = max(best, _MAYBE)
        elif source.key in peer.groups:
            return _YES
    for plist in rule.prefix_lists:
        if plist.ref is not None and plist.ref[0] in peer.prefix_lists:
            return _YES
        entity = model.prefix_lists.get(plist.ref[0]) if plist.ref else None
        if entity is not None and entity.complete:
            best = max(best, _network_match(entity.entries, peer))
        else:
            best = max(best, _MAYBE)
    return best


def _ports_match(rule: SgRule, protocol: str, port: int) -> int:
    if rule.protocol is UNKNOWN:
        return _MAYBE
    if rule.protocol == "all":
        return _YES
    if rule.protocol != protocol:
        return _NO
    ports = rule.port_range()
    if ports is None:
        return _MAYBE
    return _YES if ports[0] <= port <= ports[1] else _NO


def _group_allows(model: Model, group: SecurityGroup, direction: str, protocol: str,
                  port: int, peer: Peer) -> tuple[int, bool]:
    """How surely the group allows the traffic, and whether it has rules in `direction`."""
    if direction in group.unknown_rules:
        return _MAYBE, True
    if direction == "egress" and group.implicit_egress:
        return _YES, True
    best, has_rules = _NO, False
    for rule in model.sg_rules:
        if rule.direction != direction:
            continue
        mine = rule.group.key == group.key
        if not mine and (rule.group.key is not None
                         or not rule_may_belong_to(rule, {group.key})):
            continue
        has_rules = has_rules or mine
        match = min(_ports_match(rule, protocol, port), _peer_match(model, rule, peer))
        if rule.dynamic:
            match = min(match, _MAYBE) if match else _MAYBE
        best = max(best, match if mine else min(match, _MAYBE))
        if best == _YES:
            break
    return best, has_rules


def sg_hop(model: Model, name: str, place: Place, direction: str, protocol: str, port: int,
           peer: Peer) -> Hop:
    """Does one of the place's groups allow `direction` traffic on the port to/from `peer`?"""
    if place.no_groups:  # no security groups by design (an NLB without any)
        return skipped(name, place.resource, place.groups_loc or place.loc, place.no_groups)
    best, any_rules = _NO, False
    for group in place.groups:
        found, has_rules = _group_allows(model, group, direction, protocol, port, peer)
        best, any_rules = max(best, found), any_rules or has_rules
    where = place.groups[0] if place.groups else None
    resource = where.resource if where else place.resource
    loc = where.loc if where else place.groups_loc or place.loc
    names = ", ".join(g.resource for g in place.groups) or "its security groups"
    way = "to" if direction == "egress" else "from"
    if best == _YES:
        return Hop(name, OK, "", resource, loc,
                   f"{names} allow{'s' if len(place.groups) == 1 else ''} {direction} "
                   f"{protocol}/{port} {way} {peer.text}")
    if best == _MAYBE or not place.groups_complete:
        return Hop(name, UNKNOWN_STATUS, "", resource, loc,
                   f"whether {names} allow {direction} {protocol}/{port} {way} {peer.text} "
                   "depends on values that are not known")
    if not any_rules:
        terraform = any(g.framework == "terraform" and not g.implicit_egress
                        for g in place.groups)
        why = " (Terraform's aws_security_group removes AWS's default allow-all egress " \
              "rule)" if direction == "egress" and terraform else ""
        return Hop(name, BLOCKED, "SG_HAS_NO_RULES", resource, loc,
                   f"{names} {'has' if len(place.groups) == 1 else 'have'} no {direction} "
                   f"rules{why}")
    return Hop(name, BLOCKED, "ENI_SG_RULES_MISMATCH", resource, loc,
               f"no {direction} rule of {names} allows {protocol}/{port} {way} {peer.text}")


# -- network ACLs ---------------------------------------------------------------------


def nacl_status(acl: AclChoice, egress: bool, ports: tuple[int, int], net: Network | None,
                every_port: bool, protocol: str = "tcp") -> str:
    """ok, blocked or unknown for TCP (or UDP) `ports` to (egress) or from `net` through one
    NACL.

    `every_port`: each port of the range is needed (the replies to a client that may use any
    of them), so a range only partly allowed is blocked; otherwise it is unknown."""
    if acl.known and acl.open:
        return OK
    if not acl.known:
        return UNKNOWN_STATUS
    if net is None:
        return UNKNOWN_STATUS
    box: Box = (ports[0], ports[1], int(net.network_address), int(net.broadcast_address))
    lower = acl.region(egress, net.version, False, protocol)
    if not subtract([box], lower):
        return OK
    upper = acl.region(egress, net.version, True, protocol)
    if not any(meets(box, b) for b in upper):
        return BLOCKED
    if every_port:
        missing = subtract([box], upper)
        spans = sorted((b[2], b[3]) for b in missing)
        reach = box[2] - 1
        for lo, hi in spans:
            if lo > reach + 1:
                break
            reach = max(reach, hi)
        if spans and spans[0][0] <= box[2] and reach >= box[3]:
            return BLOCKED  # whatever the address, some reply port is refused
    return UNKNOWN_STATUS


def nacl_hop(name: str, acl: AclChoice, subnet_name: str, subnet_loc: Location,
             egress: bool, ports: tuple[int, int], net: Network | None, net_text: str,
             every_port: bool = False, protocol: str = "tcp") -> Hop:
    status = nacl_status(acl, egress, ports, net, every_port, protocol)
    resource = acl.nacl.resource if acl.nacl else subnet_name
    loc = acl.nacl.loc if acl.nacl else subnet_loc
    way = "outbound to" if egress else "inbound from"
    name_ = protocol.upper()
    port_text = f"{name_} {ports[0]}" if ports[0] == ports[1] else \
        f"{name_} {ports[0]}-{ports[1]}"
    what = acl.nacl.resource if acl.nacl else f"the default network ACL of {subnet_name}"
    if status == OK:
        return Hop(name, OK, "", resource, loc, f"{what} allows {port_text} {way} {net_text}")
    if status == BLOCKED:
        return Hop(name, BLOCKED, "SUBNET_ACL_RESTRICTION", resource, loc,
                   f"{what} does not allow {port_text} {way} {net_text}")
    why = acl.why or ("it allows only part of that traffic, so the answer depends on the "
                      "address and port used" if acl.known else
                      "some of its entries or the address are not known")
    return Hop(name, UNKNOWN_STATUS, "", resource, loc,
               f"{what}: {port_text} {way} {net_text} is unknown ({shown(why)})")


def skipped(name: str, resource: str, loc: Location | None, detail: str) -> Hop:
    return Hop(name, SKIPPED, "", resource, loc, detail)


# -- endpoint policies ----------------------------------------------------------------


class Use(Record):
    """What the workload does with a service, as an endpoint policy judges it."""

    __slots__ = ("actions", "resource", "principal", "role", "resource_name")

    def __init__(self, actions: list[str] | None, resource: Val, principal: Val | None,
                 role: str = "", resource_name: str = "") -> None:
        self.actions = actions
        """The actions its role allows for the service (None: not known)."""
        self.resource = resource
        """The resource it references (an UNKNOWN value: any the role may name)."""
        self.principal = principal
        """A reference to its role's ARN (None: not known)."""
        self.role = role
        self.resource_name = resource_name


def _endpoint_policies(model: Model, endpoint: Endpoint) -> list[tuple[str, Any]]:
    """(where it is set, policy) for each policy that may apply; AWS's default full access
    when none is set."""
    from vpcsec_lint.policy import full_access, parse_policy

    out: list[tuple[str, Any]] = []
    if endpoint.policy is not None:
        out += [(endpoint.resource, p) for p in parse_policy(endpoint.policy, model,
                                                              endpoint.loc)]
    for address, loc, val in endpoint.policy_resources:
        out += [(address, p) for p in (parse_policy(val, model, loc) if val is not None
                                       else [full_access(loc)])]
    return out or [(endpoint.resource, full_access(endpoint.loc))]


def _opens_everything(policy: Any) -> bool:
    """Allows anyone everything and denies nothing (the default policy)."""
    return policy.known and policy.wildcard_statement() is not None and all(
        s.known and s.effect == "Allow" for s in policy.statements)


def _judge_policy(policy: Any, use: Use | None) -> tuple[str, list[str], list[str]]:
    """Status of one policy, with the actions it allows and those it refuses."""
    from vpcsec_lint.policy import endpoint_allows

    if _opens_everything(policy):
        return OK, [], []
    if use is None or use.actions is None or not policy.known:
        return UNKNOWN_STATUS, [], []
    verdicts = {a: endpoint_allows(policy, a, use.resource, use.principal)
                for a in use.actions}
    allowed_ = [a for a, v in verdicts.items() if v is True]
    refused = [a for a, v in verdicts.items() if v is False or v == "deny"]
    if allowed_:
        return OK, allowed_, refused
    if len(refused) == len(verdicts) and verdicts:
        return BLOCKED, [], refused
    return UNKNOWN_STATUS, [], refused


def endpoint_policy_hop(model: Model, endpoint: Endpoint, service: str,
                        use: Use | None) -> Hop:
    """Does the endpoint's policy let the workload's role do what it does with the service?

    Blocked only when every policy that may apply is known and allows none of the actions
    for the role on the resource; a policy that allows some of them passes."""
    name = "endpoint-policy"
    judged = [(where, p, *_judge_policy(p, use)) for where, p in _endpoint_policies(
        model, endpoint)]
    where, policy = judged[0][0], judged[0][1]
    loc = policy.loc
    statuses = {j[2] for j in judged}
    if statuses == {OK}:
        default = all(p.form == "default" for _, p, *_ in judged)
        refused = sorted({a for j in judged for a in j[4]})
        detail = (f"{endpoint.resource} has no policy: AWS's default allows full access"
                  if default else f"the policy of {where} allows "
                  + (", ".join(shown(a) for a in judged[0][3]) or "everything")
                  + (" for " + use.role if use and use.role and judged[0][3] else ""))
        if refused:
            detail += f" (but not {', '.join(shown(a) for a in refused)})"
        return Hop(name, OK, "", where, loc, detail)
    if statuses == {BLOCKED} and use is not None and use.actions:
        refused = sorted({a for j in judged for a in j[4]})
        actions = ", ".join(shown(a) for a in refused)
        on = use.resource_name or "its resources"
        who = use.role or "the workload's role"
        return Hop(name, BLOCKED, "VPCE_POLICY_DENIES", where, loc,
                   f"the policy of {where} allows none of the {service} actions {who} uses "
                   f"({actions}) on {shown(on)}",
                   fix=f"allow {actions} on {shown(on)} for {who} in the policy of {where}")
    if use is None or use.actions is None:
        why = "the actions the workload uses with it are not known"
    else:
        why = "a condition, principal, action or resource in it cannot be decided"
    return Hop(name, UNKNOWN_STATUS, "", where, loc,
               f"whether the policy of {where} allows what the workload does is unknown "
               f"({why})")
