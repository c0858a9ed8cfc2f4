"""VSL203 endpoint-policy-wildcard: exact findings on both frameworks' fixtures."""

from pathlib import Path

from helpers import FIXTURES, lint, rule_findings


def test_terraform_fires_on_every_policy_form():
    assert rule_findings("VSL203", "terraform", "fire") == {
        # jsonencode: the statement object
        ("VSL203", "aws_vpc_endpoint.s3_jsonencode_fire", "fire/endpoints.tf", 8),
        # heredoc: the statement's line inside the heredoc
        ("VSL203", "aws_vpc_endpoint.dynamodb_heredoc_fire", "fire/endpoints.tf", 28),
        # quoted JSON and file(): the policy attribute
        ("VSL203", "aws_vpc_endpoint.sqs_quoted_fire", "fire/endpoints.tf", 38),
        ("VSL203", "aws_vpc_endpoint.kms_file_fire", "fire/endpoints.tf", 45),
        # aws_vpc_endpoint_policy without policy, and with NotAction/NotResource
        ("VSL203", "aws_vpc_endpoint_policy.ecr_default_fire", "fire/endpoints.tf", 69),
        ("VSL203", "aws_vpc_endpoint_policy.sts_not_action_fire", "fire/endpoints.tf", 82),
        # a policy passed into a local module: the statement in the caller
        ("VSL203", "module.gateway.aws_vpc_endpoint.this", "fire/endpoints.tf", 97),
        # data.aws_iam_policy_document and a local in another file
        ("VSL203", "aws_vpc_endpoint.ssm_document_fire", "fire/policies.tf", 2),
        ("VSL203", "aws_vpc_endpoint.logs_local_fire", "fire/policies.tf", 16),
    }


def test_terraform_quiet():
    assert rule_findings("VSL203", "terraform", "quiet") == set()


def test_file_policy_names_the_statement_in_the_file_as_related():
    report = lint(FIXTURES / "terraform" / "VSL203" / "fire", select={"VSL203"})
    finding = next(f for f in report.findings if f.resource == "aws_vpc_endpoint.kms_file_fire")
    assert (Path(finding.related[0].loc.path).name, finding.related[0].loc.line) == (
        "allow_all.json", 4)


def test_cloudformation_fires_on_objects_strings_sub_and_conditions():
    assert rule_findings("VSL203", "cloudformation", "fire") == {
        ("VSL203", "S3ObjectFire", "fire.yaml", 26),
        ("VSL203", "DynamoDbSingleStatementFire", "fire.yaml", 39),
        ("VSL203", "SqsJsonStringFire", "fire.yaml", 51),
        ("VSL203", "KmsSubStringFire", "fire.yaml", 63),
        ("VSL203", "LogsBothBranchesFire", "fire.yaml", 74),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL203", "cloudformation", "quiet") == set()


def test_terraform_json_syntax():
    assert rule_findings("VSL203", "terraform", "tfjson") == {
        ("VSL203", "aws_vpc_endpoint.s3_string_fire", "tfjson/main.tf.json", 13),
        ("VSL203", "aws_vpc_endpoint.dynamodb_jsonencode_fire", "tfjson/main.tf.json", 18),
    }


def test_cloudformation_json_template():
    assert rule_findings("VSL203", "cloudformation", "json") == {
        ("VSL203", "S3ObjectFire", "json/template.json", 16),
        ("VSL203", "SqsStringFire", "json/template.json", 27),
    }
