"""VSL606 role-service-unreachable: exact findings on both frameworks' fixtures."""

from helpers import FIXTURES, lint, rule_findings


def test_terraform_fires_once_per_service_the_role_allows():
    report = lint(FIXTURES / "terraform" / "VSL606" / "fire", select={"VSL606"})
    assert sorted((f.loc.line, f.message.split(" (blocked)")[0]) for f in report.findings) == [
        (40, "aws_lambda_function.worker cannot reach aws:dynamodb on tcp/443"),
        (40, "aws_lambda_function.worker cannot reach aws:sns on tcp/443")]
    assert {r.message for f in report.findings for r in f.related} == {
        "needed because role aws_iam_role.fn allows dynamodb:PutItem",
        "needed because role aws_iam_role.fn allows sns:Publish"}


def test_terraform_quiet():
    assert rule_findings("VSL606", "terraform", "quiet") == set()


def test_cloudformation_fires():
    assert rule_findings("VSL606", "cloudformation", "fire") == {
        ("VSL606", "Worker", "fire.yaml", 26)}
    report = lint(FIXTURES / "cloudformation" / "VSL606" / "fire.yaml", select={"VSL606"})
    assert len(report.findings) == 2


def test_cloudformation_quiet():
    assert rule_findings("VSL606", "cloudformation", "quiet") == set()
