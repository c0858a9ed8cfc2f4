"""VSL502 nat-gateway-single-az."""

from __future__ import annotations

from collections.abc import Iterator

from vpcsec_lint.findings import Finding, Related, shown
from vpcsec_lint.model import Model, NatGateway, Route, parse_network
from vpcsec_lint.registry import Rule


class NatGatewaySingleAz(Rule):
    """
    ## What it does
    Flags a NAT gateway that is the IPv4 default route (`0.0.0.0/0`) of
    subnets in two or more Availability Zones: their route tables all send
    internet-bound traffic through this one zonal gateway. The zones are
    those of the subnets associated with the route tables (`availability_zone`
    or `availability_zone_id`, compared name with name and ID with ID); at
    least two different known zones are needed.

    Not flagged: a regional NAT gateway (`availability_mode = "regional"`,
    no subnet: it spans the VPC's zones), a NAT gateway created several
    times (`count`/`for_each`: each route may name a different one), and
    subnets whose zone, table association or route target is unknown.

    ## Why is this bad?
    A NAT gateway lives in one Availability Zone. When that zone fails,
    every subnet routed through it loses its internet and AWS API egress, so
    the outage of one zone takes down the others too; meanwhile the other
    zones pay cross-zone data charges on every byte. AWS recommends one NAT
    gateway per zone, each zone's private route table pointing at its own.

    ## Example
    ```hcl
    resource "aws_route" "private_default" {
      route_table_id         = aws_route_table.private.id # used by subnets in a and b
      destination_cidr_block = "0.0.0.0/0"
      nat_gateway_id         = aws_nat_gateway.main.id
    }
    ```

    ## Use instead
    One NAT gateway in a public subnet of each zone, and one private route
    table per zone whose default route names that zone's gateway (or a
    regional NAT gateway).

    ## References
    - https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html
    - https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html
    - https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateways-regional.html
    """

    id = "VSL502"
    name = "nat-gateway-single-az"
    severity = "note"
    summary = "One NAT gateway is the default route of subnets in several Availability Zones."
    terraform_types = ("aws_nat_gateway",)
    cloudformation_types = ("AWS::EC2::NatGateway",)

    def check(self, model: Model) -> Iterator[Finding]:
        tables_of_subnet = {subnet: [ref.key for ref, _ in tables]
                            for subnet, tables in model.subnet_tables.items()}
        for nat in model.nat_gateways.values():
            if nat.subnet is None or _repeated(model, nat):
                continue
            routes = [r for r in model.routes if _default_route_to(r, nat)]
            tables = {r.table.key for r in routes if r.table.key is not None}
            zones: dict[str, list[str]] = {}
            for subnet_key, table_keys in tables_of_subnet.items():
                if len(table_keys) != 1 or table_keys[0] not in tables:
                    continue
                subnet = model.subnets.get(subnet_key)
                zone = subnet.availability_zone if subnet is not None else None
                if zone is not None and isinstance(zone.value, str) and zone.value \
                        and not zone.alternatives:
                    zones.setdefault(zone.value, []).append(subnet_key)
            distinct = _comparable(zones)
            if len(distinct) < 2:
                continue
            names = ", ".join(shown(z) for z in sorted(distinct))
            message = (f"NAT gateway {shown(nat.resource)} is the default route of subnets in "
                       f"{len(distinct)} Availability Zones ({names}): an outage of its zone cuts "
                       "the egress of all of them, and the other zones pay cross-zone data "
                       "charges. Give each zone its own NAT gateway and route table.")
            related = [Related(r.loc, f"default route of {shown(r.table.key)}")
                       for r in routes if r.table.key in tables]
            yield self.finding(model, nat.loc, nat.resource, message, related)


def _default_route_to(route: Route, nat: NatGateway) -> bool:
    """An IPv4 `0.0.0.0/0` route whose target is known to be `nat`."""
    if route.target != "nat" or route.target_ref is None or route.target_ref.key != nat.key:
        return False
    dest = route.destination
    net = parse_network(dest.value) if dest is not None and not dest.alternatives else None
    return net is not None and net.version == 4 and net.prefixlen == 0


def _repeated(model: Model, nat: NatGateway) -> bool:
    """Created by `count`/`for_each`: one address stands for several gateways."""
    raw = model.resources.get(nat.key)
    if raw is None or raw.framework != "terraform":
        return False
    count = raw.body.get("count")
    return raw.body.get("for_each") is not None or (
        count is not None and count.value != 1)


def _comparable(zones: dict[str, list[str]]) -> set[str]:
    """The zones of one kind (names like `eu-west-1a`, or IDs like `euw1-az1`), the larger set."""
    ids = {z for z in zones if "-az" in z}
    names = set(zones) - ids
    return ids if len(ids) > len(names) else names
