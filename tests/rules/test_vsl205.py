"""VSL205 gateway-endpoint-missing: exact findings on both frameworks' fixtures."""

import os

from helpers import FIXTURES, lint, rule_findings


def services(framework: str, case: str) -> set[tuple[str | None, str, int, str]]:
    """(resource, file, line, service) for each finding: one per service on a VPC's line."""
    base = FIXTURES / framework / "VSL205"
    target = base / case if (base / case).exists() else base / f"{case}.yaml"
    report = lint(target, select={"VSL205"})
    return {(f.resource, os.path.relpath(f.loc.path, base).replace(os.sep, "/"), f.loc.line,
             f.subject) for f in report.findings}


def test_terraform_fires_once_per_missing_service():
    assert rule_findings("VSL205", "terraform", "fire") == {
        ("VSL205", "aws_vpc.main_fire", "fire/network.tf", 2),
        ("VSL205", "aws_vpc.bare_fire", "fire/network.tf", 33),
        ("VSL205", "module.spoke.aws_vpc.this", "fire/modules/spoke/main.tf", 1),
    }
    assert services("terraform", "fire") == {
        ("aws_vpc.main_fire", "fire/network.tf", 2, "dynamodb"),
        ("aws_vpc.bare_fire", "fire/network.tf", 33, "s3"),
        ("aws_vpc.bare_fire", "fire/network.tf", 33, "dynamodb"),
        ("module.spoke.aws_vpc.this", "fire/modules/spoke/main.tf", 1, "s3"),
        ("module.spoke.aws_vpc.this", "fire/modules/spoke/main.tf", 1, "dynamodb"),
    }


def test_terraform_quiet():
    assert rule_findings("VSL205", "terraform", "quiet") == set()


def test_the_nat_route_tables_are_related_and_the_cost_is_explained():
    report = lint(FIXTURES / "terraform" / "VSL205" / "fire", select={"VSL205"})
    finding = next(f for f in report.findings if f.resource == "aws_vpc.main_fire")
    assert [(os.path.basename(r.loc.path), r.loc.line) for r in finding.related] == [
        ("network.tf", 15), ("network.tf", 23)]
    assert "per GB" in finding.message and "free" in finding.message


def test_cloudformation_fires_once_per_missing_service():
    assert services("cloudformation", "fire") == {
        ("VpcFire", "fire.yaml", 5, "s3"),
        ("VpcFire", "fire.yaml", 5, "dynamodb"),
        ("DynamoDbOnlyFire", "fire.yaml", 44, "dynamodb"),
    }
    assert rule_findings("VSL205", "cloudformation", "fire") == {
        ("VSL205", "VpcFire", "fire.yaml", 5),
        ("VSL205", "DynamoDbOnlyFire", "fire.yaml", 44),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL205", "cloudformation", "quiet") == set()
