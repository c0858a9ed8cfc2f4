"""VSL202 vpc-dns-disabled-for-private-dns: exact findings on both frameworks' fixtures."""

from helpers import rule_findings


def test_terraform_fires_on_omitted_explicit_variable_default_vpc_and_module_forms():
    assert rule_findings("VSL202", "terraform", "fire") == {
        ("VSL202", "aws_vpc.hostnames_omitted_fire", "fire/vpcs.tf", 7),
        ("VSL202", "aws_vpc.support_off_fire", "fire/vpcs.tf", 13),
        ("VSL202", "aws_vpc.both_off_fire", "fire/vpcs.tf", 19),
        ("VSL202", "aws_vpc.both_off_fire", "fire/vpcs.tf", 20),
        ("VSL202", "aws_default_vpc.default_fire", "fire/vpcs.tf", 24),
        ("VSL202", "module.network.aws_vpc.this", "fire/modules/network/main.tf", 7),
    }


def test_terraform_quiet():
    assert rule_findings("VSL202", "terraform", "quiet") == set()


def test_cloudformation_fires():
    assert rule_findings("VSL202", "cloudformation", "fire") == {
        ("VSL202", "HostnamesOmittedFire", "fire.yaml", 9),
        ("VSL202", "SupportOffFire", "fire.yaml", 16),
        ("VSL202", "BothOffFire", "fire.yaml", 22),
        ("VSL202", "BothOffFire", "fire.yaml", 23),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL202", "cloudformation", "quiet") == set()


def test_the_endpoints_are_related_locations():
    from helpers import FIXTURES, lint

    report = lint(FIXTURES / "terraform" / "VSL202" / "fire", select={"VSL202"})
    finding = next(f for f in report.findings if f.resource == "aws_vpc.hostnames_omitted_fire")
    assert sorted((r.loc.path.rsplit("/", 1)[-1], r.loc.line) for r in finding.related) == [
        ("endpoints.tf", 5), ("endpoints.tf", 12)]
