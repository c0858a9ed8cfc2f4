"""IPv6 where it is exact, in both frameworks (`fixtures/*/reach/ipv6*`, twins): the
internet to a target in a dual-stack subnet over `::/0`, where the pair passes when IPv4 or
IPv6 does; and IPv6 as a way out that keeps a workload's blocked IPv4 path unknown."""

from __future__ import annotations

import json

import pytest
from helpers import FIXTURES, run_cli

from vpcsec_lint.reach.network import Place
from vpcsec_lint.reach.paths import evaluate
from vpcsec_lint.reach.session import load_models

TF = {"instance": "aws_instance", "route": "aws_route", "table": "aws_route_table",
      "sg": "aws_security_group", "nacl": "aws_network_acl", "fn": "aws_lambda_function"}
CFN_SUFFIX = {"nacl": "Acl", "table": "Table"}


def name(token: str, framework: str) -> str:
    kind, _, short = token.partition(":")
    if framework == "terraform":
        return f"{TF[kind]}.{short}"
    return "".join(p.capitalize() for p in short.split("_")) + CFN_SUFFIX.get(kind, "")


def path(framework: str) -> str:
    return str(FIXTURES / framework / "reach" / ("ipv6" if framework == "terraform"
                                                 else "ipv6.yaml"))


SESSIONS: dict[str, object] = {}


def session(framework: str):
    if framework not in SESSIONS:
        SESSIONS[framework] = load_models([path(framework)])
    return SESSIONS[framework]


# (target, verdict, ip versions of the paths, blocking hops)
INBOUND = [
    # An IPv6 address behind an internet gateway's ::/0 route: IPv6 carries it, although
    # the IPv4 path is blocked (no public IPv4 address, no ingress from 0.0.0.0/0).
    ("server_open", "reachable", [4, 6], set()),
    ("server_no_address", "blocked", [4, 6],
     {("public-ip", "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS", "instance:server_no_address"),
      ("target-sg-ingress", "ENI_SG_RULES_MISMATCH", "sg:web6")}),
    # NACL entries for 0.0.0.0/0 do not match IPv6 traffic.
    ("server_strict", "blocked", [4, 6],
     {("public-ip", "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS", "instance:server_strict"),
      ("target-sg-ingress", "ENI_SG_RULES_MISMATCH", "sg:web6"),
      ("target-nacl-inbound", "SUBNET_ACL_RESTRICTION", "nacl:strict"),
      ("nacl-reply", "SUBNET_ACL_RESTRICTION", "nacl:strict")}),
    # An egress-only internet gateway lets no connection in.
    ("server_private", "blocked", [4, 6],
     {("public-ip", "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS", "instance:server_private"),
      ("route", "NO_ROUTE_TO_DESTINATION", "table:private"),
      ("target-sg-ingress", "ENI_SG_RULES_MISMATCH", "sg:web6"),
      ("route", "NO_ROUTE_TO_DESTINATION", "route:private_ipv6")}),
    # An IPv4-only subnet: no IPv6 path at all, as before.
    ("server_ipv4", "blocked", [4],
     {("public-ip", "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS", "instance:server_ipv4"),
      ("target-sg-ingress", "ENI_SG_RULES_MISMATCH", "sg:web6")}),
]


@pytest.mark.parametrize("framework", ["terraform", "cloudformation"])
@pytest.mark.parametrize("case", INBOUND, ids=lambda c: c[0])
def test_internet_to_a_dual_stack_target(case, framework):
    target, verdict, versions, blockers = case
    found = session(framework)
    model, place = found.resolve(name(f"instance:{target}", framework))  # type: ignore
    result = evaluate(model, Place("internet", "internet", place.loc), place, 443)
    assert result.verdict == verdict
    assert [p.ip for p in result.paths] == versions
    assert {(h.hop, h.code, h.resource) for h in result.blockers()} == {
        (hop, code, name(res, framework)) for hop, code, res in blockers}


# (source, target, verdict, ip versions): IPv4 has no way out of the private subnet.
OUTBOUND = [
    # The function may send IPv6 through the egress-only gateway: unknown, never blocked.
    ("fn_dual", "internet", "unknown", [4, 6]),
    ("fn_dual", "aws:sqs", "unknown", [4, 6]),
    # Without ipv6_allowed_for_dual_stack (off by default) it sends IPv4 only: blocked.
    ("fn_ipv4", "internet", "blocked", [4]),
    ("fn_ipv4", "aws:sqs", "blocked", [4]),
]


@pytest.mark.parametrize("framework", ["terraform", "cloudformation"])
@pytest.mark.parametrize("case", OUTBOUND, ids=lambda c: f"{c[0]}->{c[1]}")
def test_ipv6_as_a_way_out(case, framework):
    source, target, verdict, versions = case
    found = session(framework)
    model, place = found.resolve(name(f"fn:{source}", framework))  # type: ignore
    result = evaluate(model, place, target, 443)
    assert result.verdict == verdict
    assert [p.ip for p in result.paths] == versions
    if verdict == "unknown":
        assert result.blockers() == []  # the IPv4 blockers are not findings then


@pytest.mark.parametrize("framework", ["terraform", "cloudformation"])
def test_the_ipv6_path_is_marked_in_the_json(framework):
    target = name("instance:server_open", framework)
    result = run_cli("reach", "--from", "internet", "--to", target, "--port", "443",
                     "--format", "json", path(framework))
    doc = json.loads(result.stdout)
    assert result.returncode == 0 and doc["verdict"] == "reachable"
    assert [(p.get("ip"), p["verdict"]) for p in doc["paths"]] == [
        (None, "blocked"), ("ipv6", "reachable")]
    assert [h["hop"] for h in doc["paths"][1]["hops"]] == [
        "public-ip", "route", "target-nacl-inbound", "target-sg-ingress", "nacl-reply"]
