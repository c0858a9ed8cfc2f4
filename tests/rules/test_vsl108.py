"""VSL108 sg-quota-exceeded: exact findings on both frameworks' fixtures."""

from helpers import FIXTURES, lint, rule_findings


def test_terraform_fires_on_cidrs_prefix_list_size_and_six_groups_on_a_function_or_instance():
    assert rule_findings("VSL108", "terraform", "fire") == {
        ("VSL108", "aws_security_group.partners", "fire/main.tf", 72),
        ("VSL108", "aws_security_group.admin", "fire/main.tf", 89),
        ("VSL108", "aws_lambda_function.worker", "fire/main.tf", 145),
        ("VSL108", "aws_instance.bastion", "fire/main.tf", 156),
    }


def test_terraform_quiet():
    assert rule_findings("VSL108", "terraform", "quiet") == set()


def test_cloudformation_fires_on_ipv6_rules_and_a_database_with_six_groups():
    assert rule_findings("VSL108", "cloudformation", "fire") == {
        ("VSL108", "Partners", "fire.yaml", 9),
        ("VSL108", "Database", "fire.yaml", 107),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL108", "cloudformation", "quiet") == set()


def test_counts_in_messages():
    report = lint(FIXTURES / "cloudformation" / "VSL108" / "fire.yaml", select={"VSL108"})
    by_resource = {f.resource: f.message for f in report.findings}
    assert "at least 65 IPv6 inbound rules" in by_resource["Partners"]  # 40 CIDRs + 25 entries
    assert "Database has 6 security groups" in by_resource["Database"]


def test_aws_managed_prefix_list_weight_and_duplicates(tmp_path):
    cidrs = ", ".join(f'"192.0.2.{i}/32"' for i in range(6))
    (tmp_path / "main.tf").write_text(f"""
data "aws_ec2_managed_prefix_list" "cloudfront" {{
  name = "com.amazonaws.global.cloudfront.origin-facing"
}}
resource "aws_security_group" "web" {{
  ingress {{
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    prefix_list_ids = [data.aws_ec2_managed_prefix_list.cloudfront.id]
    cidr_blocks     = [{cidrs}]
  }}
  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [{cidrs}]
  }}
}}
""")
    (finding,) = lint(tmp_path, select={"VSL108"}).findings
    assert "at least 61 IPv4 inbound rules" in finding.message  # 55 + 6, duplicates once
