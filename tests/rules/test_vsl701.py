"""VSL701 ecs-secrets-without-execution-role-access: exact findings on both frameworks."""

from helpers import FIXTURES, lint, rule_findings


def test_terraform_fires_on_managed_only_wrong_path_and_no_role():
    assert rule_findings("VSL701", "terraform", "fire") == {
        ("VSL701", "aws_ecs_task_definition.api", "fire/tasks.tf", 7),
        ("VSL701", "aws_ecs_task_definition.worker", "fire/tasks.tf", 23),
        ("VSL701", "aws_ecs_task_definition.no_role", "fire/tasks.tf", 35),
    }


def test_terraform_quiet():
    assert rule_findings("VSL701", "terraform", "quiet") == set()


def test_cloudformation_fires():
    assert rule_findings("VSL701", "cloudformation", "fire") == {
        ("VSL701", "ApiTask", "fire.yaml", 41),
        ("VSL701", "CronTask", "fire.yaml", 50),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL701", "cloudformation", "quiet") == set()


def test_messages_name_the_secret_and_the_task_role_trap():
    report = lint(FIXTURES / "terraform" / "VSL701" / "fire", select={"VSL701"})
    by_resource = {f.resource: f for f in report.findings}
    api = by_resource["aws_ecs_task_definition.api"]
    assert "not allowed secretsmanager:GetSecretValue on secret DB_PASSWORD" in api.message
    assert "The task role aws_iam_role.task has that permission" in api.message
    assert [(r.loc.path.rsplit("/", 1)[-1], r.loc.line) for r in api.related] == [
        ("iam.tf", 12), ("tasks.tf", 13)]
    worker = by_resource["aws_ecs_task_definition.worker"]
    assert "ssm:GetParameters on secret SHARED:" in worker.message  # OWN is allowed
    assert "Grant it to the execution role." in worker.message


def test_secret_with_resource_policy_or_json_key_suffix(tmp_path):
    (tmp_path / "main.tf").write_text("""
resource "aws_iam_role" "exec" {
  assume_role_policy = "{}"
  inline_policy {
    name = "s"
    policy = jsonencode({ Statement = [{ Effect = "Allow",
      Action = "secretsmanager:GetSecretValue",
      Resource = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf" }] })
  }
}
locals { prefix = "arn:aws:secretsmanager:eu-west-1:111122223333:secret" }
resource "aws_ecs_task_definition" "t" {
  execution_role_arn = aws_iam_role.exec.arn
  container_definitions = jsonencode([{ name = "a", image = "i", secrets = [
    { name = "P", valueFrom = "${local.prefix}:db-AbCdEf:password::" },
    { name = "Q", valueFrom = "${local.prefix}:other-AbCdEf" },
  ] }])
}
""")
    (finding,) = lint(tmp_path, select={"VSL701"}).findings
    assert "on secret Q:" in finding.message
    (tmp_path / "policy.tf").write_text("""
resource "aws_secretsmanager_secret_policy" "p" {
  secret_arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:other-AbCdEf"
  policy     = "{}"
}
""")
    assert lint(tmp_path, select={"VSL701"}).findings == []


def test_oversized_roles_and_secret_lists_are_unknown(tmp_path):
    statements = ", ".join(
        f'{{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::b{i}/*" }}'
        for i in range(1100))
    secrets = ", ".join(f'{{ name = "S{i}", valueFrom = "/p/{i}" }}' for i in range(1200))
    (tmp_path / "main.tf").write_text(f"""
resource "aws_iam_role" "big" {{
  assume_role_policy = "{{}}"
  inline_policy {{
    name   = "big"
    policy = jsonencode({{ Statement = [{statements}] }})
  }}
}}
resource "aws_iam_role" "empty" {{
  assume_role_policy = "{{}}"
}}
resource "aws_ecs_task_definition" "big_role" {{
  execution_role_arn    = aws_iam_role.big.arn
  container_definitions = jsonencode([{{ name = "a", image = "i",
    secrets = [{{ name = "P", valueFrom = "/p/x" }}] }}])
}}
resource "aws_ecs_task_definition" "many_secrets" {{
  execution_role_arn    = aws_iam_role.empty.arn
  container_definitions = jsonencode([{{ name = "a", image = "i", secrets = [{secrets}] }}])
}}
""")
    report = lint(tmp_path, select={"VSL701"})
    # Over 1,000 statements: the role is not a real one, so unknown. The first 1,000
    # secrets of the other task are still read (its role has no policy at all).
    assert [f.resource for f in report.findings] == ["aws_ecs_task_definition.many_secrets"]
    assert "and 997 more" in report.findings[0].message
