"""Places: where workloads and targets sit in the network.

A `Place` is anything with network interfaces in a VPC (a workload or a target):
its subnets and security groups as far as the code says. What governs a subnet (its
route table and network ACL) and what routes, NACLs and peering connections do is
answered by `vpcsec_lint.network`. Every answer may be "unknown"; nothing here guesses.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from vpcsec_lint.model import (
    Endpoint,
    Instance,
    LambdaFunction,
    Model,
    Ref,
    SecurityGroup,
    Subnet,
)
from vpcsec_lint.records import Record
from vpcsec_lint.values import UNKNOWN, Location

LAMBDA_EPHEMERAL = (1024, 65535)
"""Lambda, NAT gateways and load balancers use the whole range:
https://docs.aws.amazon.com/vpc/latest/userguide/custom-network-acl.html#nacl-ephemeral-ports"""
LINUX_EPHEMERAL = (32768, 60999)
"""Linux's default `ip_local_port_range` (instances and tasks): covering it passes, less is
unknown (the OS may be configured otherwise)."""
INTERNET_CLIENT_PORTS = (1024, 65535)
"""The ports an internet client may reply to, as the AWS ephemeral-ports guidance gives them
(same page as `LAMBDA_EPHEMERAL`)."""
WORLD = ipaddress.ip_network("0.0.0.0/0")


class Place(Record):
    """A resource with network interfaces, or `internet`/an AWS API (no subnets)."""

    __slots__ = ("resource", "kind", "loc", "framework", "subnets", "subnets_loc", "groups",
                 "groups_complete", "groups_loc", "in_vpc", "public_ip", "port", "has_dns_name",
                 "no_groups")

    def __init__(self, resource: str, kind: str, loc: Location, framework: str = "",
                 subnets: list[Subnet | None] | None = None, subnets_loc: Location | None = None,
                 groups: list[SecurityGroup] | None = None, groups_complete: bool = True,
                 groups_loc: Location | None = None, in_vpc: bool = True, public_ip: Any = False,
                 port: Any = UNKNOWN, has_dns_name: bool = False, no_groups: str = "") -> None:
        self.resource = resource
        self.kind = kind
        """`lambda`, `instance`, `task`, `endpoint`, a data-store kind, `internet`, `aws`."""
        self.loc = loc
        self.framework = framework
        self.subnets = subnets
        """Its subnets (None items: a subnet we cannot follow); None: placement unknown."""
        self.subnets_loc = subnets_loc
        self.groups = [] if groups is None else groups
        self.groups_complete = groups_complete
        """False when some group cannot be followed (then only allows count)."""
        self.groups_loc = groups_loc
        self.in_vpc = in_vpc
        self.public_ip = public_ip
        self.port = port
        self.has_dns_name = has_dns_name
        """Reached by a DNS name (databases, caches, endpoints), so name resolution is a hop."""
        self.no_groups = no_groups
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
    `default_groups`)."""
    groups = [model.security_groups[r.key] for r in refs
              if r.key and r.key in model.security_groups]
    return groups, len(groups) == len(refs) and bool(refs)


def default_groups(model: Model, subnets: list[Subnet | None] | None) \
        -> tuple[list[SecurityGroup], bool]:
    """The groups of a resource that names none, as `_groups` gives them: the VPC's default
    group when the code manages it (`aws_default_security_group`: exactly its blocks, none =
    no rules), else none known.
    https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html"""
    vpcs = {s.vpc.key for s in subnets or [] if s is not None}
    if len(vpcs) != 1 or None in vpcs or subnets is None or None in subnets:
        return [], False
    for group in model.security_groups.values():
        raw = model.resources.get(group.key)
        if raw is not None and raw.type == "aws_default_security_group" \
                and group.vpc.key in vpcs:
            return [group], True
    return [], False


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


def zone(subnet: Subnet | None) -> str | None:
    az = subnet.availability_zone if subnet is not None else None
    return az.value if az is not None and isinstance(az.value, str) else None
