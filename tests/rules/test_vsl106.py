"""VSL106 sg-supernet-source: exact findings on both frameworks' fixtures."""

from helpers import rule_findings


def test_terraform_fires_on_every_source_form():
    assert rule_findings("VSL106", "terraform", "fire") == {
        ("VSL106", "aws_security_group.db", "fire/main.tf", 26),
        ("VSL106", "aws_security_group_rule.db_from_corporate", "fire/main.tf", 37),
        ("VSL106", "aws_vpc_security_group_ingress_rule.api_from_b", "fire/main.tf", 46),
        ("VSL106", "aws_vpc_security_group_ingress_rule.api_v6", "fire/main.tf", 53),
        ("VSL106", "aws_security_group.web", "fire/main.tf", 64),
    }


def test_terraform_quiet():
    assert rule_findings("VSL106", "terraform", "quiet") == set()


def test_cloudformation_fires_on_every_source_form():
    assert rule_findings("VSL106", "cloudformation", "fire") == {
        ("VSL106", "DbSecurityGroupFire", "fire.yaml", 31),
        ("VSL106", "ParameterIngressFire", "fire.yaml", 44),
        ("VSL106", "BothBranchesWideFire", "fire.yaml", 50),
        ("VSL106", "Ipv6Fire", "fire.yaml", 58),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL106", "cloudformation", "quiet") == set()
