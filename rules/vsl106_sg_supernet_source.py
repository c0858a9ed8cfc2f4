"""VSL106 sg-supernet-source."""

from __future__ import annotations

from collections.abc import Iterator

from vpcsec_lint.analysis import (
    every_branch,
    ingress_rules,
    network,
    origin_related,
    vpc_related,
)
from vpcsec_lint.findings import Finding, shown
from vpcsec_lint.model import Model, Network, Vpc
from vpcsec_lint.registry import Rule
from vpcsec_lint.values import Val


class SgSupernetSource(Rule):
    """
    ## What it does
    Flags security-group ingress from a CIDR range that strictly contains one
    of the CIDRs of the group's own VPC but is not `0.0.0.0/0` or `::/0`, for
    example `10.0.0.0/8` on a group in a `10.42.0.0/16` VPC. Every ingress
    form (inline rules, `aws_security_group_rule`,
    `aws_vpc_security_group_ingress_rule`, CloudFormation inline and
    standalone ingress), IPv4 and IPv6.

    Not flagged: ranges equal to the VPC (that is VSL101), narrower ranges,
    ranges that do not contain the VPC, world-open rules, egress, and any
    value or VPC CIDR that cannot be resolved statically.

    ## Why is this bad?
    A supernet of the VPC grants everything in the VPC (every Lambda ENI,
    task and instance) and everything else in the range: peered VPCs, other
    accounts' networks, VPN and Direct Connect clients. It is often a
    corporate or on-premises range written once and copied around, which is
    why this is a note rather than a warning: check that the whole range is
    meant to reach the port.

    ## Example
    ```hcl
    resource "aws_vpc" "main" {
      cidr_block = "10.42.0.0/16"
    }

    resource "aws_security_group" "db" {
      vpc_id = aws_vpc.main.id
      ingress {
        from_port   = 5432
        to_port     = 5432
        protocol    = "tcp"
        cidr_blocks = ["10.0.0.0/8"]
      }
    }
    ```

    ## Use instead
    ```hcl
    resource "aws_security_group" "db" {
      vpc_id = aws_vpc.main.id
      ingress {
        from_port       = 5432
        to_port         = 5432
        protocol        = "tcp"
        security_groups = [aws_security_group.app.id]
      }
      # Clients outside AWS: name the on-premises range they really use.
      ingress {
        from_port   = 5432
        to_port     = 5432
        protocol    = "tcp"
        cidr_blocks = ["192.168.40.0/24"]
      }
    }
    ```

    ## References
    - https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
    - https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html#security-group-referencing
    """

    id = "VSL106"
    name = "sg-supernet-source"
    severity = "note"
    summary = "Security-group ingress from a range wider than the group's own VPC (but not /0)."

    def check(self, model: Model) -> Iterator[Finding]:
        for rule in ingress_rules(model):
            vpc = model.group_vpc(rule.group.key)
            if vpc is None:
                continue
            for cidr in rule.cidrs:
                matches = every_branch(cidr, _contained_vpc_cidr, vpc)
                if matches is None:
                    continue
                wide = " or ".join(dict.fromkeys(str(m[0]) for m in matches if m))
                inner = matches[0][1]  # type: ignore[index]
                loc = rule.cidr_attr or cidr.loc or rule.loc
                message = (f"Ingress on {rule.describe_ports()} allows {wide}, wider than "
                           f"{inner}, the CIDR of {shown(vpc.resource)}: the whole VPC and more. "
                           "Allow the client's security group, or the narrower range that "
                           "really needs access.")
                yield self.finding(model, loc, rule.resource, message,
                                   [vpc_related(vpc), *origin_related(cidr, "CIDR")])
                break


def _contained_vpc_cidr(val: Val, vpc: Vpc) -> tuple[Network, Network] | None:
    """(the range, the VPC CIDR it strictly contains) when `val` is a wider range, else None."""
    net = network(val)
    if net is None or net.prefixlen == 0:
        return None
    for inner in vpc.networks():
        if inner.version == net.version and inner != net and inner.subnet_of(net):  # type: ignore[arg-type]
            return net, inner
    return None
