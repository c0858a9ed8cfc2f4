"""VSL303 peering-route-wider-than-peer: exact findings on both frameworks' fixtures."""

from helpers import FIXTURES, lint, rule_findings


def test_terraform_fires_on_every_route_form():
    assert rule_findings("VSL303", "terraform", "fire") == {
        ("VSL303", "aws_route_table.a", "fire/routes.tf", 14),
        ("VSL303", "aws_route.a_to_ten", "fire/routes.tf", 22),
        ("VSL303", "aws_route.a_to_cgnat", "fire/routes.tf", 38),
        ("VSL303", "aws_route_table.b", "fire/routes.tf", 47),
        ("VSL303", "aws_route.unknown_table", "fire/routes.tf", 56),
    }


def test_terraform_quiet():
    assert rule_findings("VSL303", "terraform", "quiet") == set()


def test_cloudformation_fires_on_every_route_form():
    assert rule_findings("VSL303", "cloudformation", "fire") == {
        ("VSL303", "TenSlashEightFire", "fire.yaml", 43),
        ("VSL303", "Ipv6Fire", "fire.yaml", 49),
        ("VSL303", "PrefixListFire", "fire.yaml", 64),
        ("VSL303", "FromBFire", "fire.yaml", 70),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL303", "cloudformation", "quiet") == set()


def test_wide_routes_are_not_also_transitive():
    """A route wider than the peer overlaps it: VSL303's finding, never VSL301's."""
    for path in (FIXTURES / "terraform" / "VSL303" / "fire",
                 FIXTURES / "cloudformation" / "VSL303" / "fire.yaml"):
        assert lint(path, select={"VSL301"}).findings == []


def test_message_names_the_peer_range():
    report = lint(FIXTURES / "terraform" / "VSL303" / "fire", select={"VSL303"})
    message = next(f.message for f in report.findings if f.resource == "aws_route.a_to_ten")
    assert message.startswith("Route to 10.0.0.0/8 through peering connection "
                              "aws_vpc_peering_connection.a_b is wider than aws_vpc.b "
                              "(10.1.0.0/16)")
