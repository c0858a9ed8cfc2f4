"""VSL603 nat-gateway-without-internet-route."""

from __future__ import annotations

from collections.abc import Iterator

from vpcsec_lint.findings import Finding, Flow, Related, shown
from vpcsec_lint.model import Model
from vpcsec_lint.registry import Rule


class NatGatewayWithoutInternetRoute(Rule):
    """
    ## What it does
    Flags a public zonal NAT gateway that a route table sends traffic to,
    when the route table of the NAT gateway's own subnet is known and its
    `0.0.0.0/0` route does not reach an internet gateway attached to the VPC
    (no default route, or one to something else). The finding is on that
    route table (or its default route), with the routes that use the NAT
    gateway as related locations. A private NAT gateway, a regional one, a
    route table that is not in the analysed files and a default route to a
    transit gateway or firewall endpoint are silence.

    ## Why is this bad?
    A public NAT gateway forwards to the internet through its own subnet's
    route table. Placed in a private subnet, it accepts the traffic of every
    subnet that routes to it and drops it: functions and tasks time out
    calling AWS APIs and third-party services, with nothing in the workload's
    own configuration to explain it.

    ## Example
    ```hcl
    resource "aws_nat_gateway" "main" {
      allocation_id = aws_eip.nat.id
      subnet_id     = aws_subnet.private_a.id   # a subnet without an internet route
    }
    ```

    ## Use instead
    ```hcl
    resource "aws_nat_gateway" "main" {
      allocation_id = aws_eip.nat.id
      subnet_id     = aws_subnet.public_a.id    # its table: 0.0.0.0/0 -> internet gateway
    }
    ```

    ## References
    - https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-scenarios.html
    - https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html
    - https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-troubleshooting.html
    """

    id = "VSL603"
    name = "nat-gateway-without-internet-route"
    severity = "error"
    summary = "A NAT gateway in use whose own subnet has no route to an internet gateway."
    terraform_types = ()  # findings name the hop that blocks a path, of any type
    cloudformation_types = ()

    def check(self, model: Model) -> Iterator[Finding]:
        from vpcsec_lint.reach.flows import hop_step
        from vpcsec_lint.reach.hops import BLOCKED
        from vpcsec_lint.reach.paths import nat_internet_hop

        users: dict[str, list[Related]] = {}
        for route in model.routes:
            key = route.target_ref.key if route.target == "nat" and route.target_ref else None
            if key in model.nat_gateways:
                where = route.target_ref.val.loc if route.target_ref and route.target_ref.val \
                    and route.target_ref.val.loc else route.loc
                users.setdefault(key, []).append(Related(
                    where, f"{route.resource} sends traffic to it"))
        for key, related in users.items():
            nat = model.nat_gateways[key]
            hop = nat_internet_hop(model, nat)
            if hop.status != BLOCKED or hop.loc is None:
                continue
            message = (f"{hop.detail}: the traffic routed to it is dropped. Route 0.0.0.0/0 "
                       "in that table to an internet gateway attached to the VPC, or move the "
                       "NAT gateway to a public subnet.")
            finding = self.finding(model, hop.loc, hop.resource, message,
                                   [Related(nat.loc, f"NAT gateway {nat.resource}"), *related])
            finding.flows = (Flow(shown(f"{nat.resource} -> internet: blocked", 300),
                                  (hop_step(hop),)),)
            yield finding
