"""VSL303 peering-route-wider-than-peer."""

from __future__ import annotations

from collections.abc import Iterator

from vpcsec_lint.findings import Finding, shown
from vpcsec_lint.model import Model
from vpcsec_lint.registry import Rule
from vpcsec_lint.routing import is_default, peering_routes, route_related, wider_parts


class PeeringRouteWiderThanPeer(Rule):
    """
    ## What it does
    Flags a route into a VPC peering connection whose destination strictly
    contains the peer VPC's CIDR (for example `10.0.0.0/8` to a `10.1.0.0/16`
    peer) and so also covers addresses outside the peer. A destination that
    the peer's CIDRs cover completely (several secondary CIDRs that add up to
    it) is not flagged, nor is a default route (VSL301 reports those).

    The same routes, destinations and peers as VSL301: `aws_route`, `route`
    blocks of `aws_route_table`, `AWS::EC2::Route`; IPv4, IPv6 and
    customer-managed prefix lists entry by entry. Unknown peer or unknown
    CIDRs: silence.

    ## Why is this bad?
    Only the peer's own range is reachable through a peering connection; the
    rest of the destination is dropped. A wide route also hides more specific
    needs (a third VPC, on-premises ranges inside `10.0.0.0/8`) behind a path
    that cannot carry them, and makes the route table lie about the network.

    ## Example
    ```yaml
    ToSharedServices:
      Type: AWS::EC2::Route
      Properties:
        RouteTableId: !Ref AppRouteTable
        DestinationCidrBlock: 10.0.0.0/8   # the peer is 10.1.0.0/16
        VpcPeeringConnectionId: !Ref AppToShared
    ```

    ## Use instead
    ```yaml
    ToSharedServices:
      Type: AWS::EC2::Route
      Properties:
        RouteTableId: !Ref AppRouteTable
        DestinationCidrBlock: !GetAtt SharedVpc.CidrBlock
        VpcPeeringConnectionId: !Ref AppToShared
    ```

    ## References
    - https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html
    - https://docs.aws.amazon.com/vpc/latest/peering/peering-configurations-partial-access.html
    """

    id = "VSL303"
    name = "peering-route-wider-than-peer"
    severity = "warning"
    summary = "A route into a peering connection that is wider than the peer VPC's CIDR."

    def check(self, model: Model) -> Iterator[Finding]:
        for item in peering_routes(model):
            for dest in item.destinations:
                parts = [wider_parts(n, p) for n in dest.networks for p in item.peers]
                if any(is_default(n) for n in dest.networks) or not parts \
                        or not all(parts):
                    continue
                inner = ", ".join(dict.fromkeys(str(n) for part in parts for n in part or []))
                peers = " or ".join(shown(p.resource) for p in item.peers if p is not None)
                what = shown(dest.text) if dest.prefix_list is None else \
                    f"entry {shown(dest.text)} of prefix list {shown(dest.prefix_list.resource)}"
                message = (f"Route to {what} through {item.connection} is wider than {peers} "
                           f"({inner}): only the peer's range is reachable and the rest is "
                           "dropped. Route exactly the peer's CIDR.")
                yield self.finding(model, item.loc, item.route.resource, message,
                                   route_related(item, dest))
                break
