"""VSL207 endpoint-service-region-mismatch: exact findings on both frameworks' fixtures."""

from helpers import FIXTURES, lint, rule_findings


def test_terraform_fires_on_provider_alias_and_cross_region_misuse():
    assert rule_findings("VSL207", "terraform", "fire") == {
        ("VSL207", "aws_vpc_endpoint.s3", "fire/main.tf", 17),
        ("VSL207", "aws_vpc_endpoint.sqs", "fire/main.tf", 25),
        ("VSL207", "aws_vpc_endpoint.sqs_cross_region", "fire/main.tf", 33),
    }


def test_terraform_quiet():
    assert rule_findings("VSL207", "terraform", "quiet") == set()


def test_cloudformation_fires_when_rules_fix_the_region():
    assert rule_findings("VSL207", "cloudformation", "fire") == {
        ("VSL207", "S3Endpoint", "fire.yaml", 17),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL207", "cloudformation", "quiet") == set()


def test_related_region_and_module_providers(tmp_path):
    report = lint(FIXTURES / "terraform" / "VSL207" / "fire", select={"VSL207"})
    sqs = next(f for f in report.findings if f.resource == "aws_vpc_endpoint.sqs")
    assert [(r.loc.line, r.message) for r in sqs.related] == [(7, "region us-east-1 set here")]
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "main.tf").write_text(
        'resource "aws_vpc_endpoint" "s3" {\n'
        '  vpc_id       = "vpc-1"\n'
        '  service_name = "com.amazonaws.eu-west-1.s3"\n}\n')
    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  region = "eu-west-1"\n}\n'
        'provider "aws" {\n  alias  = "ohio"\n  region = "us-east-2"\n}\n'
        'module "here" {\n  source = "./net"\n}\n'
        'module "there" {\n  source    = "./net"\n  providers = { aws = aws.ohio }\n}\n')
    findings = lint(tmp_path / "main.tf", select={"VSL207"}).findings
    assert [f.resource for f in findings] == ["module.there.aws_vpc_endpoint.s3"]
