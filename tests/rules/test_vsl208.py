"""VSL208 endpoint-service-region-hardcoded: exact findings on both frameworks' fixtures."""

from helpers import FIXTURES, lint, rule_findings


def test_terraform_fires_when_the_provider_region_is_a_variable():
    assert rule_findings("VSL208", "terraform", "fire") == {
        ("VSL208", "aws_vpc_endpoint.s3", "fire/main.tf", 17),
    }


def test_terraform_quiet():
    assert rule_findings("VSL208", "terraform", "quiet") == set()


def test_cloudformation_fires_on_a_literal_region():
    assert rule_findings("VSL208", "cloudformation", "fire") == {
        ("VSL208", "SecretsEndpoint", "fire.yaml", 18),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL208", "cloudformation", "quiet") == set()


def test_messages_give_the_framework_fix():
    tf = lint(FIXTURES / "terraform" / "VSL208" / "fire", select={"VSL208"}).findings[0]
    assert "its provider's region is not a literal" in tf.message
    assert 'Use "com.amazonaws.${data.aws_region.current.name}.s3".' in tf.message
    assert [(r.loc.line, r.message) for r in tf.related] == [(7, "region set here")]
    cfn = lint(FIXTURES / "cloudformation" / "VSL208" / "fire.yaml", select={"VSL208"})
    assert "Use !Sub com.amazonaws.${AWS::Region}.secretsmanager." in cfn.findings[0].message


def test_module_without_provider_and_literal_provider(tmp_path):
    endpoint = ('resource "aws_vpc_endpoint" "s3" {\n  vpc_id = "vpc-1"\n'
                '  service_name = "com.amazonaws.eu-west-1.s3"\n}\n')
    (tmp_path / "main.tf").write_text(endpoint)
    (finding,) = lint(tmp_path, select={"VSL208"}).findings
    assert "no provider region is set in the code" in finding.message
    (tmp_path / "provider.tf").write_text('provider "aws" {\n  region = "eu-west-1"\n}\n')
    assert lint(tmp_path, select={"VSL208"}).findings == []
