"""VSL605 data-store-internet-exposed: exact findings on both frameworks' fixtures."""

from helpers import FIXTURES, lint, rule_findings


def test_terraform_fires_on_the_public_access_setting():
    assert rule_findings("VSL605", "terraform", "fire") == {
        ("VSL605", "aws_db_instance.orders", "fire/db.tf", 5),
    }


def test_terraform_quiet():
    assert rule_findings("VSL605", "terraform", "quiet") == set()


def test_cloudformation_fires():
    assert rule_findings("VSL605", "cloudformation", "fire") == {
        ("VSL605", "Orders", "fire.yaml", 66),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL605", "cloudformation", "quiet") == set()


def test_related_are_the_route_and_the_open_group():
    report = lint(FIXTURES / "terraform" / "VSL605" / "fire", select={"VSL605"})
    [finding] = report.findings
    assert {(r.loc.path.rsplit("/", 1)[-1], r.loc.line) for r in finding.related} == {
        ("network.tf", 22), ("network.tf", 43)}
