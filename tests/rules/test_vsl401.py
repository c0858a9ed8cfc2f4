"""VSL401 nacl-missing-ephemeral-return: exact findings on both frameworks' fixtures."""

from helpers import FIXTURES, lint, rule_findings


def test_terraform_fires_on_inline_and_standalone_rules():
    assert rule_findings("VSL401", "terraform", "fire") == {
        ("VSL401", "aws_network_acl.web", "fire/acls.tf", 9),
        ("VSL401", "aws_network_acl.bastion", "fire/acls.tf", 32),
        ("VSL401", "aws_network_acl.dual_stack", "fire/acls.tf", 73),
        ("VSL401", "aws_network_acl.internal", "fire/acls.tf", 96),
        ("VSL401", "aws_network_acl.attribute_syntax", "fire/acls.tf", 120),
        ("VSL401", "aws_network_acl_rule.db_in_postgres", "fire/db_rules.tf", 7),
    }


def test_terraform_quiet():
    assert rule_findings("VSL401", "terraform", "quiet") == set()


def test_cloudformation_fires():
    assert rule_findings("VSL401", "cloudformation", "fire") == {
        ("VSL401", "WebInHttpsFire", "fire.yaml", 13),
        ("VSL401", "WebInHttpsV6Fire", "fire.yaml", 24),
        ("VSL401", "DbInPostgresFire", "fire.yaml", 51),
        ("VSL401", "AdminInAllFire", "fire.yaml", 87),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL401", "cloudformation", "quiet") == set()


def test_message_names_the_sources_without_a_return_path():
    report = lint(FIXTURES / "terraform" / "VSL401" / "fire", select={"VSL401"})
    messages = {f.resource: f.message for f in report.findings}
    assert messages["aws_network_acl.web"].startswith(
        "Network ACL aws_network_acl.web admits inbound TCP 443 from 0.0.0.0/0 (rule 100), "
        "but its outbound rules do not allow TCP 1024-65535 back to all of 0.0.0.0/0")
    assert "back to all of 10.0.0.0/16 (not to 10.0.0.0/24, 10.0.2.0/23, 10.0.4.0/22 and 5 " \
        "more)" in messages["aws_network_acl_rule.db_in_postgres"]
    assert "admits inbound all traffic from 10.0.0.0/8" in messages["aws_network_acl.internal"]
