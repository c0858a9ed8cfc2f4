"""The reach budgets: more subnet pairs than `MAX_PAIRS` for one question, more intents
than `MAX_INTENTS` in one unit. Each hit is a `budget` notice in the lint report (JSON
`summary.budgets`, the text summary) and in `vpcsec-lint reach` (text and JSON), and what
was not evaluated is unknown, never a finding. Inputs are generated to cross each limit."""

from __future__ import annotations

import json

import pytest
from helpers import lint, run_cli

from vpcsec_lint.reach.intents import MAX_INTENTS
from vpcsec_lint.reach.paths import MAX_PAIRS

APP_SUBNETS, DATA_SUBNETS = 16, 5  # 80 pairs: a Lambda's 16 subnets x a subnet group's 5
assert APP_SUBNETS * DATA_SUBNETS > MAX_PAIRS


def pairs_terraform() -> str:
    subnets = "".join(
        f'resource "aws_subnet" "s{i}" {{\n  vpc_id     = aws_vpc.main.id\n'
        f'  cidr_block = "10.0.{i}.0/24"\n}}\n' for i in range(APP_SUBNETS + DATA_SUBNETS))
    app = ", ".join(f"aws_subnet.s{i}.id" for i in range(APP_SUBNETS))
    data = ", ".join(f"aws_subnet.s{i}.id" for i in range(APP_SUBNETS, APP_SUBNETS
                                                          + DATA_SUBNETS))
    return f'''resource "aws_vpc" "main" {{
  cidr_block = "10.0.0.0/16"
}}
{subnets}
resource "aws_security_group" "fn" {{
  vpc_id = aws_vpc.main.id
}}
resource "aws_security_group" "db" {{
  vpc_id = aws_vpc.main.id
}}
resource "aws_db_subnet_group" "db" {{
  name       = "db"
  subnet_ids = [{data}]
}}
resource "aws_db_instance" "db" {{
  engine                 = "postgres"
  instance_class         = "db.t4g.micro"
  db_subnet_group_name   = aws_db_subnet_group.db.name
  vpc_security_group_ids = [aws_security_group.db.id]
}}
resource "aws_lambda_function" "fn" {{
  function_name = "fn"
  role          = "arn:aws:iam::123456789012:role/fn"
  vpc_config {{
    subnet_ids         = [{app}]
    security_group_ids = [aws_security_group.fn.id]
  }}
  environment {{
    variables = {{ DB_HOST = aws_db_instance.db.address }}
  }}
}}
'''


def pairs_cloudformation() -> str:
    lines = ["Resources:", "  Main:", "    Type: AWS::EC2::VPC",
             "    Properties: {CidrBlock: 10.0.0.0/16}"]
    for i in range(APP_SUBNETS + DATA_SUBNETS):
        lines += [f"  S{i}:", "    Type: AWS::EC2::Subnet",
                  f"    Properties: {{VpcId: !Ref Main, CidrBlock: 10.0.{i}.0/24}}"]
    app = ", ".join(f"!Ref S{i}" for i in range(APP_SUBNETS))
    data = ", ".join(f"!Ref S{i}" for i in range(APP_SUBNETS, APP_SUBNETS + DATA_SUBNETS))
    lines += [
        "  Fn:", "    Type: AWS::EC2::SecurityGroup",
        "    Properties: {GroupDescription: fn, VpcId: !Ref Main}",
        "  DbGroup:", "    Type: AWS::EC2::SecurityGroup",
        "    Properties: {GroupDescription: db, VpcId: !Ref Main}",
        "  DbSubnets:", "    Type: AWS::RDS::DBSubnetGroup",
        f"    Properties: {{DBSubnetGroupDescription: db, SubnetIds: [{data}]}}",
        "  Db:", "    Type: AWS::RDS::DBInstance",
        "    Properties:", "      Engine: postgres", "      DBInstanceClass: db.t4g.micro",
        "      DBSubnetGroupName: !Ref DbSubnets",
        "      VPCSecurityGroups: [!GetAtt DbGroup.GroupId]",
        "  Function:", "    Type: AWS::Lambda::Function", "    Properties:",
        "      Role: arn:aws:iam::123456789012:role/fn", "      Runtime: python3.12",
        "      Handler: index.handler", "      Code: {ZipFile: 'def handler(e, c): pass'}",
        f"      VpcConfig: {{SubnetIds: [{app}], SecurityGroupIds: [!Ref Fn]}}",
        "      Environment: {Variables: {DB_HOST: !GetAtt Db.Endpoint.Address}}"]
    return "\n".join(lines) + "\n"


def write(tmp_path, framework: str, text: str):
    if framework == "terraform":
        (tmp_path / "main.tf").write_text(text)
        return tmp_path
    path = tmp_path / "template.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("framework", ["terraform", "cloudformation"])
def test_more_subnet_pairs_than_the_budget_is_a_notice_and_unknown(tmp_path, framework):
    target = write(tmp_path, framework, pairs_terraform() if framework == "terraform"
                   else pairs_cloudformation())
    fn, db = ("aws_lambda_function.fn", "aws_db_instance.db") if framework == "terraform" \
        else ("Function", "Db")
    report = lint(target, select={"VSL601"})
    budgets = [n for n in report.notices if n.kind == "budget"]
    assert [(n.code, n.message) for n in budgets] == [(
        "reach-pairs", f"more than {MAX_PAIRS} subnet pairs from {fn} to {db} "
        f"({APP_SUBNETS * DATA_SUBNETS - MAX_PAIRS} not evaluated): analysed as unknown")]
    # The groups have no rules: every evaluated pair is blocked, the rest unknown: partial.
    assert {f.rule_id for f in report.findings} == {"VSL601"}

    result = run_cli("reach", "--from", fn, "--to", db, "--format", "json", str(target))
    doc = json.loads(result.stdout)
    assert result.returncode == 1 and doc["verdict"] == "partial"
    assert len(doc["paths"]) == MAX_PAIRS + 1
    assert [b["code"] for b in doc["budgets"]] == ["reach-pairs"]
    text = run_cli("reach", "--from", fn, "--to", db, str(target)).stdout
    assert f"more than {MAX_PAIRS} subnet pairs" in text.splitlines()[-1]
    assert text.splitlines()[-1].endswith("[reach-pairs]")

    listed = json.loads(run_cli("reach", "--format", "json", str(target)).stdout)
    assert [b["code"] for b in listed["budgets"]] == ["reach-pairs"]
    assert [b["code"] for b in listed["intents"][0]["budgets"]] == ["reach-pairs"]

    summary = run_cli("--format", "json", "--select", "VSL601", str(target))
    assert [b["code"] for b in json.loads(summary.stdout)["summary"]["budgets"]] == [
        "reach-pairs"]
    plain = run_cli("--select", "VSL601", str(target))
    assert "1 budget hit" in plain.stdout + plain.stderr


FUNCTIONS, STORES = 41, 50  # 2,050 intents: each function references each store


def intents_terraform() -> str:
    parts = ['resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n}\n'
             'resource "aws_subnet" "a" {\n  vpc_id     = aws_vpc.main.id\n'
             '  cidr_block = "10.0.1.0/24"\n}\n'
             'resource "aws_db_subnet_group" "db" {\n  name       = "db"\n'
             '  subnet_ids = [aws_subnet.a.id]\n}\n']
    for j in range(STORES):
        parts.append(f'resource "aws_db_instance" "db{j}" {{\n  engine               = '
                     f'"postgres"\n  instance_class       = "db.t4g.micro"\n'
                     f'  db_subnet_group_name = aws_db_subnet_group.db.name\n}}\n')
    env = ", ".join(f"DB{j} = aws_db_instance.db{j}.address" for j in range(STORES))
    for i in range(FUNCTIONS):
        parts.append(f'resource "aws_lambda_function" "fn{i}" {{\n  function_name = "fn{i}"\n'
                     f'  role          = "arn:aws:iam::123456789012:role/fn"\n'
                     f'  vpc_config {{\n    subnet_ids         = [aws_subnet.a.id]\n'
                     f'    security_group_ids = []\n  }}\n'
                     f'  environment {{\n    variables = {{ {env} }}\n  }}\n}}\n')
    return "".join(parts)


def intents_cloudformation() -> str:
    lines = ["Resources:", "  Main:", "    Type: AWS::EC2::VPC",
             "    Properties: {CidrBlock: 10.0.0.0/16}", "  A:", "    Type: AWS::EC2::Subnet",
             "    Properties: {VpcId: !Ref Main, CidrBlock: 10.0.1.0/24}",
             "  DbSubnets:", "    Type: AWS::RDS::DBSubnetGroup",
             "    Properties: {DBSubnetGroupDescription: db, SubnetIds: [!Ref A]}"]
    for j in range(STORES):
        lines += [f"  Db{j}:", "    Type: AWS::RDS::DBInstance",
                  "    Properties: {Engine: postgres, DBInstanceClass: db.t4g.micro, "
                  "DBSubnetGroupName: !Ref DbSubnets}"]
    env = ", ".join(f"DB{j}: !GetAtt Db{j}.Endpoint.Address" for j in range(STORES))
    for i in range(FUNCTIONS):
        lines += [f"  Fn{i}:", "    Type: AWS::Lambda::Function", "    Properties:",
                  "      Role: arn:aws:iam::123456789012:role/fn",
                  "      Runtime: python3.12", "      Handler: index.handler",
                  "      Code: {ZipFile: 'def handler(e, c): pass'}",
                  "      VpcConfig: {SubnetIds: [!Ref A], SecurityGroupIds: []}",
                  f"      Environment: {{Variables: {{{env}}}}}"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("framework", ["terraform", "cloudformation"])
def test_more_intents_than_the_budget_is_a_notice(tmp_path, framework):
    assert FUNCTIONS * STORES > MAX_INTENTS
    target = write(tmp_path, framework, intents_terraform() if framework == "terraform"
                   else intents_cloudformation())
    report = lint(target, select={"VSL601"})
    budgets = [n for n in report.notices if n.kind == "budget"]
    assert [n.code for n in budgets] == ["reach-intents"]
    assert budgets[0].message.startswith(
        f"more than {MAX_INTENTS:,} reachability intents in one unit "
        f"({FUNCTIONS * STORES - MAX_INTENTS:,} not evaluated, from ")
    listed = run_cli("reach", "--format", "json", str(target))
    doc = json.loads(listed.stdout)
    assert len(doc["intents"]) == MAX_INTENTS
    assert [b["code"] for b in doc["budgets"]] == ["reach-intents"]
    text = run_cli("reach", str(target)).stdout
    assert text.splitlines()[-1].endswith("[reach-intents]")
