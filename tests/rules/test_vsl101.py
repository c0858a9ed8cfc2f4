"""VSL101 sg-vpc-cidr-source: exact findings on both frameworks' fixtures."""

from helpers import rule_findings


def test_terraform_fires_on_every_source_form():
    assert rule_findings("VSL101", "terraform", "fire") == {
        ("VSL101", "aws_security_group.db", "fire/groups.tf", 10),
        ("VSL101", "aws_security_group_rule.cache_from_vpc", "fire/groups.tf", 26),
        ("VSL101", "aws_vpc_security_group_ingress_rule.api_from_secondary", "fire/groups.tf", 35),
        ("VSL101", "aws_vpc_security_group_ingress_rule.all_from_assoc", "fire/groups.tf", 42),
        ("VSL101", "aws_security_group.web", "fire/groups.tf", 52),
        ("VSL101", "aws_security_group.shared", "fire/groups.tf", 63),
        ("VSL101", "aws_security_group.from_module", "fire/groups.tf", 74),
    }


def test_terraform_quiet():
    assert rule_findings("VSL101", "terraform", "quiet") == set()


def test_cloudformation_fires_on_every_source_form():
    assert rule_findings("VSL101", "cloudformation", "fire") == {
        ("VSL101", "DbSecurityGroupFire", "fire.yaml", 31),
        ("VSL101", "CacheIngressFire", "fire.yaml", 44),
        ("VSL101", "LiteralSecondaryFire", "fire.yaml", 50),
        ("VSL101", "Ipv6Fire", "fire.yaml", 58),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL101", "cloudformation", "quiet") == set()
