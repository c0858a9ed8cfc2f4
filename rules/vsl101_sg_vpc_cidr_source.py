"""VSL101 sg-vpc-cidr-source."""

from __future__ import annotations

from collections.abc import Iterator

from vpcsec_lint.analysis import (
    endpoint_only_group,
    every_branch,
    ingress_rules,
    origin_related,
    vpc_cidr_match,
    vpc_related,
)
from vpcsec_lint.findings import Finding
from vpcsec_lint.model import Model
from vpcsec_lint.registry import Rule


class SgVpcCidrSource(Rule):
    """
    ## What it does
    Flags security-group ingress whose source is the CIDR of the group's own
    VPC: a reference to the VPC's primary or secondary CIDR, the same variable
    or parameter the VPC's CIDR uses, or a literal equal to it. Inline rules,
    `aws_security_group_rule`, `aws_vpc_security_group_ingress_rule` and
    CloudFormation inline or standalone ingress, IPv4 and IPv6.

    Not flagged: another VPC's CIDR (a peer), subnet-sized ranges, rules that
    also allow `0.0.0.0/0` or `::/0`, egress, and port 443 on a group attached
    only to interface endpoints (AWS's documented endpoint pattern).

    ## Why is this bad?
    "The whole VPC" is every Lambda ENI, container task, instance and endpoint
    in it, today and after every redeploy. It over-grants: anything compromised
    anywhere in the VPC can reach the port. The security group of the real
    client states the intent and follows it when its IPs change.

    ## Example
    ```hcl
    resource "aws_security_group" "db" {
      vpc_id = aws_vpc.main.id
      ingress {
        from_port   = 5432
        to_port     = 5432
        protocol    = "tcp"
        cidr_blocks = [aws_vpc.main.cidr_block]
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
    }
    ```
    In CloudFormation, use `SourceSecurityGroupId: !Ref AppSecurityGroup`.

    ## References
    - https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
    - https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html#security-group-referencing
    """

    id = "VSL101"
    name = "sg-vpc-cidr-source"
    severity = "warning"
    summary = "Security-group ingress from the whole CIDR of the group's own VPC."

    def check(self, model: Model) -> Iterator[Finding]:
        for rule in ingress_rules(model):
            vpc = model.group_vpc(rule.group.key)
            if vpc is None:
                continue
            if rule.port_range() == (443, 443) and rule.protocol == "tcp" \
                    and endpoint_only_group(model, rule.group.key):
                continue
            for cidr in rule.cidrs:
                matches = every_branch(cidr, vpc_cidr_match, vpc)
                if matches is None:
                    continue
                loc = rule.cidr_attr or cidr.loc or rule.loc
                message = (f"Ingress on {rule.describe_ports()} allows the whole VPC CIDR "
                           f"({matches[0]}); allow the client's security group instead.")
                yield self.finding(model, loc, rule.resource, message,
                                   [vpc_related(vpc), *origin_related(cidr, "CIDR")])
                break
