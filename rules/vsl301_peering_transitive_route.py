"""VSL301 peering-transitive-route."""

from __future__ import annotations

from collections.abc import Iterator

from vpcsec_lint.findings import Finding, Related, shown
from vpcsec_lint.model import Model
from vpcsec_lint.network.routes import Destination
from vpcsec_lint.registry import Rule
from vpcsec_lint.resource_types import ROUTE_CFN, ROUTE_TF
from vpcsec_lint.routing import (
    PeeringRoute,
    describe_vpc,
    is_default,
    outside,
    owner_vpc,
    peering_routes,
    route_related,
)

FIXES = ("peer the two VPCs directly, connect them through a Transit Gateway, or expose "
         "the one service through PrivateLink")


class PeeringTransitiveRoute(Rule):
    """
    ## What it does
    Flags a route into a VPC peering connection whose destination does not
    overlap the peer VPC at all (VPC C's range through the A–B peering), and
    any default route (`0.0.0.0/0`, `::/0`) into a peering connection.

    Routes come from `aws_route`, the `route` blocks (or `route = [...]`
    attribute) of `aws_route_table` and `AWS::EC2::Route`; destinations are
    IPv4 or IPv6 CIDRs or customer-managed prefix lists
    (`aws_ec2_managed_prefix_list`, `AWS::EC2::PrefixList`), checked entry by
    entry. The peer is the side of the connection that is not the route
    table's VPC, with its secondary CIDRs; a target that names an
    `aws_vpc_peering_connection_accepter` is followed to its connection. When
    the table's VPC is unknown, only a destination outside the CIDRs of both
    VPCs is flagged. Default routes are flagged even when the peer is unknown;
    otherwise an unknown peer, an unknown CIDR or an AWS-managed prefix list
    is silence.

    ## Why is this bad?
    VPC peering is non-transitive and has no edge-to-edge routing: a peering
    connection carries traffic only between the two VPCs it joins. A packet
    for a third VPC, an on-premises network or the internet is dropped at the
    peer, so the route looks right in the console and nothing ever arrives.

    ## Example
    ```hcl
    resource "aws_route" "to_c" {
      route_table_id            = aws_route_table.a.id
      destination_cidr_block    = "10.2.0.0/16"  # VPC C, peered only with B
      vpc_peering_connection_id = aws_vpc_peering_connection.a_to_b.id
    }
    ```

    ## Use instead
    ```hcl
    resource "aws_vpc_peering_connection" "a_to_c" {
      vpc_id      = aws_vpc.a.id
      peer_vpc_id = aws_vpc.c.id
    }

    resource "aws_route" "to_c" {
      route_table_id            = aws_route_table.a.id
      destination_cidr_block    = aws_vpc.c.cidr_block
      vpc_peering_connection_id = aws_vpc_peering_connection.a_to_c.id
    }
    ```
    Or attach both VPCs to a Transit Gateway, or reach the one service in C
    through an interface endpoint (PrivateLink).

    ## References
    - https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html
    - https://docs.aws.amazon.com/vpc/latest/peering/invalid-peering-configurations.html#transitive-peering
    """

    id = "VSL301"
    name = "peering-transitive-route"
    severity = "error"
    summary = "A route into a peering connection for a destination outside the peer VPC."
    terraform_types = ROUTE_TF
    cloudformation_types = ROUTE_CFN

    def check(self, model: Model) -> Iterator[Finding]:
        for item in peering_routes(model):
            bad = [d for d in item.destinations if all(
                is_default(n) or all(outside(n, p) for p in item.peers) for n in d.networks)]
            if not bad:
                continue
            dest = bad[0]
            message, related = _explain(model, item, dest)
            others = [shown(d.text) for d in bad[1:]]
            if others:
                message += f" The same holds for {', '.join(others)}."
            yield self.finding(model, item.loc, item.route.resource, message,
                               [*route_related(item, dest), *related])


def _peers(item: PeeringRoute, version: int) -> str:
    return " and ".join(describe_vpc(p, version) for p in item.peers)


def _explain(model: Model, item: PeeringRoute, dest: Destination) -> tuple[str, list[Related]]:
    net = dest.networks[0]
    what = f"entry {shown(dest.text)} of prefix list {shown(dest.prefix_list.resource)}" \
        if dest.prefix_list is not None else shown(dest.text)
    if all(is_default(n) for n in dest.networks):
        peer = describe_vpc(item.peers[0], net.version) if len(item.peers) == 1 \
            else "the peer VPC"
        return (f"Default route {what} points at {item.connection}: peering carries only "
                f"traffic between its two VPCs (no transitive or edge-to-edge routing), so "
                f"everything not addressed to {peer} is dropped. Route "
                f"only the peer's CIDR to the peering; for anything else, {FIXES}."), []
    exclude = {p.key for p in item.peers if p is not None}
    owner = owner_vpc(model, net, exclude) if len(dest.networks) == 1 else None
    where = f" (in {shown(owner.resource)})" if owner is not None else ""
    sides = "peer is" if len(item.peers) == 1 else "VPCs are"
    message = (f"Route to {what}{where} points at {item.connection}, whose {sides} "
               f"{_peers(item, net.version)}: peering is not transitive, so traffic for "
               f"{'another VPC' if owner is not None else 'a network outside the peer'} is "
               f"dropped. To reach {shown(owner.resource) if owner is not None else 'it'}, "
               f"{FIXES}.")
    related = [Related(owner.loc, f"{shown(dest.text)} belongs to VPC {shown(owner.resource)}")] \
        if owner is not None else []
    return message, related
