"""VSL601 dependency-unreachable: exact findings on both frameworks' fixtures."""

from helpers import FIXTURES, lint, rule_findings, triples


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


def test_internal_load_balancers_one_finding_per_blocked_listener_in_both_frameworks():
    """The reach `compute` twins: a function calls internal load balancers by DNS name."""
    terraform = FIXTURES / "terraform" / "reach"
    assert triples(lint(terraform / "compute", select={"VSL601"}), terraform) == {
        ("VSL601", "aws_security_group.alb", "compute/groups.tf", 14),
        ("VSL601", "aws_security_group.alb_closed", "compute/groups.tf", 26),
    }
    cloudformation = FIXTURES / "cloudformation" / "reach"
    report = lint(cloudformation / "compute.yaml", select={"VSL601"})
    assert triples(report, cloudformation) == {
        ("VSL601", "AlbSg", "compute.yaml", 58), ("VSL601", "AlbClosedSg", "compute.yaml", 65)}
    assert sorted(f.message.split(" (blocked)")[0] for f in report.findings) == [
        "ClientFn cannot reach ApiLb on tcp/80", "ClientFn cannot reach ClosedLb on tcp/443"]
    assert {r.message for f in report.findings for r in f.related} == {
        "needed because API_HOST references ApiLb.DNSName (listener on port 80)",
        "needed because CLOSED_HOST references ClosedLb.DNSName (listener on port 443)"}
