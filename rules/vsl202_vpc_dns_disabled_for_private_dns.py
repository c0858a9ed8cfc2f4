"""VSL202 vpc-dns-disabled-for-private-dns."""

from __future__ import annotations

from collections.abc import Iterator

from vpcsec_lint.findings import Finding, Related, shown
from vpcsec_lint.model import Endpoint, Model, Setting, Vpc
from vpcsec_lint.policy import setting_is
from vpcsec_lint.registry import Rule

_ATTRIBUTES = {
    "dns_support": ("DNS support", "enable_dns_support", "EnableDnsSupport"),
    "dns_hostnames": ("DNS hostnames", "enable_dns_hostnames", "EnableDnsHostnames"),
}


class VpcDnsDisabledForPrivateDns(Rule):
    """
    ## What it does
    Flags a VPC that hosts an Interface endpoint with private DNS enabled while
    its DNS support or DNS hostnames attribute is off, explicitly or by
    default. `enable_dns_hostnames`/`EnableDnsHostnames` default to `false`
    (`aws_default_vpc`: `true`); DNS support defaults to `true`. The finding
    points at the VPC's attribute, or at the VPC when the attribute is
    omitted; the endpoints are related locations. A VPC read through
    `data.aws_vpc` or a module output is unknown and never flagged.

    ## Why is this bad?
    AWS refuses to enable private DNS on an endpoint in a VPC without both DNS
    attributes: the apply fails (`InvalidParameter: enableDnsSupport and
    enableDnsHostnames must be true`), or the stack rolls back.

    ## Example
    ```hcl
    resource "aws_vpc" "main" {
      cidr_block = "10.0.0.0/16"
    }

    resource "aws_vpc_endpoint" "ssm" {
      vpc_id              = aws_vpc.main.id
      service_name        = "com.amazonaws.eu-west-1.ssm"
      vpc_endpoint_type   = "Interface"
      private_dns_enabled = true
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
    In CloudFormation, set `EnableDnsSupport: true` and `EnableDnsHostnames: true`.

    ## References
    - https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html#vpc-dns-support
    - https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html
    - https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html#interface-endpoint-private-dns
    """

    id = "VSL202"
    name = "vpc-dns-disabled-for-private-dns"
    severity = "error"
    summary = "A VPC with DNS support or hostnames off hosts an endpoint with private DNS on."

    def check(self, model: Model) -> Iterator[Finding]:
        hosted: dict[str, list[Endpoint]] = {}
        for endpoint in model.endpoints.values():
            if setting_is(endpoint.endpoint_type, "Interface") \
                    and setting_is(endpoint.private_dns, True):
                vpc = model.vpc(endpoint.vpc)
                if vpc is not None and vpc.known:
                    hosted.setdefault(vpc.key, []).append(endpoint)
        for key in sorted(hosted):
            vpc = model.vpcs[key]
            endpoints = hosted[key]
            for attr, (label, tf_name, cfn_name) in _ATTRIBUTES.items():
                setting: Setting | None = getattr(vpc, attr)
                if not setting_is(setting, False):
                    continue
                assert setting is not None
                name = tf_name if vpc.framework == "terraform" else cfn_name
                how = f"{name} is false" if setting.explicit else \
                    f"{name} is omitted and defaults to false"
                message = (f"VPC {shown(vpc.resource)} hosts {_describe(endpoints)} with "
                           f"private DNS enabled, but {label} is off ({how}): AWS rejects "
                           "private DNS there; "
                           f"set {name} to true.")
                yield self.finding(model, setting.loc, vpc.resource, message,
                                   _related(vpc, setting, endpoints))


def _describe(endpoints: list[Endpoint]) -> str:
    if len(endpoints) == 1:
        return f"interface endpoint {shown(endpoints[0].resource)}"
    return f"{len(endpoints)} interface endpoints"


def _related(vpc: Vpc, setting: Setting, endpoints: list[Endpoint]) -> list[Related]:
    related = [Related(e.private_dns.loc if e.private_dns else e.loc,
                       f"endpoint {shown(e.resource)} enables private DNS") for e in endpoints]
    if setting.val is not None:
        related.extend(Related(loc, "value defined here") for loc in setting.val.origins)
    return related
