"""VSL302 peering-overlapping-cidr."""

from __future__ import annotations

from collections.abc import Iterator

from vpcsec_lint.findings import Finding, Related, shown
from vpcsec_lint.model import Model, Network
from vpcsec_lint.network.routes import networks_of
from vpcsec_lint.registry import Rule
from vpcsec_lint.values import Val


class PeeringOverlappingCidr(Rule):
    """
    ## What it does
    Flags a VPC peering connection (`aws_vpc_peering_connection`,
    `AWS::EC2::VPCPeeringConnection`) between two VPCs whose known IPv4 CIDRs
    overlap, primary or secondary (`aws_vpc_ipv4_cidr_block_association`,
    `AWS::EC2::VPCCidrBlock`). The finding points at the peer VPC attribute
    (`peer_vpc_id`/`PeerVpcId`). A CIDR or a VPC that cannot be resolved is
    silence; one known overlapping pair is enough.

    ## Why is this bad?
    AWS refuses to create (or to activate) a peering connection between VPCs
    with overlapping IPv4 CIDR blocks, and a secondary CIDR that overlaps
    cannot be added to a peered VPC: the deployment fails. Even where a
    workaround exists, overlapping ranges make routes ambiguous.

    ## Example
    ```hcl
    resource "aws_vpc" "app"    { cidr_block = "10.0.0.0/16" }
    resource "aws_vpc" "shared" { cidr_block = "10.0.0.0/20" }

    resource "aws_vpc_peering_connection" "app_shared" {
      vpc_id      = aws_vpc.app.id
      peer_vpc_id = aws_vpc.shared.id
    }
    ```

    ## Use instead
    ```hcl
    resource "aws_vpc" "shared" { cidr_block = "10.1.0.0/20" }  # a range of its own
    ```
    When the ranges cannot change, expose the one service through PrivateLink,
    which has no CIDR-overlap constraint.

    ## References
    - https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-limitations
    - https://docs.aws.amazon.com/vpc/latest/peering/invalid-peering-configurations.html#overlapping-cidr
    """

    id = "VSL302"
    name = "peering-overlapping-cidr"
    severity = "error"
    summary = "A peering connection between VPCs whose IPv4 CIDRs overlap."
    terraform_types = ("aws_vpc_peering_connection",)
    cloudformation_types = ("AWS::EC2::VPCPeeringConnection",)

    def check(self, model: Model) -> Iterator[Finding]:
        for peering in model.peerings.values():
            requester = model.vpc(peering.requester_vpc)
            accepter = model.vpc(peering.accepter_vpc)
            if requester is None or accepter is None or not (requester.known and accepter.known):
                continue
            pair = _overlap(requester.cidrs, accepter.cidrs)
            if pair is None:
                continue
            (left, left_val), (right, right_val) = pair
            message = (f"Peering connection {shown(peering.resource)} joins "
                       f"{shown(requester.resource)} ({left}) and {shown(accepter.resource)} "
                       f"({right}), whose IPv4 CIDRs "
                       "overlap: AWS rejects the peering. Give one VPC a range of its own, or "
                       "expose the service through PrivateLink, which allows overlap.")
            related = [Related(requester.loc, f"VPC {shown(requester.resource)}"),
                       Related(accepter.loc, f"VPC {shown(accepter.resource)}")]
            related += [Related(v.loc, f"CIDR {n}") for n, v in pair if v.loc is not None]
            related += [Related(o, "CIDR defined here") for v in (left_val, right_val)
                        for o in v.origins]
            yield self.finding(model, peering.peer_vpc_loc or peering.loc, peering.resource,
                               message, related)


def _ipv4(val: Val) -> tuple[Network, ...] | None:
    nets = networks_of(val)
    return nets if nets and all(n.version == 4 for n in nets) else None


def _overlap(left: list[Val], right: list[Val]) \
        -> tuple[tuple[Network, Val], tuple[Network, Val]] | None:
    """The first pair of CIDRs (one per side) that overlap in every branch."""
    for lval in left:
        lnets = _ipv4(lval)
        for rval in right:
            rnets = _ipv4(rval)
            if lnets and rnets and all(a.overlaps(b) for a in lnets for b in rnets):
                return (lnets[0], lval), (rnets[0], rval)
    return None
