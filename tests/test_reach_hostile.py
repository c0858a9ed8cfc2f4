"""Reachability on hostile input: escaped messages, bounded work, unknown on parse errors."""

import shutil

from helpers import FIXTURES, lint

from vpcsec_lint.reach.paths import MAX_PAIRS, evaluate
from vpcsec_lint.reach.session import load_models

VSL602_FIRE = FIXTURES / "terraform" / "VSL602" / "fire"


def test_a_hostile_variable_name_is_escaped_in_the_message(tmp_path):
    shutil.copytree(VSL602_FIRE, tmp_path, dirs_exist_ok=True)
    main = tmp_path / "main.tf"
    main.write_text(main.read_text().replace('QUEUE_URL = aws_sqs_queue.jobs.url',
                                             '"Q\\u001b[31m\\u202e" = aws_sqs_queue.jobs.url'))
    report = lint(tmp_path, select={"VSL602"})
    worker = next(f for f in report.findings if f.resource == "aws_lambda_function.worker")
    related = worker.related[0].message
    assert "\x1b" not in related and "\u202e" not in related
    assert "Q\\x1b[31m\\u202e references aws_sqs_queue.jobs" in related


def test_a_file_that_does_not_parse_makes_blocked_hops_unknown(tmp_path):
    shutil.copytree(VSL602_FIRE, tmp_path, dirs_exist_ok=True)
    (tmp_path / "routes.tf").write_text('resource "aws_route" "x" {\n  route_table_id = \n')
    report = lint(tmp_path, select={"VSL602", "VSL000"})
    assert {f.rule_id for f in report.findings} == {"VSL000"}


def test_hundreds_of_subnets_stay_bounded(tmp_path):
    subnets = "\n".join(
        f'resource "aws_subnet" "s{i}" {{\n  vpc_id     = aws_vpc.main.id\n'
        f'  cidr_block = "10.{i // 200}.{i % 200}.0/24"\n}}\n' for i in range(300))
    refs = ", ".join(f"aws_subnet.s{i}.id" for i in range(300))
    (tmp_path / "main.tf").write_text(f'''
resource "aws_vpc" "main" {{
  cidr_block = "10.0.0.0/8"
}}
{subnets}
resource "aws_security_group" "g" {{
  vpc_id = aws_vpc.main.id
}}
resource "aws_lambda_function" "fn" {{
  function_name = "fn"
  role          = "arn:aws:iam::123456789012:role/fn"
  vpc_config {{
    subnet_ids         = [{refs}]
    security_group_ids = [aws_security_group.g.id]
  }}
}}
resource "aws_instance" "db" {{
  ami                    = "ami-12345678"
  subnet_id              = aws_subnet.s299.id
  vpc_security_group_ids = [aws_security_group.g.id]
}}
''')
    analysed = load_models([str(tmp_path)])
    model, source = analysed.resolve("aws_lambda_function.fn")
    _, target = analysed.resolve("aws_instance.db")
    answer = evaluate(model, source, target, 5432)
    assert len(answer.paths) == MAX_PAIRS + 1
    assert answer.paths[-1].hops[0].detail == \
        f"{300 - MAX_PAIRS} more subnet pairs were not evaluated (budget)"
    # The evaluated pairs are blocked (no egress); the rest is unknown: partial.
    assert answer.verdict == "partial"


def test_an_endpoint_type_that_is_not_a_string_is_no_endpoint(tmp_path):
    """A list or an object where the endpoint type goes matches no path (no crash), and the
    endpoints beside it still count."""
    shutil.copytree(VSL602_FIRE, tmp_path, dirs_exist_ok=True)
    (tmp_path / "endpoints.tf").write_text('''
resource "aws_vpc_endpoint" "odd_list" {
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.eu-west-1.sqs"
  vpc_endpoint_type = ["Interface"]
}

resource "aws_vpc_endpoint" "odd_object" {
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.eu-west-1.sqs"
  vpc_endpoint_type = { type = "Interface" }
}
''')
    blocked = {f.resource for f in lint(tmp_path, select={"VSL602"}).findings}
    assert blocked == {"aws_lambda_function.worker", "aws_lambda_function.api"}
    (tmp_path / "sqs.tf").write_text('''
resource "aws_vpc_endpoint" "sqs" {
  vpc_id              = aws_vpc.main.id
  service_name        = "com.amazonaws.eu-west-1.sqs"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = [aws_subnet.private.id]
}
''')
    models = load_models([str(tmp_path)])
    model, worker = models.resolve("aws_lambda_function.worker")
    assert {p.via for p in evaluate(model, worker, "aws:sqs", 443).paths} == {
        "interface-endpoint"}
