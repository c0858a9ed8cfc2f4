"""VSL104 endpoint-sg-missing-https."""

from __future__ import annotations

import re
from collections.abc import Iterator

from vpcsec_lint.analysis import rules_by_group, rules_of
from vpcsec_lint.findings import Finding, Related, shown
from vpcsec_lint.model import Endpoint, Model
from vpcsec_lint.registry import Rule

HTTPS = 443
_AWS_SERVICE = re.compile(
    r"^com\.amazonaws\.(?!vpce\.)(?:\$\{[^}]*\}|[^.${}]+)\.(?P<service>.+)$")
NOT_HTTPS_SERVICES = frozenset({"email-smtp", "cassandra", "cassandra-fips", "transfer.server"})
"""AWS interface-endpoint services clients reach on other ports (SMTP, Keyspaces, SFTP)."""


class EndpointSgMissingHttps(Rule):
    """
    ## What it does
    Flags an Interface endpoint for an AWS service (`com.amazonaws.<region>.<svc>`,
    the region may be unknown) whose security groups, from
    `security_group_ids`/`SecurityGroupIds` and
    `aws_vpc_endpoint_security_group_association`, are all known and none of
    which allows inbound TCP 443 from any source.

    Not flagged: endpoints without security groups (they get the VPC's default
    group, whose rules are unknown), endpoints with any group or rule that
    cannot be resolved, other endpoint types, endpoint services of other
    accounts (`com.amazonaws.vpce.…`), and the AWS services that clients do not
    reach over HTTPS (SES SMTP, Amazon Keyspaces, Transfer Family SFTP).

    ## Why is this bad?
    The endpoint's network interfaces accept only what their security groups
    allow. AWS SDKs call the service over HTTPS, so without an inbound rule for
    TCP 443 every call through the endpoint times out. With private DNS on,
    the service's public hostname resolves to the endpoint, so the failure
    looks like a DNS or IAM problem rather than a missing rule.

    ## Example
    ```hcl
    resource "aws_vpc_endpoint" "secretsmanager" {
      vpc_id              = aws_vpc.main.id
      service_name        = "com.amazonaws.eu-west-1.secretsmanager"
      vpc_endpoint_type   = "Interface"
      private_dns_enabled = true
      security_group_ids  = [aws_security_group.endpoints.id]
    }

    resource "aws_security_group" "endpoints" {
      vpc_id = aws_vpc.main.id
      ingress {
        from_port       = 80
        to_port         = 80
        protocol        = "tcp"
        security_groups = [aws_security_group.app.id]
      }
    }
    ```

    ## Use instead
    ```hcl
    resource "aws_security_group" "endpoints" {
      vpc_id = aws_vpc.main.id
      ingress {
        from_port       = 443
        to_port         = 443
        protocol        = "tcp"
        security_groups = [aws_security_group.app.id]
      }
    }
    ```

    ## References
    - https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
    - https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html
    """

    id = "VSL104"
    name = "endpoint-sg-missing-https"
    severity = "warning"
    summary = "An interface endpoint whose security groups do not allow inbound HTTPS."

    def check(self, model: Model) -> Iterator[Finding]:
        ingress = rules_by_group(r for r in model.sg_rules if r.direction == "ingress")
        for endpoint in model.endpoints.values():
            service = _https_service(endpoint)
            if service is None:
                continue
            groups = [ref.key for ref in endpoint.security_groups]
            if not groups or any(key is None for key in groups):
                continue  # the VPC's default group, or a group we cannot see
            unique = list(dict.fromkeys(g for g in groups if g))
            rules = rules_of(ingress, unique)
            if any(r.dynamic or r.covers_tcp_port(HTTPS) is not False for r in rules):
                continue
            if len(unique) == 1:
                who = f"its security group {shown(unique[0])} does not allow"
            else:
                who = f"none of its security groups ({', '.join(map(shown, unique))}) allows"
            message = (f"Interface endpoint for {shown(service)}: {who} inbound TCP 443, so "
                       "SDK calls through it time out. Allow HTTPS from the clients' security "
                       "group.")
            related = [Related(model.security_groups[g].loc, f"security group {shown(g)}")
                       for g in unique if g in model.security_groups]
            loc = endpoint.security_groups_val.loc if endpoint.security_groups_val is not None \
                and endpoint.security_groups_val.loc is not None else endpoint.loc
            yield self.finding(model, loc, endpoint.resource, message, related)


def _https_service(endpoint: Endpoint) -> str | None:
    """The AWS service an Interface endpoint reaches over HTTPS (its name), else None."""
    kind = endpoint.endpoint_type
    if kind is None or not isinstance(kind.value, str) or kind.value.lower() != "interface":
        return None
    name = endpoint.service_name
    match = _AWS_SERVICE.match(name or "")
    if match is None or "${" in match.group("service"):
        return None
    if match.group("service") in NOT_HTTPS_SERVICES:
        return None
    return match.group("service")
