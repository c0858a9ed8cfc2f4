"""VSL102 sg-hardcoded-host-ip: exact findings on both frameworks' fixtures."""

from helpers import rule_findings


def test_terraform_fires_on_every_source_form():
    assert rule_findings("VSL102", "terraform", "fire") == {
        ("VSL102", "aws_security_group.db", "fire/groups.tf", 9),
        ("VSL102", "aws_security_group_rule.ssh_from_bastion", "fire/groups.tf", 20),
        ("VSL102", "aws_vpc_security_group_ingress_rule.metrics", "fire/groups.tf", 29),
        ("VSL102", "aws_vpc_security_group_ingress_rule.metrics_v6", "fire/groups.tf", 36),
        ("VSL102", "aws_security_group.elsewhere", "fire/groups.tf", 47),
        ("VSL102", "aws_security_group.elsewhere", "fire/groups.tf", 54),
        ("VSL102", "aws_security_group.shared", "fire/groups.tf", 66),
    }


def test_terraform_quiet():
    assert rule_findings("VSL102", "terraform", "quiet") == set()


def test_cloudformation_fires_on_every_source_form():
    assert rule_findings("VSL102", "cloudformation", "fire") == {
        ("VSL102", "DbSecurityGroupFire", "fire.yaml", 36),
        ("VSL102", "ParameterHostFire", "fire.yaml", 49),
        ("VSL102", "SecondaryHostFire", "fire.yaml", 55),
        ("VSL102", "Ipv6HostFire", "fire.yaml", 63),
        ("VSL102", "ImportedVpcGroupFire", "fire.yaml", 73),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL102", "cloudformation", "quiet") == set()
