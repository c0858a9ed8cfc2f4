"""VSL603 nat-gateway-without-internet-route: exact findings on both frameworks' fixtures."""

from helpers import FIXTURES, lint, rule_findings


def test_terraform_fires_on_the_main_table_and_on_a_default_route_elsewhere():
    assert rule_findings("VSL603", "terraform", "fire") == {
        ("VSL603", "aws_subnet.private_a", "fire/main.tf", 9),
        ("VSL603", "aws_route_table.private_b", "fire/main.tf", 42),
    }


def test_terraform_quiet():
    assert rule_findings("VSL603", "terraform", "quiet") == set()


def test_cloudformation_fires():
    assert rule_findings("VSL603", "cloudformation", "fire") == {
        ("VSL603", "PrivateA", "fire.yaml", 17),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL603", "cloudformation", "quiet") == set()


def test_related_names_the_nat_gateway_and_its_users():
    report = lint(FIXTURES / "terraform" / "VSL603" / "fire", select={"VSL603"})
    finding = next(f for f in report.findings if f.resource == "aws_route_table.private_b")
    assert "sends 0.0.0.0/0 to a NAT gateway, not to an internet gateway" in finding.message
    assert [(r.loc.line, r.message) for r in finding.related] == [
        (34, "NAT gateway aws_nat_gateway.b"),
        (60, "aws_route.app_default sends traffic to it")]
