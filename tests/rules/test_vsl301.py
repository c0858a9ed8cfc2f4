"""VSL301 peering-transitive-route: exact findings on both frameworks' fixtures."""

from helpers import FIXTURES, lint, rule_findings


def test_terraform_fires_on_every_route_form():
    assert rule_findings("VSL301", "terraform", "fire") == {
        ("VSL301", "aws_route_table.a", "fire/routes.tf", 6),
        ("VSL301", "aws_route.a_to_c", "fire/routes.tf", 14),
        ("VSL301", "aws_route_table.b", "fire/routes.tf", 23),
        ("VSL301", "aws_route.a_v6_default", "fire/routes.tf", 35),
        ("VSL301", "aws_route.a_v6_other", "fire/routes.tf", 41),
        ("VSL301", "aws_route.a_to_corp", "fire/routes.tf", 61),
        ("VSL301", "aws_route.a_to_next_to_secondary", "fire/routes.tf", 68),
        ("VSL301", "aws_route.unknown_table", "fire/routes.tf", 79),
        ("VSL301", "aws_route.default_to_partner", "fire/routes.tf", 86),
        ("VSL301", "aws_route.main_table_to_c", "fire/routes.tf", 93),
        ("VSL301", "aws_default_route_table.a", "fire/routes.tf", 106),
        ("VSL301", "aws_route.a_to_b_via_shared", "fire/routes.tf", 114),
        ("VSL301", "aws_route.a_to_partners", "fire/routes.tf", 132),
        ("VSL301", "aws_route.either_branch", "fire/routes.tf", 143),
    }


def test_terraform_quiet():
    assert rule_findings("VSL301", "terraform", "quiet") == set()


def test_cloudformation_fires_on_every_route_form():
    assert rule_findings("VSL301", "cloudformation", "fire") == {
        ("VSL301", "ToCThroughBFire", "fire.yaml", 54),
        ("VSL301", "DefaultRouteFire", "fire.yaml", 60),
        ("VSL301", "FromBToCThroughAFire", "fire.yaml", 66),
        ("VSL301", "Ipv6DefaultFire", "fire.yaml", 72),
        ("VSL301", "Ipv6OtherFire", "fire.yaml", 78),
        ("VSL301", "PrefixListFire", "fire.yaml", 93),
        ("VSL301", "NextToSecondaryFire", "fire.yaml", 99),
        ("VSL301", "UnknownTableFire", "fire.yaml", 105),
        ("VSL301", "UnknownPeeringDefaultFire", "fire.yaml", 111),
        ("VSL301", "EitherBranchFire", "fire.yaml", 117),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL301", "cloudformation", "quiet") == set()


def _messages(path) -> dict[str, str]:
    return {f.resource: f.message for f in lint(path, select={"VSL301"}).findings}


def test_message_names_the_destination_vpc_and_the_fixes():
    messages = _messages(FIXTURES / "terraform" / "VSL301" / "fire")
    to_c = messages["aws_route.a_to_c"]
    assert "10.2.0.0/16 (in aws_vpc.c)" in to_c
    assert "whose peer is aws_vpc.b (10.1.0.0/16, 100.64.0.0/16)" in to_c
    for fix in ("peer the two VPCs directly", "Transit Gateway", "PrivateLink"):
        assert fix in to_c
    # A VPC from a local module is named by its full address.
    assert "10.9.0.0/16 (in module.shared.aws_vpc.main)" in messages["aws_default_route_table.a"]
    assert "entry 192.168.0.0/16 of prefix list aws_ec2_managed_prefix_list.corp" \
        in messages["aws_route.a_to_corp"]
    assert "whose VPCs are aws_vpc.a (10.0.0.0/16) and aws_vpc.b" \
        in messages["aws_route.unknown_table"]


def test_related_locations_point_at_the_peering_and_the_peer():
    report = lint(FIXTURES / "cloudformation" / "VSL301" / "fire.yaml", select={"VSL301"})
    finding = next(f for f in report.findings if f.resource == "ToCThroughBFire")
    assert {(r.loc.line, r.message) for r in finding.related} == {
        (33, "peering connection PeeringAB"),
        (15, "peer VPC VpcB"),
        (29, "10.2.0.0/16 belongs to VPC VpcC"),
        (6, "destination defined here"),  # the parameter default
    }
