"""VSL206 vpc-dns-support-disabled."""

from __future__ import annotations

from collections.abc import Iterator

from vpcsec_lint.findings import Finding, Related, shown
from vpcsec_lint.model import Model
from vpcsec_lint.policy import setting_is
from vpcsec_lint.registry import Rule


class VpcDnsSupportDisabled(Rule):
    """
    ## What it does
    Flags a VPC (`aws_vpc`, `aws_default_vpc`, `AWS::EC2::VPC`) whose DNS
    support is explicitly off (`enable_dns_support = false`,
    `EnableDnsSupport: false`). An omitted attribute is on by default and an
    unknown value is not flagged; a conditional value is flagged only when
    both branches are off.

    ## Why is this bad?
    With DNS support off, the Amazon-provided resolver (the `.2` address) stops
    answering: nothing in the VPC can resolve AWS service names, interface
    endpoints cannot use private DNS, and private hosted zones stop working.

    ## Example
    ```hcl
    resource "aws_vpc" "main" {
      cidr_block         = "10.0.0.0/16"
      enable_dns_support = false
    }
    ```

    ## Use instead
    ```hcl
    resource "aws_vpc" "main" {
      cidr_block           = "10.0.0.0/16"
      enable_dns_support   = true
      enable_dns_hostnames = true
    }
    ```
    In CloudFormation, remove `EnableDnsSupport: false` or set it to `true`.

    ## References
    - https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html#vpc-dns-support
    - https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html#interface-endpoint-private-dns
    """

    id = "VSL206"
    name = "vpc-dns-support-disabled"
    severity = "warning"
    summary = "A VPC with DNS support explicitly off."

    def check(self, model: Model) -> Iterator[Finding]:
        for vpc in model.vpcs.values():
            setting = vpc.dns_support
            if not vpc.known or setting is None or not setting.explicit \
                    or not setting_is(setting, False):
                continue
            origins = setting.val.origins if setting.val is not None else ()
            yield self.finding(
                model, setting.loc, vpc.resource,
                f"DNS support is off for VPC {shown(vpc.resource)}: the Amazon-provided "
                "resolver stops answering and nothing in the VPC can resolve AWS service names; "
                "turn it on.",
                [Related(loc, "value defined here") for loc in origins])
