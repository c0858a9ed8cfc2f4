"""VSL502 nat-gateway-single-az: exact findings on both frameworks' fixtures."""

from helpers import FIXTURES, lint, rule_findings


def test_terraform_fires_on_one_table_for_two_zones():
    assert rule_findings("VSL502", "terraform", "fire") == {
        ("VSL502", "aws_nat_gateway.main", "fire/main.tf", 32),
    }


def test_terraform_quiet():
    assert rule_findings("VSL502", "terraform", "quiet") == set()


def test_cloudformation_fires_on_two_tables_to_one_gateway():
    assert rule_findings("VSL502", "cloudformation", "fire") == {
        ("VSL502", "NatGateway", "fire.yaml", 31),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL502", "cloudformation", "quiet") == set()


def test_related_routes_and_zones_in_message():
    report = lint(FIXTURES / "cloudformation" / "VSL502" / "fire.yaml", select={"VSL502"})
    (finding,) = report.findings
    assert "subnets in 2 Availability Zones (us-east-1a, us-east-1b)" in finding.message
    assert [(r.loc.line, r.message) for r in finding.related] == [
        (44, "default route of PrivateTableA"), (50, "default route of PrivateTableB")]


def test_regional_and_repeated_gateways_are_not_reported(tmp_path):
    fire = (FIXTURES / "terraform" / "VSL502" / "fire" / "main.tf").read_text()
    regional = fire.replace("  subnet_id     = aws_subnet.public_a.id\n",
                            "  vpc_id        = aws_vpc.main.id\n")
    (tmp_path / "main.tf").write_text(regional)
    assert lint(tmp_path, select={"VSL502"}).findings == []
    repeated = fire.replace('resource "aws_nat_gateway" "main" {\n',
                            'resource "aws_nat_gateway" "main" {\n  count = 2\n')
    (tmp_path / "main.tf").write_text(repeated)
    assert lint(tmp_path, select={"VSL502"}).findings == []
