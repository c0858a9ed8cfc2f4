"""Internal load balancers as targets and Auto Scaling groups as workloads, in both frameworks.

`fixtures/terraform/reach/compute/` and `fixtures/cloudformation/reach/compute.yaml` are twins:
`lb:api` is `aws_lb.api` in Terraform and `ApiLb` in CloudFormation.
"""

from __future__ import annotations

import json

import pytest
from helpers import FIXTURES, REPO, run_cli

from vpcsec_lint.reach.intents import all_intents
from vpcsec_lint.reach.paths import evaluate
from vpcsec_lint.reach.session import load_models

TF_TYPES = {"fn": "aws_lambda_function", "lb": "aws_lb", "asg": "aws_autoscaling_group",
            "instance": "aws_instance",
            "sg": "aws_security_group", "db": "aws_db_instance", "subnet": "aws_subnet",
            "role": "aws_iam_role"}
CFN_SUFFIX = {"fn": "Fn", "lb": "Lb", "asg": "Asg", "sg": "Sg", "db": "Db",
              "instance": "Instance"}
FRAMEWORKS = ("terraform", "cloudformation")


def name(token: str, framework: str) -> str:
    """`sg:web_eni` -> `aws_security_group.web_eni` or `WebEniSg`."""
    if token.startswith("aws:") or token == "internet":
        return token
    kind, _, short = token.partition(":")
    if framework == "terraform":
        return f"{TF_TYPES[kind]}.{short}"
    return "".join(p.capitalize() for p in short.split("_")) + CFN_SUFFIX.get(kind, "")


SESSIONS: dict[str, object] = {}


def session(framework: str):
    if framework not in SESSIONS:
        path = FIXTURES / framework / "reach" / ("compute" if framework == "terraform"
                                                 else "compute.yaml")
        SESSIONS[framework] = load_models([str(path)])
    return SESSIONS[framework]


def answer(framework: str, source: str, target: str, port: int):
    found = session(framework)
    if source == "internet":
        from vpcsec_lint.reach.network import Place

        model, dst = found.resolve(name(target, framework))  # type: ignore[attr-defined]
        return evaluate(model, Place("internet", "internet", dst.loc), dst, port)
    model, src = found.resolve(name(source, framework))  # type: ignore[attr-defined]
    _, dst = found.resolve(name(target, framework))  # type: ignore[attr-defined]
    return evaluate(model, src, dst, port)


# (source, target, port, verdict, vias, blocking hops as (hop, code, resource))
CASES = [
    # An internal ALB: one question per listener; its group admits the client on 443 only.
    ("fn:client", "lb:api", 443, "reachable", {"local"}, set()),
    ("fn:client", "lb:api", 80, "blocked", {"local"},
     {("target-sg-ingress", "ENI_SG_RULES_MISMATCH", "sg:alb")}),
    ("fn:client", "lb:closed", 443, "blocked", {"local"},
     {("target-sg-ingress", "ENI_SG_RULES_MISMATCH", "sg:alb_closed")}),
    # An NLB without security groups: the group hop is skipped, nothing blocks.
    ("fn:client", "lb:nlb", 8080, "reachable", {"local"}, set()),
    # Internal: the internet cannot reach it (no public address, no internet route).
    ("internet", "lb:api", 443, "blocked", {"internet-gateway"},
     {("public-ip", "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS", "lb:api"),
      ("route", "NO_ROUTE_TO_DESTINATION", "subnet:lb_a"),
      ("route", "NO_ROUTE_TO_DESTINATION", "subnet:lb_b")}),
    # Auto Scaling groups: the launch template's groups, the interface's groups (which win),
    # the launch configuration's groups.
    ("asg:web", "db:orders", 5432, "reachable", {"local"}, set()),
    ("asg:eni", "db:orders", 5432, "blocked", {"local"},
     {("source-sg-egress", "ENI_SG_RULES_MISMATCH", "sg:web_eni"),
      ("target-sg-ingress", "ENI_SG_RULES_MISMATCH", "sg:db")}),
    ("asg:legacy", "db:orders", 5432, "reachable", {"local"}, set()),
    # A pinned older version, a template from elsewhere: groups unknown, never blocked.
    ("asg:pinned", "db:orders", 5432, "unknown", {"local"}, set()),
    ("asg:elsewhere", "db:orders", 5432, "unknown", {"local"}, set()),
    # Its role's service: no endpoint, no NAT (the main route table has the local route only).
    ("asg:web", "aws:sqs", 443, "blocked", {"nat"},
     {("route", "NO_ROUTE_TO_DESTINATION", "asg:web")}),
]


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}->{c[1]}:{c[2]}")
def test_hops(framework, case):
    source, target, port, verdict, vias, blockers = case
    found = answer(framework, source, target, port)
    assert found.verdict == verdict
    assert {p.via for p in found.paths} == vias
    expected = {(hop, code, name(res, framework)) for hop, code, res in blockers}
    assert {(h.hop, h.code, h.resource) for h in found.blockers()} == expected


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_nlb_without_groups_skips_the_group_hop_with_the_reason(framework):
    found = answer(framework, "fn:client", "lb:nlb", 8080)
    hops = [h for p in found.paths for h in p.hops if h.hop == "target-sg-ingress"]
    assert [h.status for h in hops] == ["skipped", "skipped"]
    assert hops[0].detail == (f"{name('lb:nlb', framework)} is a Network Load Balancer "
                              "without security groups: client traffic reaches its listeners "
                              "unfiltered")
    assert [(p.source_subnet, p.target_subnet) for p in found.paths] == [
        (name("subnet:app_a", framework), name("subnet:lb_a", framework)),
        (name("subnet:app_b", framework), name("subnet:lb_a", framework))]


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_auto_scaling_group_replies_use_the_linux_ephemeral_range(framework):
    found = answer(framework, "asg:web", "db:orders", 5432)
    replies = {h.detail.split(" allows ")[1].split(" outbound")[0]
               for p in found.paths for h in p.hops if h.hop == "nacl-reply" and h.status == "ok"}
    assert replies == {"TCP 32768-60999"}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_intents_from_dns_names_per_listener_and_from_instance_roles(framework):
    model = session(framework).models[0]  # type: ignore[attr-defined]
    got = {(i.source.resource, i.target_name, i.port, i.kind) for i in all_intents(model)}
    client, web = name("fn:client", framework), name("asg:web", framework)
    assert got == {
        (client, name("lb:api", framework), 443, "address"),
        (client, name("lb:api", framework), 80, "address"),
        (client, name("lb:nlb", framework), 8080, "address"),
        (client, name("lb:closed", framework), 443, "address"),
        (web, "aws:sqs", 443, "role"),
        (name("instance:batch", framework), "aws:sqs", 443, "role"),
    }  # nothing for the internet-facing load balancer


def test_reach_from_an_auto_scaling_group_in_json():
    result = run_cli("reach", "--from", "aws_autoscaling_group.eni", "--to",
                     "aws_db_instance.orders", "--format", "json",
                     "fixtures/terraform/reach/compute", cwd=REPO)
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert (doc["from"], doc["to"], doc["port"], doc["verdict"]) == (
        "aws_autoscaling_group.eni", "aws_db_instance.orders", 5432, "blocked")
    egress = doc["paths"][0]["hops"][1]
    assert (egress["hop"], egress["resource"], egress["path"], egress["line"]) == (
        "source-sg-egress", "aws_security_group.web_eni",
        "fixtures/terraform/reach/compute/groups.tf", 52)


def test_reach_to_a_load_balancer_with_several_listeners_needs_a_port():
    base = ("reach", "--from", "ClientFn", "--to", "ApiLb",
            "fixtures/cloudformation/reach/compute.yaml")
    result = run_cli(*base, cwd=REPO)
    assert result.returncode == 2 and "give --port" in result.stderr
    result = run_cli(*base, "--port", "443", cwd=REPO)
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == "ClientFn -> ApiLb (tcp/443): reachable"


UNKNOWNS_TF = """
variable "subnets" { type = list(string) }
variable "internal" { type = bool }
variable "port" { type = number }
resource "aws_vpc" "v" { cidr_block = "10.0.0.0/16" }
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.0.1.0/24"
}
resource "aws_default_security_group" "d" { vpc_id = aws_vpc.v.id }
resource "aws_security_group" "x" {
  vpc_id = aws_vpc.v.id
  ingress {
    protocol    = "tcp"
    from_port   = 5432
    to_port     = 5432
    cidr_blocks = ["10.0.0.0/16"]
  }
}
resource "aws_db_instance" "db" {
  engine                 = "postgres"
  db_subnet_group_name   = aws_db_subnet_group.g.name
  vpc_security_group_ids = [aws_security_group.x.id]
}
resource "aws_db_subnet_group" "g" { subnet_ids = [aws_subnet.a.id] }
resource "aws_launch_template" "both" {
  vpc_security_group_ids = [aws_security_group.x.id]
  network_interfaces { security_groups = null }
}
resource "aws_launch_template" "none" {}
resource "aws_autoscaling_group" "from_var" {
  max_size            = 1
  min_size            = 1
  vpc_zone_identifier = var.subnets
  launch_template { id = aws_launch_template.none.id }
}
resource "aws_autoscaling_group" "both" {
  max_size            = 1
  min_size            = 1
  vpc_zone_identifier = [aws_subnet.a.id]
  launch_template { id = aws_launch_template.both.id }
}
resource "aws_autoscaling_group" "default_group" {
  max_size            = 1
  min_size            = 1
  vpc_zone_identifier = [aws_subnet.a.id]
  launch_template { id = aws_launch_template.none.id }
}
resource "aws_lb" "maybe_internal" {
  internal = var.internal
  subnets  = [aws_subnet.a.id]
}
resource "aws_lb_listener" "maybe" {
  load_balancer_arn = aws_lb.maybe_internal.arn
  port              = 443
}
resource "aws_lb" "any_port" {
  internal = true
  subnets  = [aws_subnet.a.id]
}
resource "aws_lb_listener" "any" {
  load_balancer_arn = aws_lb.any_port.arn
  port              = var.port
}
resource "aws_lb" "known" {
  internal = true
  subnets  = [aws_subnet.a.id]
}
resource "aws_lb_listener" "known" {
  load_balancer_arn = aws_lb.known.arn
  port              = 8443
}
resource "aws_ecs_service" "web" {
  name            = "web"
  task_definition = aws_ecs_task_definition.t.arn
  launch_type     = "EC2"
  network_configuration {
    subnets         = [aws_subnet.a.id]
    security_groups = [aws_security_group.x.id]
  }
}
resource "aws_ecs_task_definition" "t" {
  family                = "t"
  network_mode          = "awsvpc"
  container_definitions = jsonencode([{
    name        = "web"
    image       = "nginx"
    environment = [{ name = "API", value = aws_lb.any_port.dns_name },
                   { name = "MAYBE", value = aws_lb.maybe_internal.dns_name },
                   { name = "KNOWN", value = aws_lb.known.dns_name }]
  }])
}
"""


def test_unknown_inputs_are_unknown_never_blocked(tmp_path):
    (tmp_path / "main.tf").write_text(UNKNOWNS_TF)
    found = load_models([str(tmp_path)])
    model = found.models[0]

    def verdict(source: str) -> str:
        _, src = found.resolve(source)
        _, dst = found.resolve("aws_db_instance.db")
        return evaluate(model, src, dst, 5432).verdict

    # Subnets from a variable; groups both on the interface and the template.
    assert verdict("aws_autoscaling_group.from_var") == "unknown"
    assert verdict("aws_autoscaling_group.both") == "unknown"
    # No group named: the VPC's default group, managed here with no rules.
    _, place = found.resolve("aws_autoscaling_group.default_group")
    assert [g.resource for g in place.groups] == ["aws_default_security_group.d"]
    _, db = found.resolve("aws_db_instance.db")
    assert {(h.hop, h.code, h.resource) for h in evaluate(model, place, db, 5432).blockers()} \
        == {("source-sg-egress", "SG_HAS_NO_RULES", "aws_default_security_group.d")}
    # A container's reference to an internal load balancer is an intent on its listener's
    # port; a scheme or a listener port that is not known makes none.
    assert [(i.source.resource, i.target_name, i.port) for i in all_intents(model)] == [
        ("aws_ecs_service.web", "aws_lb.known", 8443)]


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_reach_entries_name_auto_scaling_groups_and_load_balancers(framework, tmp_path):
    """VSL604 on declared entries: the ENI-template group cannot reach the database; the
    internal load balancer is isolated from the internet as asserted."""
    import argparse
    import os

    from vpcsec_lint.session import lint_with_config

    config = tmp_path / "vpcsec-lint.yaml"
    config.write_text(
        "reach:\n"
        f"  - {{from: {name('asg:eni', framework)}, to: {name('db:orders', framework)}}}\n"
        f"  - {{from: {name('asg:web', framework)}, to: {name('db:orders', framework)}}}\n"
        f"  - {{from: internet, to: {name('lb:api', framework)}, port: 443,"
        " expect: blocked}\n")
    path = FIXTURES / framework / "reach" / ("compute" if framework == "terraform"
                                             else "compute.yaml")
    args = argparse.Namespace(select="VSL604", ignore=None, fail_on=None, config=str(config),
                              var_file=[], jobs=None)
    report, _ = lint_with_config(args, [str(path)], use_cache=False)
    found = {(f.resource, os.path.basename(f.loc.path), f.loc.line) for f in report.findings}
    if framework == "terraform":
        assert found == {("aws_security_group.web_eni", "groups.tf", 52),
                         ("aws_security_group.db", "groups.tf", 64)}
    else:
        assert found == {("WebEniSg", "compute.yaml", 79), ("DbSg", "compute.yaml", 86)}
    assert {r.loc.line for f in report.findings for r in f.related
            if r.loc.path == str(config)} == {2}


def test_many_listeners_and_subnets_stay_bounded(tmp_path):
    """An Auto Scaling group in 300 subnets and a load balancer with 3,000 listeners: the
    intents and subnet pairs stay within their budgets, and nothing crashes."""
    from vpcsec_lint.reach.intents import MAX_INTENTS
    from vpcsec_lint.reach.paths import MAX_PAIRS

    subnets = "\n".join(
        f'resource "aws_subnet" "s{i}" {{\n  vpc_id     = aws_vpc.main.id\n'
        f'  cidr_block = "10.{i // 200}.{i % 200}.0/24"\n}}\n' for i in range(300))
    refs = ", ".join(f"aws_subnet.s{i}.id" for i in range(300))
    listeners = "\n".join(
        f'resource "aws_lb_listener" "l{i}" {{\n  load_balancer_arn = aws_lb.api.arn\n'
        f'  port              = {1 + i}\n}}\n' for i in range(3000))
    (tmp_path / "main.tf").write_text(f'''
resource "aws_vpc" "main" {{ cidr_block = "10.0.0.0/8" }}
{subnets}
{listeners}
resource "aws_lb" "api" {{
  internal = true
  subnets  = [{refs}]
}}
resource "aws_launch_template" "t" {{}}
resource "aws_autoscaling_group" "big" {{
  max_size            = 1
  min_size            = 1
  vpc_zone_identifier = [{refs}]
  launch_template {{ id = aws_launch_template.t.id }}
}}
resource "aws_lambda_function" "fn" {{
  vpc_config {{
    subnet_ids         = [{refs}]
    security_group_ids = []
  }}
  environment {{
    variables = {{ API = aws_lb.api.dns_name }}
  }}
}}
''')
    found = load_models([str(tmp_path)])
    model = found.models[0]
    intents = all_intents(model)
    assert len(intents) == MAX_INTENTS
    assert {i.target_name for i in intents} == {"aws_lb.api"}
    _, asg = found.resolve("aws_autoscaling_group.big")
    _, lb = found.resolve("aws_lb.api")
    answer = evaluate(model, asg, lb, 443)
    assert len(answer.paths) == MAX_PAIRS + 1 and answer.verdict == "unknown"


def test_endpoint_policies_judge_the_instance_profile_roles(tmp_path):
    """An Auto Scaling group and an instance use their instance profile's role: the `policies`
    family's SQS endpoint allows only receiving, and that role only sends."""
    import shutil

    shutil.copytree(FIXTURES / "terraform" / "reach" / "policies", tmp_path,
                    dirs_exist_ok=True)
    (tmp_path / "instances.tf").write_text('''
resource "aws_iam_instance_profile" "sender" {
  name = "sender"
  role = aws_iam_role.sender.name
}
resource "aws_launch_template" "sender" {
  vpc_security_group_ids = [aws_security_group.fn.id]
  iam_instance_profile { name = aws_iam_instance_profile.sender.name }
}
resource "aws_autoscaling_group" "sender" {
  max_size            = 1
  min_size            = 1
  vpc_zone_identifier = [aws_subnet.isolated.id]
  launch_template { id = aws_launch_template.sender.id }
}
resource "aws_instance" "sender" {
  subnet_id              = aws_subnet.isolated.id
  vpc_security_group_ids = [aws_security_group.fn.id]
  iam_instance_profile   = aws_iam_instance_profile.sender.name
}
''')
    found = load_models([str(tmp_path)])
    model = found.models[0]
    for source in ("aws_autoscaling_group.sender", "aws_instance.sender"):
        _, place = found.resolve(source)
        answer = evaluate(model, place, "aws:sqs", 443)
        assert answer.verdict == "blocked"
        assert {(h.hop, h.code, h.resource) for h in answer.blockers()} == {
            ("endpoint-policy", "VPCE_POLICY_DENIES", "aws_vpc_endpoint.sqs")}
