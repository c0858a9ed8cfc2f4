"""VSL606 role-service-unreachable: exact findings on both frameworks' fixtures."""

from helpers import FIXTURES, lint, rule_findings


def test_terraform_fires_once_per_service_the_role_allows():
    report = lint(FIXTURES / "terraform" / "VSL606" / "fire", select={"VSL606"})
    assert sorted((f.loc.path.rsplit("/", 1)[-1], f.loc.line,
                   f.message.split(" (blocked)")[0]) for f in report.findings) == [
        ("network.tf", 40, "aws_lambda_function.worker cannot reach aws:dynamodb on tcp/443"),
        ("network.tf", 40, "aws_lambda_function.worker cannot reach aws:sns on tcp/443"),
        # An Auto Scaling group's instances run with its launch template's instance profile.
        ("scaling.tf", 42, "aws_autoscaling_group.web cannot reach aws:sqs on tcp/443")]
    assert {r.message for f in report.findings for r in f.related} == {
        "needed because role aws_iam_role.fn allows dynamodb:PutItem",
        "needed because role aws_iam_role.fn allows sns:Publish",
        "needed because role aws_iam_role.web allows sqs:SendMessage"}


def test_terraform_quiet():
    assert rule_findings("VSL606", "terraform", "quiet") == set()


def test_cloudformation_fires():
    assert rule_findings("VSL606", "cloudformation", "fire") == {
        ("VSL606", "Worker", "fire.yaml", 26), ("VSL606", "Web", "fire.yaml", 78)}
    report = lint(FIXTURES / "cloudformation" / "VSL606" / "fire.yaml", select={"VSL606"})
    assert sorted(f.message.split(" (blocked)")[0] for f in report.findings) == [
        "Web cannot reach aws:sqs on tcp/443", "Worker cannot reach aws:dynamodb on tcp/443",
        "Worker cannot reach aws:sns on tcp/443"]


def test_cloudformation_quiet():
    assert rule_findings("VSL606", "cloudformation", "quiet") == set()
