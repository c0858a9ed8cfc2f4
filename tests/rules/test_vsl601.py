"""VSL601 dependency-unreachable: exact findings on both frameworks' fixtures."""

from helpers import FIXTURES, lint, rule_findings


def test_terraform_fires_on_egress_partial_ingress_and_no_vpc():
    assert rule_findings("VSL601", "terraform", "fire") == {
        ("VSL601", "aws_security_group.api", "fire/app.tf", 2),
        ("VSL601", "aws_security_group.cache", "fire/app.tf", 29),
        ("VSL601", "aws_lambda_function.report", "fire/app.tf", 86),
    }


def test_terraform_quiet():
    assert rule_findings("VSL601", "terraform", "quiet") == set()


def test_cloudformation_fires():
    assert rule_findings("VSL601", "cloudformation", "fire") == {
        ("VSL601", "Api", "fire.yaml", 44),
        ("VSL601", "Cache", "fire.yaml", 75),
        ("VSL601", "ReportFunction", "fire.yaml", 129),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL601", "cloudformation", "quiet") == set()


def test_partial_names_the_failing_subnet_and_the_origin():
    report = lint(FIXTURES / "terraform" / "VSL601" / "fire", select={"VSL601"})
    cache = next(f for f in report.findings if f.resource == "aws_security_group.cache")
    assert "(partial from aws_subnet.app_b (eu-west-1b))" in cache.message
    assert "Fix: allow ingress tcp/6379 on aws_security_group.cache from " \
           "aws_security_group.worker" in cache.message
    assert [(r.loc.line, r.message) for r in cache.related] == [
        (80, "needed because REDIS_HOST references "
             "aws_elasticache_replication_group.sessions.primary_endpoint_address")]
