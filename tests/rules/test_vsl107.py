"""VSL107 data-store-open-to-anywhere: exact findings on both frameworks' fixtures."""

from helpers import FIXTURES, lint, rule_findings


def test_terraform_fires_on_port_and_all_traffic():
    assert rule_findings("VSL107", "terraform", "fire") == {
        ("VSL107", "aws_security_group.db", "fire/main.tf", 11),
        ("VSL107", "aws_vpc_security_group_ingress_rule.cache_all", "fire/main.tf", 31),
        ("VSL107", "aws_security_group_rule.queue_range", "fire/main.tf", 51),
    }


def test_terraform_quiet():
    assert rule_findings("VSL107", "terraform", "quiet") == set()


def test_cloudformation_fires():
    assert rule_findings("VSL107", "cloudformation", "fire") == {
        ("VSL107", "DbSecurityGroup", "fire.yaml", 17),
        ("VSL107", "FsIngress", "fire.yaml", 38),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL107", "cloudformation", "quiet") == set()


def test_message_names_the_store_and_its_port_and_relates_the_attachment():
    report = lint(FIXTURES / "terraform" / "VSL107" / "fire", select={"VSL107"})
    finding = next(f for f in report.findings
                   if f.resource == "aws_security_group_rule.queue_range")
    assert "tcp/5000-6000 from 0.0.0.0/0 reaches Amazon MQ broker aws_mq_broker.events " \
        "(port 5671)" in finding.message
    assert [(r.loc.line, r.message) for r in finding.related] == [
        (59, "aws_mq_broker.events uses this security group")]


def test_one_finding_per_rule_for_several_stores(tmp_path):
    (tmp_path / "main.tf").write_text("""
resource "aws_security_group" "db" {
  ingress {
    from_port   = 0
    to_port     = 65535
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_db_instance" "a" {
  engine                 = "mysql"
  vpc_security_group_ids = [aws_security_group.db.id]
}
resource "aws_docdb_cluster" "b" {
  vpc_security_group_ids = [aws_security_group.db.id]
}
""")
    (finding,) = lint(tmp_path, select={"VSL107"}).findings
    assert "RDS instance aws_db_instance.a (all ports), DocumentDB cluster " \
        "aws_docdb_cluster.b (all ports)" in finding.message


def test_cluster_members_are_reported_through_their_cluster(tmp_path):
    (tmp_path / "main.tf").write_text("""
resource "aws_security_group" "db" {
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_rds_cluster" "main" {
  engine                 = "aurora-postgresql"
  vpc_security_group_ids = [aws_security_group.db.id]
}
resource "aws_rds_cluster_instance" "one" {
  cluster_identifier = aws_rds_cluster.main.id
  engine             = "aurora-postgresql"
}
""")
    (finding,) = lint(tmp_path, select={"VSL107"}).findings
    assert "reaches RDS cluster aws_rds_cluster.main (port 5432):" in finding.message
