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
from vpcsec_lint.reach.session import load_session

TF_TYPES = {"fn": "aws_lambda_function", "lb": "aws_lb", "asg": "aws_autoscaling_group",
            "sg": "aws_security_group", "db": "aws_db_instance", "subnet": "aws_subnet",
            "role": "aws_iam_role"}
CFN_SUFFIX = {"fn": "Fn", "lb": "Lb", "asg": "Asg", "sg": "Sg", "db": "Db"}
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
        SESSIONS[framework] = load_session([str(path)])
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
def test_intents_from_dns_names_per_listener_and_from_the_instance_role(framework):
    model = session(framework).models[0]  # type: ignore[attr-defined]
    got = {(i.source.resource, i.target_name, i.port, i.kind) for i in all_intents(model)}
    client, web = name("fn:client", framework), name("asg:web", framework)
    assert got == {
        (client, name("lb:api", framework), 443, "address"),
        (client, name("lb:api", framework), 80, "address"),
        (client, name("lb:nlb", framework), 8080, "address"),
        (client, name("lb:closed", framework), 443, "address"),
        (web, "aws:sqs", 443, "role"),
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
