"""The three-tier examples: every rule through one realistic application per framework."""

from helpers import FIXTURES, lint, triples

TERRAFORM = {
    ("VSL101", "aws_security_group.db", "data.tf", 10),
    ("VSL103", "aws_elasticache_replication_group.sessions", "data.tf", 42),
    ("VSL201", "aws_vpc_endpoint.kms", "endpoints.tf", 31),
    ("VSL202", "aws_vpc.app", "network.tf", 13),
    ("VSL203", "aws_vpc_endpoint.secrets", "endpoints.tf", 22),
    ("VSL204", "aws_vpc_endpoint.kms", "endpoints.tf", 31),
    ("VSL205", "aws_vpc.app", "network.tf", 13),
    ("VSL301", "aws_route.to_onprem", "peering.tf", 23),
    ("VSL501", "aws_lambda_function.api", "app.tf", 14),
    # The "public" subnet has no route to an internet gateway (there is none).
    ("VSL603", "aws_subnet.public", "network.tf", 30),
}

CLOUDFORMATION = {
    ("VSL101", "DbSecurityGroup", "three-tier.yaml", 105),
    ("VSL103", "SessionCache", "three-tier.yaml", 135),
    ("VSL201", "KmsEndpoint", "three-tier.yaml", 163),
    ("VSL202", "AppVpc", "three-tier.yaml", 13),
    ("VSL203", "SecretsEndpoint", "three-tier.yaml", 158),
    ("VSL204", "KmsEndpoint", "three-tier.yaml", 163),
    ("VSL205", "AppVpc", "three-tier.yaml", 13),
    ("VSL301", "RouteToOnPrem", "three-tier.yaml", 75),
    ("VSL501", "ApiFunction", "three-tier.yaml", 91),
    ("VSL603", "PublicSubnet", "three-tier.yaml", 30),
}


def test_terraform_three_tier():
    base = FIXTURES / "terraform" / "examples" / "three-tier"
    report = lint(base)
    assert triples(report, base) == TERRAFORM
    # VSL205 reports S3 and DynamoDB separately on the same VPC.
    assert sum(f.rule_id == "VSL205" for f in report.findings) == 2


def test_cloudformation_three_tier():
    path = FIXTURES / "cloudformation" / "examples" / "three-tier.yaml"
    report = lint(path)
    assert triples(report, path.parent) == CLOUDFORMATION
    assert sum(f.rule_id == "VSL205" for f in report.findings) == 2


def test_both_frameworks_find_the_same_mistakes():
    assert sorted(r for r, *_ in TERRAFORM) == sorted(r for r, *_ in CLOUDFORMATION)
