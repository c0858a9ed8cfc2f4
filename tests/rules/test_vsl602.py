"""VSL602 aws-api-unreachable: exact findings on both frameworks' fixtures."""

from helpers import FIXTURES, lint, rule_findings


def test_terraform_fires_on_no_route_and_on_a_public_subnet():
    assert rule_findings("VSL602", "terraform", "fire") == {
        ("VSL602", "aws_lambda_function.worker", "fire/main.tf", 59),
        ("VSL602", "aws_lambda_function.api", "fire/main.tf", 74),
    }


def test_terraform_quiet():
    assert rule_findings("VSL602", "terraform", "quiet") == set()


def test_cloudformation_fires_including_sam():
    assert rule_findings("VSL602", "cloudformation", "fire") == {
        ("VSL602", "Worker", "fire.yaml", 60),
        ("VSL602", "Api", "fire.yaml", 74),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL602", "cloudformation", "quiet") == set()


def test_message_names_the_endpoint_first_and_the_origin_is_related():
    report = lint(FIXTURES / "terraform" / "VSL602" / "fire", select={"VSL602"})
    worker = next(f for f in report.findings if f.resource == "aws_lambda_function.worker")
    assert "cannot reach aws:sqs on tcp/443 (blocked)" in worker.message
    assert "Fix: add an interface endpoint for com.amazonaws.<region>.sqs with private DNS " \
           "on" in worker.message
    assert [(r.loc.line, r.message) for r in worker.related] == [
        (64, "needed because QUEUE_URL references aws_sqs_queue.jobs")]
    api = next(f for f in report.findings if f.resource == "aws_lambda_function.api")
    assert "never has a public IPv4 address" in api.message
