"""Reachability hop by hop, in both frameworks: exact verdicts, vias and blocking hops.

The fixtures under `fixtures/{terraform,cloudformation}/reach/` are twins: the Terraform
module and the CloudFormation template of a family define the same network under names that
translate one to the other (`aws_security_group.db_from_app_a` / `DbFromAppA`).
"""

from __future__ import annotations

import pytest
from helpers import FIXTURES

from vpcsec_lint.reach.paths import evaluate
from vpcsec_lint.reach.session import load_models

TF_TYPES = {"fn": "aws_lambda_function", "instance": "aws_instance", "sg": "aws_security_group",
            "nacl": "aws_network_acl", "table": "aws_route_table", "vpc": "aws_vpc",
            "nat": "aws_nat_gateway", "subnet": "aws_subnet", "endpoint": "aws_vpc_endpoint"}
CFN_SUFFIX = {"nacl": "Acl", "table": "Table"}
CFN_NAMES = {"sg:endpoints": "EndpointsGroup", "vpc:nodns": "Nodns"}


def name(token: str, framework: str) -> str:
    """`sg:db_from_app_a` -> `aws_security_group.db_from_app_a` or `DbFromAppA`."""
    kind, _, short = token.partition(":")
    if framework == "terraform":
        return f"{TF_TYPES[kind]}.{short}"
    if token in CFN_NAMES:
        return CFN_NAMES[token]
    return "".join(p.capitalize() for p in short.split("_")) + CFN_SUFFIX.get(kind, "")


def target_name(token: str, framework: str) -> str:
    return token if token.startswith("aws:") or token == "internet" else name(token, framework)


SESSIONS: dict[tuple[str, str], object] = {}


def session(family: str, framework: str):
    key = (family, framework)
    if key not in SESSIONS:
        path = FIXTURES / framework / "reach" / (family if framework == "terraform"
                                                 else f"{family}.yaml")
        SESSIONS[key] = load_models([str(path)])
    return SESSIONS[key]


def answer(family: str, framework: str, source: str, target: str, port: int):
    found = session(family, framework)
    model, src = found.resolve(name(source, framework))  # type: ignore[attr-defined]
    _, dst = found.resolve(target_name(target, framework))  # type: ignore[attr-defined]
    return evaluate(model, src, dst, port)


# (family, source, target, port, verdict, vias, blocking hops as (hop, code, resource));
# a dict gives the expectation per framework where the frameworks differ.
CASES = [
    # -- one VPC ------------------------------------------------------------------------
    ("one-vpc", "fn:fn_ok", "instance:db_ok", 5432, "reachable", {"local"}, set()),
    ("one-vpc", "fn:fn_ok", "instance:db_same", 5432, "reachable", {"local"}, set()),
    # Ingress from app_a's range only: the app_b subnet is blocked.
    ("one-vpc", "fn:fn_ok", "instance:db_cidr", 5432, "partial", {"local"},
     {("target-sg-ingress", "ENI_SG_RULES_MISMATCH", "sg:db_from_app_a")}),
    ("one-vpc", "fn:fn_ok", "instance:db_wrong_port", 5432, "blocked", {"local"},
     {("target-sg-ingress", "ENI_SG_RULES_MISMATCH", "sg:db_other_port")}),
    ("one-vpc", "fn:fn_ok", "instance:db_strict", 5432, "blocked", {"local"},
     {("nacl-reply", "SUBNET_ACL_RESTRICTION", "nacl:strict")}),
    ("one-vpc", "fn:fn_ok", "instance:db_closed", 5432, "blocked", {"local"},
     {("target-nacl-inbound", "SUBNET_ACL_RESTRICTION", "nacl:closed")}),
    # Terraform removes the default egress rule; CloudFormation keeps it, even with a
    # separate egress resource on the group.
    ("one-vpc", "fn:fn_omitted", "instance:db_ok", 5432,
     {"terraform": ("blocked", {("source-sg-egress", "SG_HAS_NO_RULES", "sg:omitted_egress")}),
      "cloudformation": ("reachable", set())}, {"local"}, None),
    ("one-vpc", "fn:fn_https", "instance:db_closed", 5432, "blocked", {"local"},
     {("source-sg-egress", "ENI_SG_RULES_MISMATCH", "sg:https_only"),
      ("target-nacl-inbound", "SUBNET_ACL_RESTRICTION", "nacl:closed"),
      ("target-sg-ingress", "ENI_SG_RULES_MISMATCH", "sg:db_from_fn")}),
    # A group from an input without a value: unknown, never blocked.
    ("one-vpc", "fn:fn_unknown", "instance:db_ok", 5432, "unknown", {"local"}, set()),
    # ... but a hop that blocks whatever the groups are still blocks.
    ("one-vpc", "fn:fn_unknown", "instance:db_strict", 5432, "blocked", {"local"},
     {("nacl-reply", "SUBNET_ACL_RESTRICTION", "nacl:strict")}),
    ("one-vpc", "fn:fn_outside", "instance:db_ok", 5432, "blocked", {"local"},
     {("vpc-attachment", "NOT_IN_VPC", "fn:fn_outside")}),
    # -- peering ------------------------------------------------------------------------
    ("peering", "fn:fn_both", "instance:db_a", 5432, "partial", {"peering"},
     {("route", "NO_ROUTE_TO_DESTINATION", "table:app_b")}),
    ("peering", "fn:fn_both", "instance:db_b", 5432, "partial", {"peering"},
     {("route", "NO_ROUTE_TO_DESTINATION", "table:app_b"),
      ("return-route", "NO_ROUTE_TO_DESTINATION", "table:data_b")}),
    ("peering", "fn:fn_b", "instance:db_b", 5432, "blocked", {"peering"},
     {("route", "NO_ROUTE_TO_DESTINATION", "table:app_b"),
      ("return-route", "NO_ROUTE_TO_DESTINATION", "table:data_b")}),
    # -- AWS APIs -----------------------------------------------------------------------
    ("apis", "fn:fn_nat", "aws:sqs", 443, "reachable", {"nat"}, set()),
    ("apis", "fn:fn_nat", "aws:s3", 443, "reachable", {"nat"}, set()),
    ("apis", "fn:fn_nat", "aws:secretsmanager", 443, "reachable", {"interface-endpoint"}, set()),
    ("apis", "fn:fn_bad_nat", "aws:sqs", 443, "blocked", {"nat"},
     {("nat-gateway", "NAT_NO_INTERNET_ROUTE", "table:public2")}),
    ("apis", "fn:fn_public", "aws:sqs", 443, "blocked", {"internet-gateway"},
     {("public-ip", "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS", "fn:fn_public")}),
    ("apis", "fn:fn_isolated", "aws:sqs", 443, "blocked", {"nat"},
     {("route", "NO_ROUTE_TO_DESTINATION", "fn:fn_isolated")}),
    ("apis", "fn:fn_isolated", "aws:secretsmanager", 443, "reachable", {"interface-endpoint"},
     set()),
    # Private DNS off: the endpoint carries nothing; the path is the (missing) default route.
    ("apis", "fn:fn_isolated", "aws:ssm", 443, "blocked", {"nat"},
     {("endpoint-private-dns", "VPCE_PRIVATE_DNS_DISABLED", "endpoint:ssm")}),
    ("apis", "fn:fn_isolated", "aws:kms", 443, "blocked", {"interface-endpoint"},
     {("target-sg-ingress", "ENI_SG_RULES_MISMATCH", "sg:endpoints_http")}),
    ("apis", "fn:fn_isolated", "aws:s3", 443, "reachable", {"gateway-endpoint"}, set()),
    ("apis", "fn:fn_nodns", "aws:sqs", 443, "blocked", {"interface-endpoint"},
     {("name-resolution", "VPC_DNS_DISABLED", "vpc:nodns")}),
]


@pytest.mark.parametrize("framework", ["terraform", "cloudformation"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}:{c[1]}->{c[2]}")
def test_verdict_and_blocking_hops(case, framework):
    family, source, target, port, verdict, vias, blockers = case
    if isinstance(verdict, dict):
        verdict, blockers = verdict[framework]
    result = answer(family, framework, source, target, port)
    assert result.verdict == verdict
    assert {p.via for p in result.paths} == vias
    assert {(h.hop, h.code, h.resource) for h in result.blockers()} == {
        (hop, code, name(res, framework)) for hop, code, res in blockers}
    # Every hop of every path is evaluated, even after one blocks.
    for path in result.paths:
        if path.source_subnet and path.target_subnet and path.via in ("local", "peering"):
            assert [h.hop for h in path.hops][-2:] == ["target-sg-ingress", "nacl-reply"]


@pytest.mark.parametrize("framework", ["terraform", "cloudformation"])
def test_partial_names_the_failing_subnet(framework):
    result = answer("peering", framework, "fn:fn_both", "instance:db_a", 5432)
    assert [(p.source_subnet, p.verdict) for p in result.paths] == [
        (name("subnet:app_a", framework), "reachable"),
        (name("subnet:app_b", framework), "blocked")]
    assert [p.zone for p in result.failing()] == ["eu-west-1b"]


@pytest.mark.parametrize("framework", ["terraform", "cloudformation"])
def test_fixes_name_the_smallest_change(framework):
    api = answer("apis", framework, "fn:fn_isolated", "aws:sqs", 443)
    assert api.fix.startswith("add an interface endpoint for com.amazonaws.<region>.sqs with "
                              "private DNS on")
    endpoint = "aws_vpc_endpoint.ssm" if framework == "terraform" else "Ssm"
    dns_off = answer("apis", framework, "fn:fn_isolated", "aws:ssm", 443)
    assert dns_off.fix == (f"turn on private DNS for {endpoint} (with it off the SDK resolves "
                           "the public name and the endpoint carries nothing) (or route "
                           "0.0.0.0/0 to a NAT gateway).")
    s3 = answer("apis", framework, "fn:fn_public", "aws:s3", 443)
    assert s3.fix.startswith("add a gateway endpoint for com.amazonaws.<region>.s3")
    nat = answer("apis", framework, "fn:fn_bad_nat", "aws:sqs", 443)
    assert nat.fix.startswith(f"route 0.0.0.0/0 in {name('table:public2', framework)} to an "
                              "internet gateway")
    sg = answer("one-vpc", framework, "fn:fn_ok", "instance:db_wrong_port", 5432)
    assert sg.fix == (f"allow ingress tcp/5432 on {name('sg:db_other_port', framework)} from "
                      f"{name('sg:open_egress', framework)} (the group of "
                      f"{name('fn:fn_ok', framework)}).")


def test_hop_points_at_the_line_to_change():
    result = answer("one-vpc", "terraform", "fn:fn_omitted", "instance:db_ok", 5432)
    hop = result.blockers()[0]
    assert (hop.loc.path.rsplit("/", 1)[-1], hop.loc.line) == ("groups.tf", 14)
    assert "Terraform's aws_security_group removes AWS's default allow-all egress" in hop.detail


DEFAULT_GROUP_TF = """
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}
resource "aws_subnet" "b" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.2.0/24"
}
resource "aws_db_subnet_group" "db" {
  name       = "db"
  subnet_ids = [aws_subnet.b.id]
}
resource "aws_security_group" "fn" {
  vpc_id = aws_vpc.main.id
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_db_instance" "db" {
  engine               = "postgres"
  instance_class       = "db.t4g.micro"
  db_subnet_group_name = aws_db_subnet_group.db.name
}
resource "aws_lambda_function" "fn" {
  function_name = "fn"
  role          = "arn:aws:iam::123456789012:role/fn"
  vpc_config {
    subnet_ids         = [aws_subnet.a.id]
    security_group_ids = [aws_security_group.fn.id]
  }
}
"""


def test_a_store_without_groups_uses_the_default_group_only_when_the_code_manages_it(tmp_path):
    (tmp_path / "main.tf").write_text(DEFAULT_GROUP_TF)
    analysed = load_models([str(tmp_path)])
    model, fn = analysed.resolve("aws_lambda_function.fn")
    _, db = analysed.resolve("aws_db_instance.db")
    assert evaluate(model, fn, db, 5432).verdict == "unknown"
    (tmp_path / "default.tf").write_text(
        'resource "aws_default_security_group" "default" {\n'
        '  vpc_id = aws_vpc.main.id\n}\n')
    analysed = load_models([str(tmp_path)])
    model, fn = analysed.resolve("aws_lambda_function.fn")
    _, db = analysed.resolve("aws_db_instance.db")
    result = evaluate(model, fn, db, 5432)
    assert result.verdict == "blocked"
    assert {(h.hop, h.code, h.resource) for h in result.blockers()} == {
        ("target-sg-ingress", "SG_HAS_NO_RULES", "aws_default_security_group.default")}
