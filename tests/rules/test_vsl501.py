"""VSL501 lambda-single-az: exact findings on both frameworks' fixtures."""

from helpers import FIXTURES, lint, rule_findings


def test_terraform_fires_on_one_subnet_and_one_zone():
    assert rule_findings("VSL501", "terraform", "fire") == {
        ("VSL501", "aws_lambda_function.one_subnet", "fire/functions.tf", 6),
        ("VSL501", "aws_lambda_function.same_zone", "fire/functions.tf", 16),
        ("VSL501", "aws_lambda_function.one_unknown_subnet", "fire/functions.tf", 26),
        ("VSL501", "aws_lambda_function.from_local", "fire/functions.tf", 40),
    }


def test_terraform_quiet():
    assert rule_findings("VSL501", "terraform", "quiet") == set()


def test_cloudformation_fires_including_sam_globals():
    assert rule_findings("VSL501", "cloudformation", "fire") == {
        ("VSL501", "FromGlobalsFire", "fire.yaml", 19),
        ("VSL501", "OneSubnetFire", "fire.yaml", 53),
        ("VSL501", "SameZoneFire", "fire.yaml", 65),
        ("VSL501", "FromParameterFire", "fire.yaml", 77),
        ("VSL501", "EitherBranchFire", "fire.yaml", 88),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL501", "cloudformation", "quiet") == set()


def test_same_zone_message_and_related_subnets():
    report = lint(FIXTURES / "terraform" / "VSL501" / "fire", select={"VSL501"})
    finding = next(f for f in report.findings if f.resource == "aws_lambda_function.same_zone")
    assert "through 2 subnets that are all in eu-west-1a" in finding.message
    assert {(r.loc.path.rsplit("/", 1)[-1], r.loc.line, r.message) for r in finding.related} \
        == {("network.tf", 12, "aws_subnet.private_a is in eu-west-1a"),
            ("network.tf", 18, "aws_subnet.private_a2 is in eu-west-1a")}
