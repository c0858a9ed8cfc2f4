"""VSL206 vpc-dns-support-disabled: exact findings on both frameworks' fixtures."""

from helpers import rule_findings


def test_terraform_fires_on_literal_variable_conditional_and_default_vpc():
    assert rule_findings("VSL206", "terraform", "fire") == {
        ("VSL206", "aws_vpc.literal_fire", "fire/main.tf", 13),
        ("VSL206", "aws_vpc.variable_fire", "fire/main.tf", 18),
        ("VSL206", "aws_vpc.both_branches_fire", "fire/main.tf", 23),
        ("VSL206", "aws_default_vpc.default_fire", "fire/main.tf", 27),
    }


def test_terraform_quiet():
    assert rule_findings("VSL206", "terraform", "quiet") == set()


def test_cloudformation_fires_on_literal_parameter_condition_and_mapping():
    assert rule_findings("VSL206", "cloudformation", "fire") == {
        ("VSL206", "LiteralFire", "fire.yaml", 20),
        ("VSL206", "ParameterFire", "fire.yaml", 25),
        ("VSL206", "BothBranchesFire", "fire.yaml", 30),
        ("VSL206", "MappingFire", "fire.yaml", 35),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL206", "cloudformation", "quiet") == set()
