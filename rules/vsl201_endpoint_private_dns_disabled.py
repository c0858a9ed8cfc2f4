"""VSL201 endpoint-private-dns-disabled."""

from __future__ import annotations

import re
from collections.abc import Iterator

from vpcsec_lint.findings import Finding, Related, shown
from vpcsec_lint.model import HostedZone, Model, Setting
from vpcsec_lint.policy import ServiceName, aws_service, setting_is
from vpcsec_lint.registry import Rule

_UNKNOWN_PART = re.compile(r"\$\{[^}]*\}")
_WILDCARD = "\x00"


class EndpointPrivateDnsDisabled(Rule):
    """
    ## What it does
    Flags an Interface endpoint for an AWS service (`com.amazonaws.<region>.<svc>`,
    the region may be unknown, or `aws.sagemaker.<region>.<svc>`) whose private
    DNS is off, explicitly or by default: `private_dns_enabled` and
    `PrivateDnsEnabled` both default to `false`.

    Not flagged: Gateway, GatewayLoadBalancer and other endpoint types; other
    accounts' endpoint services (`com.amazonaws.vpce.*`); S3 interface
    endpoints (commonly used through their endpoint-specific DNS names); and
    endpoints whose service hostname has a private hosted zone in the analysed
    files (the centralised-endpoint pattern). An unknown type or setting is
    not flagged; a conditional setting is flagged only when both branches
    are off.

    ## Why is this bad?
    Without private DNS, the SDK still resolves the service's public hostname
    (`ssm.eu-west-1.amazonaws.com`) to public addresses. Traffic leaves through
    a NAT or internet gateway, or fails in a private subnet, and the endpoint
    you pay for carries nothing.

    ## Example
    ```hcl
    resource "aws_vpc_endpoint" "ssm" {
      vpc_id            = aws_vpc.main.id
      service_name      = "com.amazonaws.eu-west-1.ssm"
      vpc_endpoint_type = "Interface"
    }
    ```

    ## Use instead
    ```hcl
    resource "aws_vpc_endpoint" "ssm" {
      vpc_id              = aws_vpc.main.id
      service_name        = "com.amazonaws.eu-west-1.ssm"
      vpc_endpoint_type   = "Interface"
      private_dns_enabled = true
    }
    ```
    In CloudFormation, set `PrivateDnsEnabled: true`. The VPC needs DNS support
    and DNS hostnames enabled (see VSL202).

    ## References
    - https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html#interface-endpoint-private-dns
    - https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-vpcendpoint.html
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/vpc_endpoint
    """

    id = "VSL201"
    name = "endpoint-private-dns-disabled"
    severity = "warning"
    summary = "Interface endpoint for an AWS service with private DNS off."

    def check(self, model: Model) -> Iterator[Finding]:
        for endpoint in model.endpoints.values():
            if not setting_is(endpoint.endpoint_type, "Interface"):
                continue
            service = aws_service(endpoint.service_name)
            if service is None or service.service == "s3":
                continue
            if not setting_is(endpoint.private_dns, False):
                continue
            zone = _private_zone_for(model, service)
            if zone is not None:
                continue
            dns = endpoint.private_dns
            assert dns is not None
            how = "is off" if dns.explicit else "defaults to off"
            host = _UNKNOWN_PART.sub("<region>", service.hostname())
            message = (f"Private DNS {how} for the {shown(service.service)} interface "
                       f"endpoint: SDK calls to {shown(host)} resolve to the public endpoint and "
                       "bypass it;"
                       " set private DNS on (the VPC needs DNS support and hostnames).")
            yield self.finding(model, dns.loc, endpoint.resource, message,
                               _related(dns))


def _related(dns: Setting) -> list[Related]:
    if dns.val is None:
        return []
    return [Related(loc, "value defined here") for loc in dns.val.origins]


def _private_zone_for(model: Model, service: ServiceName) -> HostedZone | None:
    """A private hosted zone in the analysed files that answers for the service's hostname."""
    host = _labels(service.hostname())
    for zone in model.hosted_zones.values():
        if not zone.private:
            continue
        name = _zone_name(zone)
        if name is None:
            return zone  # a private zone whose name is unknown may be this service's
        labels = _labels(name)
        if len(labels) == len(host) and all(map(_label_match, labels, host)):
            return zone
    return None


def _zone_name(zone: HostedZone) -> str | None:
    if zone.name is None:
        return None
    text = zone.name.value if isinstance(zone.name.value, str) else zone.name.partial
    return text.strip().rstrip(".").lower() if text else None


def _labels(name: str) -> list[str]:
    """DNS labels, each unknown `${...}` part becoming a wildcard mark."""
    return _UNKNOWN_PART.sub(_WILDCARD, name).split(".")


def _label_match(zone_label: str, host_label: str) -> bool:
    return zone_label == host_label or _WILDCARD in zone_label or _WILDCARD in host_label
