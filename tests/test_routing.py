"""Peering-route helpers: branches, peers, CIDR families and coverage."""

from __future__ import annotations

import ipaddress

from vpcsec_lint.model import Model, Peering, Ref, Vpc
from vpcsec_lint.network.peering import far_sides
from vpcsec_lint.network.routes import networks_of
from vpcsec_lint.routing import (
    always_present,
    family_networks,
    outside,
    owner_vpc,
    wider_parts,
)
from vpcsec_lint.terraform.build import build_model
from vpcsec_lint.terraform.loader import load_module
from vpcsec_lint.values import UNKNOWN, Location, Val

LOC = Location("main.tf", 1)
net = ipaddress.ip_network


def vpc(key: str, *cidrs, ipv6=(), known=True) -> Vpc:
    v = Vpc(key, "terraform", LOC, key, known=known)
    v.cidrs = [Val(c) for c in cidrs]
    v.ipv6_cidrs = [Val(c) for c in ipv6]
    return v


def peering(requester: str | None, accepter: str | None) -> Peering:
    return Peering("pcx", "terraform", LOC, "pcx", requester_vpc=Ref(requester, None),
                   accepter_vpc=Ref(accepter, None))


def test_always_present_needs_a_value_in_every_branch():
    assert always_present(Val("pcx-1"))
    assert always_present(Val(UNKNOWN))  # set to something we cannot see
    assert not always_present(None)
    assert not always_present(Val(None))
    assert not always_present(Val(""))
    assert not always_present(Val(UNKNOWN, alternatives=(Val("pcx-1"), Val(None))))
    # CloudFormation drops an AWS::NoValue branch: one alternative left.
    assert not always_present(Val(UNKNOWN, alternatives=(Val("pcx-1"),)))
    assert always_present(Val(UNKNOWN, alternatives=(Val("pcx-1"), Val("pcx-2"))))


def test_networks_of_every_branch_or_none():
    assert networks_of(Val("10.0.0.0/16")) == (net("10.0.0.0/16"),)
    assert networks_of(Val(UNKNOWN, alternatives=(Val("10.0.0.0/16"), Val("::/0")))) \
        == (net("10.0.0.0/16"), net("::/0"))
    assert networks_of(Val(UNKNOWN, alternatives=(Val("10.0.0.0/16"), Val(UNKNOWN)))) is None
    assert networks_of(Val("pl-123")) is None


def test_peer_is_the_side_that_is_not_the_tables_vpc():
    assert far_sides(peering("a", "b"), "a") == ("b",)
    assert far_sides(peering("a", "b"), "b") == ("a",)
    assert far_sides(peering("a", "b"), None) == ("a", "b")
    # One side unknown: a table in the known side has an unknown peer ...
    assert far_sides(peering("a", None), "a") == (None,)
    # ... and a table elsewhere must be in the unknown side, so the known side is the peer.
    assert far_sides(peering("a", None), "c") == ("a",)
    assert far_sides(peering(None, "b"), "c") == ("b",)
    assert far_sides(peering("a", "b"), "c") == (None,)


def test_family_networks_needs_every_cidr_of_that_family():
    assert family_networks(vpc("a", "10.0.0.0/16", "100.64.0.0/16"), 4) \
        == [net("10.0.0.0/16"), net("100.64.0.0/16")]
    assert family_networks(vpc("a", "10.0.0.0/16", UNKNOWN), 4) is None
    assert family_networks(vpc("a", "10.0.0.0/16"), 6) is None  # no IPv6 we can see
    assert family_networks(vpc("a", "10.0.0.0/16", known=False), 4) is None
    assert family_networks(None, 4) is None


def test_outside_and_wider():
    peer = vpc("b", "10.2.0.0/16", "10.3.0.0/16")
    assert outside(net("10.9.0.0/16"), peer)
    assert not outside(net("10.2.5.0/24"), peer)
    assert not outside(net("10.9.0.0/16"), vpc("b", "10.2.0.0/16", UNKNOWN))
    assert not outside(net("10.9.0.0/16"), None)
    assert wider_parts(net("10.0.0.0/8"), peer) == [net("10.2.0.0/16"), net("10.3.0.0/16")]
    assert wider_parts(net("10.2.0.0/15"), peer) is None  # exactly the peer's two ranges
    assert wider_parts(net("10.2.0.0/16"), peer) is None
    assert wider_parts(net("10.9.0.0/16"), peer) is None


def test_owner_is_the_narrowest_known_vpc():
    model = Model("terraform", ".")
    model.vpcs = {"wide": vpc("wide", "10.0.0.0/8"), "c": vpc("c", "10.2.0.0/16"),
                  "b": vpc("b", "10.1.0.0/16")}
    assert owner_vpc(model, net("10.2.1.0/24"), set()).key == "c"
    assert owner_vpc(model, net("10.2.1.0/24"), {"c"}).key == "wide"
    assert owner_vpc(model, net("192.168.0.0/16"), set()) is None


def test_route_table_attribute_syntax_and_default_route_table(tmp_path):
    """`route = [...]` and `aws_default_route_table` inline routes reach the model."""
    (tmp_path / "main.tf").write_text('''
resource "aws_vpc" "a" { cidr_block = "10.0.0.0/16" }
resource "aws_route_table" "attr" {
  vpc_id = aws_vpc.a.id
  route = [{ cidr_block = "10.2.0.0/16", vpc_peering_connection_id = "pcx-1" }]
}
resource "aws_default_route_table" "d" {
  default_route_table_id = aws_vpc.a.default_route_table_id
  route {
    cidr_block                = "10.3.0.0/16"
    vpc_peering_connection_id = "pcx-1"
  }
}
''')
    unit = load_module(str(tmp_path))
    model = build_model(unit.root, unit.resources)
    assert {(r.resource, r.destination.value, r.peering.val.value, r.destination.loc.line)
            for r in model.routes} == {("aws_route_table.attr", "10.2.0.0/16", "pcx-1", 5),
                                        ("aws_default_route_table.d", "10.3.0.0/16", "pcx-1", 10)}
    assert model.route_tables["aws_default_route_table.d"].vpc.key == "aws_vpc.a"
