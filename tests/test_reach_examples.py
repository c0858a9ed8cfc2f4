"""The example applications under `fixtures/terraform/examples/`: exact reachability findings."""

from helpers import FIXTURES, lint, triples

EXAMPLES = FIXTURES / "terraform" / "examples"
VSL6 = {"VSL601", "VSL602", "VSL603", "VSL604", "VSL605"}


def test_the_broken_lambda_app_has_its_three_mistakes_found():
    report = lint(EXAMPLES / "lambda-app" / "broken", select=VSL6)
    assert triples(report, EXAMPLES / "lambda-app") == {
        ("VSL601", "aws_security_group.db", "broken/app.tf", 13),
        ("VSL601", "aws_security_group.cache", "broken/app.tf", 25),
        ("VSL602", "aws_vpc_endpoint.secretsmanager", "broken/network.tf", 64),
    }


def test_its_fixed_twin_is_clean():
    assert lint(EXAMPLES / "lambda-app" / "fixed").findings == []


def test_fargate_in_private_subnets_needs_its_endpoints():
    report = lint(EXAMPLES / "fargate-private", select={"VSL602"})
    assert sorted(f.message.split(" (blocked)")[0] for f in report.findings) == [
        "aws_ecs_service.web cannot reach aws:ecr.dkr on tcp/443",
        "aws_ecs_service.web cannot reach aws:logs on tcp/443",
        "aws_ecs_service.web cannot reach aws:secretsmanager on tcp/443",
    ]
    assert {(f.loc.path.rsplit("/", 1)[-1], f.loc.line) for f in report.findings} == {
        ("service.tf", 67)}
    related = {r.message for f in report.findings for r in f.related}
    assert related == {"needed because container web pulls its image from Amazon ECR",
                       "needed because container web uses the awslogs driver",
                       "needed because secret of web is in Secrets Manager"}


def test_the_cloudformation_twin_finds_the_same_three_mistakes():
    base = FIXTURES / "cloudformation" / "examples" / "lambda-app"
    assert triples(lint(base / "broken.yaml", select=VSL6), base) == {
        ("VSL601", "DbSg", "broken.yaml", 54),
        ("VSL601", "CacheSg", "broken.yaml", 64),
        ("VSL602", "SecretsEndpoint", "broken.yaml", 92),
    }
    assert lint(base / "fixed.yaml").findings == []
