"""Peering connections: their two VPCs, which one is the peer, whether one joins two VPCs.

A peering connection carries traffic only between its requester and accepter VPCs, and a
route into it is valid only in a route table of one of them:
https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html
"""

from __future__ import annotations

from typing import Any

from vpcsec_lint.model import Peering
from vpcsec_lint.values import UNKNOWN


def ends(peering: Peering) -> tuple[str | None, str | None]:
    """The keys of the requester and accepter VPCs (None: a side we cannot follow)."""
    return peering.requester_vpc.key, peering.accepter_vpc.key


def far_sides(peering: Peering, own: str | None) -> tuple[str | None, ...]:
    """The far side(s) of `peering` seen from a route table in VPC `own` (None: unknown)."""
    requester, accepter = ends(peering)
    if own is None:
        return (requester, accepter)
    if own == requester:
        return (accepter,)
    if own == accepter:
        return (requester,)
    # The table's VPC must be one side: if only one side is known and it is not the
    # table's VPC, the table's VPC is the unknown side and the known side is the peer.
    if requester is None and accepter is not None:
        return (accepter,)
    if accepter is None and requester is not None:
        return (requester,)
    return (None,)


def joins(peering: Peering, here: str, there: str) -> Any:
    """True, False or UNKNOWN: does `peering` connect exactly VPCs `here` and `there`?"""
    sides = set(ends(peering))
    if sides == {here, there}:
        return True
    return UNKNOWN if None in sides else False
