"""VSL108 sg-quota-exceeded."""

from __future__ import annotations

import json
import pkgutil
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from vpcsec_lint.data_stores import CLOUDFORMATION as CFN_STORES
from vpcsec_lint.data_stores import TERRAFORM as TF_STORES
from vpcsec_lint.findings import Finding, Related, shown
from vpcsec_lint.model import Model, Ref, SgRule, parse_network
from vpcsec_lint.policy import aws_service
from vpcsec_lint.registry import Rule
from vpcsec_lint.resource_types import SG_CFN, SG_TF
from vpcsec_lint.values import Location, Val

RULES_PER_GROUP = 60
"""Default quota of inbound (and, separately, outbound) rules per group, per address family."""
GROUPS_PER_INTERFACE = 5
"""Default quota of security groups per network interface."""
_REGION = re.compile(r"^com\.amazonaws\.[a-z]{2}(-[a-z]+)+-\d+\.")


class SgQuotaExceeded(Rule):
    """
    ## What it does
    Flags what AWS rejects under the default quotas, unless they were raised:
    - a security group with more than 60 inbound or more than 60 outbound
      rules for one address family, counted as AWS counts them: each IPv4
      CIDR counts 1 against IPv4 and each IPv6 CIDR 1 against IPv6, a
      referenced security group 1 against both, a customer-managed prefix
      list its `max_entries`, an AWS-managed prefix list its published
      weight (CloudFront origin-facing 55, VPC Lattice 10, Ground Station 5,
      S3 and DynamoDB 1; a shipped, dated table);
    - a Lambda function, ECS service, EC2 instance, VPC endpoint, database
      or cache with more than 5 security groups (per network interface).

    Counts are lower bounds: a rule with unknown ports, a CIDR list or
    prefix list that cannot be resolved, and group references that may be
    the same group count nothing, and identical rules count once. A finding
    needs the known part alone to exceed the quota.

    ## Why is this bad?
    The apply or stack update fails at the rule or attachment that crosses
    the quota, often far from the change that caused it (one more entry in a
    shared CIDR list). Raising the quota has a cost: the rules-per-group
    quota times the groups-per-interface quota cannot exceed 1,000, so more
    rules means fewer groups per interface. Prefix lists and referencing
    client security groups instead of their addresses keep groups small.

    ## Example
    ```hcl
    resource "aws_security_group" "partners" {
      vpc_id = aws_vpc.main.id
      ingress {
        from_port   = 443
        to_port     = 443
        protocol    = "tcp"
        cidr_blocks = var.partner_cidrs # 75 addresses in terraform.tfvars
      }
    }
    ```

    ## Use instead
    Put the addresses in a customer-managed prefix list (it counts its
    `max_entries`, so size it to fit), split them over several groups, or
    request a higher quota before the change.

    ## References
    - https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups
    - https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html#security-group-size
    - https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html
    """

    id = "VSL108"
    name = "sg-quota-exceeded"
    severity = "warning"
    summary = "A security group or a network interface over its default security-group quota."
    terraform_types = (*SG_TF, "aws_lambda_function", "aws_ecs_service", "aws_vpc_endpoint",
                       "aws_instance", *TF_STORES)
    cloudformation_types = (*SG_CFN, "AWS::Lambda::Function", "AWS::Serverless::Function",
                            "AWS::ECS::Service", "AWS::EC2::VPCEndpoint", "AWS::EC2::Instance",
                            *CFN_STORES)

    def check(self, model: Model) -> Iterator[Finding]:
        yield from self._rules_per_group(model)
        yield from self._groups_per_interface(model)

    def _rules_per_group(self, model: Model) -> Iterator[Finding]:
        by_group: dict[str, list[SgRule]] = {}
        for rule in model.sg_rules:
            if rule.group.key is not None:
                by_group.setdefault(rule.group.key, []).append(rule)
        for key, rules in by_group.items():
            group = model.security_groups.get(key)
            if group is None:
                continue
            for direction in ("ingress", "egress"):
                counts = _count(model, [r for r in rules if r.direction == direction])
                over = [(family, n) for family, n in counts.items() if n > RULES_PER_GROUP]
                if not over:
                    continue
                what = " and ".join(f"{n} {family}" for family, n in over)
                kind = "inbound" if direction == "ingress" else "outbound"
                message = (f"Security group {shown(group.resource)} has at least {what} "
                           f"{kind} rules, as AWS counts them (prefix lists by their size): "
                           f"more than the default quota of {RULES_PER_GROUP} per address "
                           "family, so AWS rejects it unless the quota was raised. Use fewer, "
                           "wider rules, prefix lists or several groups.")
                yield self.finding(model, group.loc, group.resource, message)

    def _groups_per_interface(self, model: Model) -> Iterator[Finding]:
        holders: list[tuple[str, Location, Location | None, list[Ref]]] = [
            *((f.resource, f.loc, f.security_groups_loc, f.security_groups)
              for f in model.lambdas.values()),
            *((i.resource, i.loc, i.security_groups_loc, i.security_groups)
              for i in model.instances.values()),
            *((s.resource, s.loc, _loc(s.security_groups_val), s.security_groups)
              for s in model.ecs_services.values()),
            *((e.resource, e.loc, _loc(e.security_groups_val), e.security_groups)
              for e in model.endpoints.values()),
            *((d.resource, d.loc, d.security_groups_loc, d.security_groups)
              for d in model.data_stores.values() if d.member_of is None),
        ]
        for resource, loc, attr_loc, refs in holders:
            count = len({i for i in (_group_identity(r) for r in refs) if i is not None})
            if count <= GROUPS_PER_INTERFACE:
                continue
            first = attr_loc or next(
                (r.val.loc for r in refs if r.val is not None and r.val.loc), loc)
            message = (f"{shown(resource)} has {count} security groups: more than the default "
                       f"quota of {GROUPS_PER_INTERFACE} per network interface, so AWS "
                       "rejects it unless the quota was raised. Merge groups or raise the "
                       "quota (at most 16, and rules per group times groups per interface "
                       "cannot exceed 1,000).")
            yield self.finding(model, first, resource, message,
                               [Related(loc, "resource defined here")])


def _loc(val: Val | None) -> Location | None:
    return val.loc if val is not None else None


def _group_identity(ref: Ref) -> Any:
    """What tells this group apart from the others: its key or literal ID, else None."""
    if ref.key is not None:
        return ref.key
    val = ref.val
    if val is None or val.alternatives:
        return None
    if isinstance(val.value, str):
        return val.value
    return val.ref if val.ref is not None and val.ref[1] in ("id", "Ref", "GroupId") else None


def _count(model: Model, rules: list[SgRule]) -> dict[str, int]:
    """Lower bounds of the rules per address family, as AWS counts them."""
    seen: set[tuple] = set()
    totals = {"IPv4": 0, "IPv6": 0}
    for rule in rules:
        ports = rule.port_range()
        if rule.dynamic or not isinstance(rule.protocol, str) or (
                rule.protocol in ("tcp", "udp") and ports is None):
            continue
        base = (rule.protocol, ports)
        for cidr in rule.cidrs:
            net = parse_network(cidr.value) if not cidr.alternatives else None
            if net is not None and (*base, str(net)) not in seen:
                seen.add((*base, str(net)))
                totals[f"IPv{net.version}"] += 1
        for source in rule.source_groups:
            identity = source.key or (source.val.ref if source.val is not None else None)
            if identity is not None and (*base, "sg", identity) not in seen:
                seen.add((*base, "sg", identity))
                totals["IPv4"] += 1
                totals["IPv6"] += 1
        for plist in rule.prefix_lists:
            weight, family = _prefix_list_weight(model, plist)
            identity = plist.ref or plist.value
            if weight and (*base, "pl", identity) not in seen:
                seen.add((*base, "pl", identity))
                totals[family] += weight
    return totals


def _prefix_list_weight(model: Model, val: Val) -> tuple[int, str]:
    """What a prefix-list reference counts (0 when unknown) and against which family."""
    if val.ref is None or val.alternatives:
        return 0, "IPv4"
    address = val.ref[0]
    plist = model.prefix_lists.get(address)
    if plist is not None:
        size = plist.max_entries
        family = plist.address_family if plist.address_family in ("IPv4", "IPv6") else None
        if isinstance(size, int) and not isinstance(size, bool) and family:
            return size, family
        return 0, "IPv4"
    endpoint = model.endpoints.get(address)
    name: Any = endpoint.service_name if endpoint is not None else None
    raw = model.resources.get(address)
    if name is None and raw is not None and raw.is_data and raw.type in (
            "aws_ec2_managed_prefix_list", "aws_prefix_list"):
        name_val = raw.body.get("name")
        name = name_val.value if name_val is not None else None
    if endpoint is not None and aws_service(name) is None:
        return 0, "IPv4"
    return (_aws_managed_weights().get(_REGION.sub("com.amazonaws.region.", name), 0)
            if isinstance(name, str) else 0), "IPv4"


@lru_cache(maxsize=1)
def _aws_managed_weights() -> dict[str, int]:
    data = pkgutil.get_data("vpcsec_lint", "data/aws_managed_prefix_lists.json")
    if data is None:
        raise FileNotFoundError("vpcsec_lint/data/aws_managed_prefix_lists.json")
    return json.loads(data)["weights"]
