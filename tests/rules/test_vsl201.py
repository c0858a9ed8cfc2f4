"""VSL201 endpoint-private-dns-disabled: exact findings on both frameworks' fixtures."""

from helpers import rule_findings


def test_terraform_fires_on_default_explicit_variable_conditional_and_module_forms():
    assert rule_findings("VSL201", "terraform", "fire") == {
        ("VSL201", "aws_vpc_endpoint.ssm_default_fire", "fire/endpoints.tf", 1),
        ("VSL201", "aws_vpc_endpoint.kms_explicit_fire", "fire/endpoints.tf", 11),
        ("VSL201", "aws_vpc_endpoint.logs_unknown_region_fire", "fire/endpoints.tf", 18),
        ("VSL201", "aws_vpc_endpoint.ecr_local_fire", "fire/endpoints.tf", 25),
        ("VSL201", "aws_vpc_endpoint.sagemaker_fire", "fire/endpoints.tf", 32),
        ("VSL201", "module.sts.aws_vpc_endpoint.this", "fire/modules/endpoint/main.tf", 17),
    }


def test_terraform_quiet_on_gateway_vpce_s3_unknown_and_private_zone_cases():
    assert rule_findings("VSL201", "terraform", "quiet") == set()


def test_cloudformation_fires():
    assert rule_findings("VSL201", "cloudformation", "fire") == {
        ("VSL201", "SsmDefaultFire", "fire.yaml", 19),
        ("VSL201", "KmsExplicitFire", "fire.yaml", 30),
        ("VSL201", "LogsParameterFire", "fire.yaml", 37),
        ("VSL201", "EcrBothBranchesFire", "fire.yaml", 44),
        ("VSL201", "SageMakerFire", "fire.yaml", 51),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL201", "cloudformation", "quiet") == set()
