"""VSL102 sg-hardcoded-host-ip."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from vpcsec_lint.analysis import (
    every_branch,
    ingress_rules,
    network,
    origin_related,
    vpc_related,
)
from vpcsec_lint.findings import Finding, Related, shown
from vpcsec_lint.model import Model, Network, Vpc, parse_network
from vpcsec_lint.registry import Rule
from vpcsec_lint.values import Val

PRIVATE_RANGES: tuple[Network, ...] = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",  # RFC 1918
    "100.64.0.0/10",  # RFC 6598 shared space, usable as a VPC CIDR
    "fc00::/7",  # IPv6 unique local addresses
))


class SgHardcodedHostIp(Rule):
    """
    ## What it does
    Flags security-group ingress from a single host (`/32` or `/128`) whose
    address lies inside the group's own VPC, or, when the VPC's range cannot be
    resolved statically, inside a private range (`10.0.0.0/8`,
    `172.16.0.0/12`, `192.168.0.0/16`, `100.64.0.0/10`, `fc00::/7`). Every
    ingress form, IPv4 and IPv6.

    Not flagged: public single hosts (an allow-list of a partner's or an
    office's address), private hosts outside a known VPC range (on-premises
    servers), egress, world-open rules and unknown values.

    ## Why is this bad?
    An address inside the VPC belongs to an ENI: an instance, a task, a Lambda
    function, a load balancer node. It changes whenever that resource is
    replaced, scaled or redeployed, and the rule then silently allows whatever
    receives the address next while the real client is cut off. The client's
    security group follows it across replacements.

    ## Example
    ```hcl
    resource "aws_security_group_rule" "db_from_app" {
      type              = "ingress"
      security_group_id = aws_security_group.db.id
      from_port         = 5432
      to_port           = 5432
      protocol          = "tcp"
      cidr_blocks       = ["10.42.3.17/32"]
    }
    ```

    ## Use instead
    ```hcl
    resource "aws_security_group_rule" "db_from_app" {
      type                     = "ingress"
      security_group_id        = aws_security_group.db.id
      from_port                = 5432
      to_port                  = 5432
      protocol                 = "tcp"
      source_security_group_id = aws_security_group.app.id
    }
    ```

    ## References
    - https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
    - https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html#security-group-referencing
    """

    id = "VSL102"
    name = "sg-hardcoded-host-ip"
    severity = "note"
    summary = "Security-group ingress from a single host address inside the VPC."

    def check(self, model: Model) -> Iterator[Finding]:
        for rule in ingress_rules(model):
            vpc = model.group_vpc(rule.group.key)
            hosts: list[str] = []
            related: list[Related] = []
            loc = None
            for cidr in rule.cidrs:
                reasons = every_branch(cidr, _host_reason, vpc)
                if reasons is None:
                    continue
                hosts.append(" or ".join(dict.fromkeys(r for r in reasons if r)))
                related.extend(origin_related(cidr, "address"))
                loc = loc or rule.cidr_attr or cidr.loc or rule.loc
            if loc is None:
                continue
            if vpc is not None and vpc.known:
                related.insert(0, vpc_related(vpc))
            what = "the single host" if len(hosts) == 1 else "the single hosts"
            message = (f"Ingress on {rule.describe_ports()} allows {what} {'; '.join(hosts)}. "
                       "An instance address changes when the resource behind it is replaced; "
                       "allow that resource's security group instead.")
            yield self.finding(model, loc, rule.resource, message, related)


def _host_reason(val: Val, vpc: Vpc | None) -> str | None:
    """`"<host> (why it is internal)"` when `val` is a single internal host, else None."""
    host = network(val)
    if host is None or host.prefixlen != host.max_prefixlen:
        return None
    for net in vpc.networks() if vpc is not None else []:
        if net.version == host.version and host.subnet_of(net):  # type: ignore[arg-type]
            return f"{host} (inside {net}, the CIDR of {shown(vpc.resource)})"  # type: ignore[union-attr]
    if _range_known(vpc, host.version):
        return None
    if any(net.version == host.version and host.subnet_of(net)  # type: ignore[arg-type]
           for net in PRIVATE_RANGES):
        return f"{host} (a private address; the VPC's range is unknown)"
    return None


def _range_known(vpc: Vpc | None, version: int) -> bool:
    """True when every CIDR of this IP version of the VPC is known (and there is one)."""
    if vpc is None or not vpc.known:
        return False
    values = vpc.cidrs if version == 4 else vpc.ipv6_cidrs
    return bool(values) and all(
        parse_network(c.value) is not None for v in values for c in v.candidates())
