"""VSL204 endpoint-policy-missing: exact findings on both frameworks' fixtures."""

from helpers import rule_findings


def test_terraform_fires_on_gateway_interface_null_and_module_endpoints():
    assert rule_findings("VSL204", "terraform", "fire") == {
        ("VSL204", "aws_vpc_endpoint.s3_gateway_fire", "fire/endpoints.tf", 1),
        ("VSL204", "aws_vpc_endpoint.dynamodb_gateway_fire", "fire/endpoints.tf", 6),
        ("VSL204", "aws_vpc_endpoint.secretsmanager_null_policy_fire", "fire/endpoints.tf", 12),
        ("VSL204", "module.ecr.aws_vpc_endpoint.this", "fire/modules/endpoint/main.tf", 5),
    }


def test_terraform_quiet_on_policies_unknowns_unlisted_services_and_other_types():
    assert rule_findings("VSL204", "terraform", "quiet") == set()


def test_cloudformation_fires():
    assert rule_findings("VSL204", "cloudformation", "fire") == {
        ("VSL204", "S3GatewayFire", "fire.yaml", 9),
        ("VSL204", "SqsInterfaceFire", "fire.yaml", 14),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL204", "cloudformation", "quiet") == set()
