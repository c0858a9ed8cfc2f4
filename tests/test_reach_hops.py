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


def answer(family: str, framework: str, source: str, target: str, port: int,
           protocol: str = "tcp"):
    found = session(family, framework)
    model, src = found.resolve(name(source, framework))  # type: ignore[attr-defined]
    _, dst = found.resolve(target_name(target, framework))  # type: ignore[attr-defined]
    return evaluate(model, src, dst, port, protocol)


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
    # -- endpoint policies against the actions of the workload's role ----------------------
    # The policy allows only other actions: the implicit deny.
    ("policies", "fn:fn_sender", "aws:sqs", 443, "blocked", {"interface-endpoint"},
     {("endpoint-policy", "VPCE_POLICY_DENIES", "endpoint:sqs")}),
    # Some of the role's actions are allowed: not blocked.
    ("policies", "fn:fn_consumer", "aws:sqs", 443, "reachable", {"interface-endpoint"}, set()),
    # Another role is the only principal.
    ("policies", "fn:fn_sender", "aws:secretsmanager", 443, "blocked", {"interface-endpoint"},
     {("endpoint-policy", "VPCE_POLICY_DENIES", "endpoint:secretsmanager")}),
    ("policies", "fn:fn_consumer", "aws:secretsmanager", 443, "reachable",
     {"interface-endpoint"}, set()),
    # An explicit deny wins over the allow-all statement.
    ("policies", "fn:fn_sender", "aws:sns", 443, "blocked", {"interface-endpoint"},
     {("endpoint-policy", "VPCE_POLICY_DENIES", "endpoint:sns")}),
    ("policies", "fn:fn_consumer", "aws:sns", 443, "reachable", {"interface-endpoint"}, set()),
    # A condition cannot be evaluated: unknown, never blocked.
    ("policies", "fn:fn_consumer", "aws:ssm", 443, "unknown", {"interface-endpoint"}, set()),
    # A wildcard action of the role that no allowed action can match ...
    ("policies", "fn:fn_wild", "aws:sqs", 443, "blocked", {"interface-endpoint"},
     {("endpoint-policy", "VPCE_POLICY_DENIES", "endpoint:sqs")}),
    # ... and one that may (`s3:*` covers s3:GetObject on some resource): unknown.
    ("policies", "fn:fn_wild", "aws:s3", 443, "unknown", {"gateway-endpoint"}, set()),
    # The gateway endpoint's policy: an action mismatch blocks whatever the resource.
    ("policies", "fn:fn_sender", "aws:s3", 443, "blocked", {"gateway-endpoint"},
     {("endpoint-policy", "VPCE_POLICY_DENIES", "endpoint:s3")}),
    # A role outside the code: its actions are not known.
    ("policies", "fn:fn_norole", "aws:sqs", 443, "unknown", {"interface-endpoint"}, set()),
    # No policy: AWS's default full access.
    ("apis", "fn:fn_isolated", "aws:secretsmanager", 443, "reachable", {"interface-endpoint"},
     set()),
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


def _policy_hops(result):
    return {(h.status, h.code) for p in result.paths for h in p.hops if h.hop == "endpoint-policy"}


@pytest.mark.parametrize("framework", ["terraform", "cloudformation"])
def test_endpoint_policy_is_judged_on_the_resource_the_workload_references(framework):
    from vpcsec_lint.reach.intents import all_intents

    model = session("policies", framework).models[0]  # type: ignore[attr-defined]
    found = {(i.source.resource, i.target_name, i.kind): i.evaluate()
             for i in all_intents(model)}
    fn = {short: name(f"fn:{short}", framework) for short in ("fn_sender", "fn_consumer",
                                                              "fn_other")}
    # The policy allows s3:GetObject on the assets bucket, which the consumer reads.
    assert found[(fn["fn_consumer"], "aws:s3", "address")].verdict == "reachable"
    # Another bucket, named by a reference the policy does not make: unknown.
    assert found[(fn["fn_other"], "aws:s3", "address")].verdict == "unknown"
    sender = found[(fn["fn_sender"], "aws:s3", "address")]
    assert sender.verdict == "blocked"
    bucket = "aws_s3_bucket.assets" if framework == "terraform" else "Assets"
    role = "aws_iam_role.sender" if framework == "terraform" else "Sender"
    endpoint = name("endpoint:s3", framework)
    assert sender.fix == (f"allow s3:PutObject on {bucket} for {role} in the policy of "
                          f"{endpoint}.")


@pytest.mark.parametrize("framework", ["terraform", "cloudformation"])
def test_endpoint_policy_hop_points_at_the_policy_and_names_what_it_allows(framework):
    blocked = answer("policies", framework, "fn:fn_sender", "aws:sqs", 443)
    hop = blocked.blockers()[0]
    expected_line = {"terraform": 9, "cloudformation": 64}[framework]
    assert (hop.loc.path.rsplit("/", 1)[-1], hop.loc.line) == (
        {"terraform": "endpoints.tf", "cloudformation": "policies.yaml"}[framework],
        expected_line)
    assert "sqs:SendMessage" in hop.detail
    some = answer("policies", framework, "fn:fn_consumer", "aws:sqs", 443)
    detail = [h.detail for p in some.paths for h in p.hops if h.hop == "endpoint-policy"][0]
    assert detail.endswith("allows sqs:DeleteMessage, sqs:ReceiveMessage for "
                           f"{'aws_iam_role.consumer' if framework == 'terraform' else 'Consumer'}"
                           " (but not sqs:SendMessage)")
    default = answer("apis", framework, "fn:fn_isolated", "aws:secretsmanager", 443)
    assert _policy_hops(default) == {("ok", "")}


@pytest.mark.parametrize("framework", ["terraform", "cloudformation"])
def test_endpoint_policy_findings_point_at_the_policy(framework):
    from helpers import lint

    path = FIXTURES / framework / "reach" / ("policies" if framework == "terraform"
                                              else "policies.yaml")
    report = lint(path, select={"VSL602", "VSL606"})
    got = {(f.rule_id, f.resource, f.loc.path.rsplit("/", 1)[-1], f.loc.line,
            f.message.split(" cannot")[0]) for f in report.findings}
    tf = framework == "terraform"
    where = "endpoints.tf" if tf else "policies.yaml"
    lines = {"sqs": 9, "secretsmanager": 27, "sns": 45, "s3": 77} if tf else {
        "sqs": 64, "secretsmanager": 80, "sns": 96, "s3": 124}
    fn = {k: name(f"fn:{k}", framework) for k in ("fn_sender", "fn_wild")}
    assert got == {
        ("VSL606", name("endpoint:sqs", framework), where, lines["sqs"], fn["fn_sender"]),
        ("VSL606", name("endpoint:sqs", framework), where, lines["sqs"], fn["fn_wild"]),
        ("VSL606", name("endpoint:secretsmanager", framework), where,
         lines["secretsmanager"], fn["fn_sender"]),
        ("VSL606", name("endpoint:sns", framework), where, lines["sns"], fn["fn_sender"]),
        ("VSL602", name("endpoint:s3", framework), where, lines["s3"], fn["fn_sender"])}


# UDP through custom NACLs: entries of protocol udp/17 or -1 match, tcp/6 ones do not, and
# the reply to the client's ephemeral ports needs UDP entries too.
UDP_CASES = [
    ("server_ok", "udp", "reachable", set()),
    ("server_ok", "tcp", "blocked",
     {("target-nacl-inbound", "SUBNET_ACL_RESTRICTION", "nacl:dns_ok"),
      ("target-sg-ingress", "ENI_SG_RULES_MISMATCH", "sg:dns_udp"),
      ("nacl-reply", "SUBNET_ACL_RESTRICTION", "nacl:dns_ok")}),
    ("server_tcp_only", "udp", "blocked",
     {("target-nacl-inbound", "SUBNET_ACL_RESTRICTION", "nacl:tcp_only"),
      ("nacl-reply", "SUBNET_ACL_RESTRICTION", "nacl:tcp_only")}),
    ("server_no_reply", "udp", "blocked",
     {("nacl-reply", "SUBNET_ACL_RESTRICTION", "nacl:no_reply")}),
    ("server_sg_tcp", "udp", "blocked",
     {("target-sg-ingress", "ENI_SG_RULES_MISMATCH", "sg:dns_tcp")}),
    ("server_sg_tcp", "tcp", "reachable", set()),
    ("server_open", "udp", "reachable", set()),
]


@pytest.mark.parametrize("framework", ["terraform", "cloudformation"])
@pytest.mark.parametrize("case", UDP_CASES, ids=lambda c: f"{c[0]}:{c[1]}")
def test_udp_through_network_acls(case, framework):
    target, protocol, verdict, blockers = case
    result = answer("udp", framework, "fn:fn_client", f"instance:{target}", 53, protocol)
    assert result.verdict == verdict
    assert {(h.hop, h.code, h.resource) for h in result.blockers()} == {
        (hop, code, name(res, framework)) for hop, code, res in blockers}
    assert [h.hop for h in result.paths[0].hops] == [
        "source-sg-egress", "source-nacl-outbound", "route", "target-nacl-inbound",
        "target-sg-ingress", "nacl-reply"]


@pytest.mark.parametrize("framework", ["terraform", "cloudformation"])
def test_udp_fix_names_the_udp_entries(framework):
    result = answer("udp", framework, "fn:fn_client", "instance:server_no_reply", 53, "udp")
    assert result.fix == (f"let {name('nacl:no_reply', framework)} pass the replies: allow "
                          "UDP 1024-65535 to the client's subnet.")
    inbound = answer("udp", framework, "fn:fn_client", "instance:server_tcp_only", 53, "udp")
    assert inbound.blockers()[0].detail.endswith(
        f"does not allow UDP 53 inbound from {name('subnet:app', framework)} (10.0.1.0/24)")


def test_udp_question_on_the_command_line():
    import json

    from helpers import run_cli

    path = str(FIXTURES / "cloudformation" / "reach" / "udp.yaml")
    result = run_cli("reach", "--from", "FnClient", "--to", "ServerNoReply", "--port", "53",
                     "--protocol", "udp", "--format", "json", path)
    doc = json.loads(result.stdout)
    assert (result.returncode, doc["protocol"], doc["verdict"]) == (1, "udp", "blocked")
    ok = run_cli("reach", "--from", "FnClient", "--to", "ServerOk", "--port", "53",
                 "--protocol", "udp", path)
    assert ok.returncode == 0 and ok.stdout.startswith("FnClient -> ServerOk (udp/53): reachable")
