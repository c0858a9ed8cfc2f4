"""VSL104 endpoint-sg-missing-https: exact findings on both frameworks' fixtures."""

from helpers import rule_findings


def test_terraform_fires_on_every_group_form():
    assert rule_findings("VSL104", "terraform", "fire") == {
        ("VSL104", "aws_vpc_endpoint.secretsmanager", "fire/endpoints.tf", 6),
        ("VSL104", "aws_vpc_endpoint.ssm", "fire/endpoints.tf", 15),
        ("VSL104", "aws_vpc_endpoint.logs", "fire/endpoints.tf", 24),
        ("VSL104", "aws_vpc_endpoint.sts", "fire/endpoints.tf", 33),
    }


def test_terraform_quiet():
    assert rule_findings("VSL104", "terraform", "quiet") == set()


def test_cloudformation_fires_on_every_group_form():
    assert rule_findings("VSL104", "cloudformation", "fire") == {
        ("VSL104", "SecretsManagerEndpointFire", "fire.yaml", 59),
        ("VSL104", "LogsEndpointFire", "fire.yaml", 68),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL104", "cloudformation", "quiet") == set()
