"""VSL302 peering-overlapping-cidr: exact findings on both frameworks' fixtures."""

from helpers import FIXTURES, lint, rule_findings


def test_terraform_fires_on_primary_secondary_and_module_cidrs():
    assert rule_findings("VSL302", "terraform", "fire") == {
        ("VSL302", "aws_vpc_peering_connection.app_reporting", "fire/peering.tf", 4),
        ("VSL302", "aws_vpc_peering_connection.batch_analytics", "fire/peering.tf", 10),
        ("VSL302", "aws_vpc_peering_connection.app_shared", "fire/peering.tf", 16),
    }


def test_terraform_quiet():
    assert rule_findings("VSL302", "terraform", "quiet") == set()


def test_cloudformation_fires_on_primary_and_secondary_cidrs():
    assert rule_findings("VSL302", "cloudformation", "fire") == {
        ("VSL302", "PrimaryOverlapFire", "fire.yaml", 33),
        ("VSL302", "SecondaryOverlapFire", "fire.yaml", 38),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL302", "cloudformation", "quiet") == set()


def test_message_and_related_locations():
    report = lint(FIXTURES / "terraform" / "VSL302" / "fire", select={"VSL302"})
    finding = next(f for f in report.findings
                   if f.resource == "aws_vpc_peering_connection.app_reporting")
    assert "aws_vpc.app (10.0.0.0/16) and aws_vpc.reporting (10.0.0.0/20)" in finding.message
    assert {(r.loc.path.rsplit("/", 1)[-1], r.loc.line, r.message) for r in finding.related} == {
        ("vpcs.tf", 5, "VPC aws_vpc.app"),
        ("vpcs.tf", 9, "VPC aws_vpc.reporting"),
        ("vpcs.tf", 6, "CIDR 10.0.0.0/16"),
        ("vpcs.tf", 10, "CIDR 10.0.0.0/20"),
        ("vpcs.tf", 2, "CIDR defined here"),  # the variable default
    }
