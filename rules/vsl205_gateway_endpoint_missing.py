"""VSL205 gateway-endpoint-missing."""

from __future__ import annotations

from collections.abc import Iterator

from vpcsec_lint.findings import Finding, Related, shown
from vpcsec_lint.model import Endpoint, Model, RouteTable
from vpcsec_lint.policy import aws_service
from vpcsec_lint.registry import Rule
from vpcsec_lint.values import Val

SERVICES = ("s3", "dynamodb")
_ASSOCIATION = "aws_vpc_endpoint_route_table_association"
_LABELS = {"s3": "S3", "dynamodb": "DynamoDB"}


class GatewayEndpointMissing(Rule):
    """
    ## What it does
    Flags a VPC whose route tables send `0.0.0.0/0` to a NAT gateway while
    none of those route tables is associated with a Gateway endpoint for S3
    (or for DynamoDB): one finding per service. Associations are read from
    `route_table_ids`, `aws_vpc_endpoint_route_table_association` and
    `RouteTableIds`. The finding points at the VPC; the NAT route tables are
    related locations. When an endpoint's service, type or route tables are
    unknown, the rule stays quiet.

    ## Why is this bad?
    Without a Gateway endpoint, every S3 or DynamoDB call from private subnets
    goes through the NAT gateway, which charges NAT data processing per GB on
    top of its hourly price (and cross-AZ transfer when the NAT is elsewhere).
    A Gateway endpoint for S3 or DynamoDB is free: no hourly charge, no data
    processing charge, and the traffic stays on the AWS network.

    ## Example
    ```hcl
    resource "aws_route" "private_nat" {
      route_table_id         = aws_route_table.private.id
      destination_cidr_block = "0.0.0.0/0"
      nat_gateway_id         = aws_nat_gateway.main.id
    }
    ```

    ## Use instead
    ```hcl
    resource "aws_vpc_endpoint" "s3" {
      vpc_id            = aws_vpc.main.id
      service_name      = "com.amazonaws.eu-west-1.s3"
      vpc_endpoint_type = "Gateway"
      route_table_ids   = [aws_route_table.private.id]
    }
    ```
    In CloudFormation, an `AWS::EC2::VPCEndpoint` with `RouteTableIds`.

    ## References
    - https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html
    - https://aws.amazon.com/vpc/pricing/
    - https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-pricing.html
    """

    id = "VSL205"
    name = "gateway-endpoint-missing"
    severity = "note"
    summary = "NAT route tables without a free Gateway endpoint for S3 or DynamoDB."

    def check(self, model: Model) -> Iterator[Finding]:
        nat_tables: dict[str, list[RouteTable]] = {}
        for route in model.routes:
            if not route.nat_gateway or route.destination is None \
                    or route.destination.value != "0.0.0.0/0":
                continue
            table = model.route_tables.get(route.table.key or "")
            vpc = model.vpc(table.vpc) if table is not None else None
            if table is None or vpc is None or not vpc.known:
                continue
            tables = nat_tables.setdefault(vpc.key, [])
            if table not in tables:
                tables.append(table)
        for vpc_key in sorted(nat_tables):
            vpc = model.vpcs[vpc_key]
            tables = sorted(nat_tables[vpc_key], key=lambda t: t.key)
            table_keys = {t.key for t in tables}
            related = [Related(t.loc, f"route table {shown(t.resource)} sends 0.0.0.0/0 to a NAT "
                                      "gateway") for t in tables]
            for service in SERVICES:
                if _served(model, vpc_key, table_keys, service):
                    continue
                label = _LABELS[service]
                finding = self.finding(
                    model, vpc.loc, vpc.resource,
                    f"VPC {shown(vpc.resource)} sends internet traffic through a NAT gateway, "
                    f"but no Gateway endpoint for {label} is associated with its NAT route tables: "
                    f"{label} traffic pays NAT data processing per GB. A Gateway endpoint for "
                    f"{label} is free; associate one with these route tables.",
                    related)
                finding.subject = service  # one finding per service on the VPC's line
                yield finding


def _served(model: Model, vpc_key: str, table_keys: set[str], service: str) -> bool:
    """A Gateway endpoint for `service` is (or may be) on one of the NAT route tables."""
    for endpoint in model.endpoints.values():
        if endpoint.vpc.key not in (vpc_key, None):
            continue
        if not _may_be_gateway_for(endpoint, service):
            continue
        tables = {r.key for r in endpoint.route_tables}
        if None in tables or tables & table_keys:
            return True
    for table in table_keys:
        for key in model.route_table_endpoints.get(table, []):
            endpoint = model.endpoints.get(key)
            if endpoint is not None and _may_be_gateway_for(endpoint, service):
                return True
    return _unresolved_association(model, table_keys, service)


def _unresolved_association(model: Model, table_keys: set[str], service: str) -> bool:
    """An association resource the model could not follow that may link such an endpoint.

    `aws_vpc_endpoint_route_table_association` with an unknown route table or
    endpoint is not in `Model.route_table_endpoints`; it may cover a NAT table.
    """
    for raw in model.resources.values():
        if raw.type != _ASSOCIATION or raw.is_data:
            continue
        table, endpoint = (_target(raw.body.get(k)) for k in ("route_table_id", "vpc_endpoint_id"))
        if table is not None and table not in table_keys:
            continue
        known = model.endpoints.get(endpoint or "")
        if known is None or (table is None and _may_be_gateway_for(known, service)):
            return True
    return False


def _target(val: Val | None) -> str | None:
    """The address an `x.id` reference names, else None."""
    return val.ref[0] if val is not None and val.ref is not None and val.ref[1] == "id" else None


def _may_be_gateway_for(endpoint: Endpoint, service: str) -> bool:
    """Not known to be something else than a Gateway endpoint for `service`."""
    types = endpoint.endpoint_type.candidates() if endpoint.endpoint_type else [None]
    if not any(t == "Gateway" or not isinstance(t, str) for t in types):
        return False
    name = endpoint.service_name
    parsed = aws_service(name)
    if parsed is not None:
        return parsed.service == service
    return name is None or "${" in name
