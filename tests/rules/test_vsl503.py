"""VSL503 service-discovery-a-record-needs-awsvpc: exact findings on both frameworks."""

from helpers import FIXTURES, lint, rule_findings


def test_terraform_fires_on_bridge_and_default_mode():
    assert rule_findings("VSL503", "terraform", "fire") == {
        ("VSL503", "aws_ecs_service.api", "fire/main.tf", 33),
        ("VSL503", "aws_ecs_service.worker", "fire/main.tf", 66),
    }


def test_terraform_quiet():
    assert rule_findings("VSL503", "terraform", "quiet") == set()


def test_cloudformation_fires_on_host_mode():
    assert rule_findings("VSL503", "cloudformation", "fire") == {
        ("VSL503", "Service", "fire.yaml", 34),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL503", "cloudformation", "quiet") == set()


def test_message_and_related_records_and_mode():
    report = lint(FIXTURES / "terraform" / "VSL503" / "fire", select={"VSL503"})
    finding = next(f for f in report.findings if f.resource == "aws_ecs_service.worker")
    assert "with AAAA records" in finding.message
    assert "uses the bridge (the default) network mode" in finding.message
    assert [(r.loc.line, r.message) for r in finding.related] == [
        (46, "AAAA record"), (52, "network mode bridge (the default)")]
    cfn = lint(FIXTURES / "cloudformation" / "VSL503" / "fire.yaml", select={"VSL503"})
    assert "SRV records with ContainerName and ContainerPort." in cfn.findings[0].message
