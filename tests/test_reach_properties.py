"""Reachability is monotone (hypothesis): adding an allow rule never makes a hop worse,
removing one never makes it better.

Statuses are ranked blocked < unknown < ok. For every question of a fixture network
(each workload to each target, on a few ports, and to AWS APIs), every path's
verdict keeps or raises its rank when a security-group rule or a NACL allow entry
is added, and keeps or lowers it when one is removed.
"""

from __future__ import annotations

import copy

import pytest
from helpers import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vpcsec_lint.model import NaclEntry, Ref, SgRule, SourceGroup
from vpcsec_lint.reach.paths import evaluate
from vpcsec_lint.reach.session import load_models
from vpcsec_lint.values import Location, Val

RANK = {"blocked": 0, "unknown": 1, "reachable": 2}
PORTS = (443, 5432, 6379)
NETWORKS = [("terraform", "one-vpc"), ("cloudformation", "one-vpc.yaml"),
            ("terraform", "peering"), ("terraform", "apis")]
SESSIONS = {name: load_models([str(FIXTURES / fw / "reach" / name)]) for fw, name in NETWORKS}
HERE = Location("generated.tf", 1)


def bounded(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def verdicts(model) -> dict:
    """Every question's per-path verdicts (in path order)."""
    from vpcsec_lint.reach.session import places

    found = places(model)
    sources = [p for p in found.values() if p.kind in ("lambda", "instance")]
    targets = [p for p in found.values() if p.kind in ("instance", "endpoint")]
    out = {}
    for source in sources:
        for target in targets:
            for port in PORTS:
                answer = evaluate(model, source, target, port)
                out[(source.resource, target.resource, port)] = [
                    RANK[p.verdict] for p in answer.paths]
        for service in ("aws:s3", "aws:sqs", "aws:kms"):
            answer = evaluate(model, source, service, 443)
            out[(source.resource, service, 443)] = [RANK[p.verdict] for p in answer.paths]
    return out


@st.composite
def sg_rules(draw, model):
    groups = sorted(model.security_groups)
    cidr = draw(st.sampled_from(["0.0.0.0/0", "10.0.0.0/16", "10.0.1.0/24", "10.1.0.0/16",
                                 "10.0.3.0/24", "192.168.0.0/16", None]))
    low = draw(st.sampled_from([0, 443, 1024, 5432, 6379]))
    rule = SgRule(model.framework, "generated", HERE, Ref(draw(st.sampled_from(groups)), None),
                  draw(st.sampled_from(["ingress", "egress"])),
                  draw(st.sampled_from(["tcp", "all", "udp"])), low,
                  draw(st.sampled_from([low, low + 1, 65535])),
                  [Val(cidr, HERE)] if cidr else [])
    if cidr is None:
        rule.source_groups.append(SourceGroup(draw(st.sampled_from(groups)), None))
    return rule


@st.composite
def nacl_allows(draw, model):
    low = draw(st.sampled_from([0, 443, 1024, 5432, 32768]))
    return NaclEntry(model.framework, "generated", HERE,
                     Ref(draw(st.sampled_from(sorted(model.nacls))), None),
                     draw(st.booleans()), draw(st.sampled_from([1, 50, 100, 200, 32766])),
                     draw(st.sampled_from(["tcp", "all"])), "allow",
                     Val(draw(st.sampled_from(["0.0.0.0/0", "10.0.0.0/16", "10.0.1.0/24"])),
                         HERE), low, draw(st.sampled_from([low, 65535])))


def fresh_copy(model):
    """A deep copy without the per-model caches of the reachability analysis."""
    changed = copy.deepcopy(model)
    for cache in ("network_acls", "reach_intents"):
        changed.__dict__.pop(cache, None)
    return changed


def assert_monotone(before: dict, after: dict, up: bool) -> None:
    for question, old in before.items():
        new = after[question]
        assert len(new) == len(old), question
        for was, now in zip(old, new, strict=True):
            assert (now >= was) if up else (now <= was), (question, was, now)


@pytest.mark.parametrize("name", [n for _, n in NETWORKS])
@bounded(25)
@given(data=st.data())
def test_adding_an_allow_never_makes_a_path_worse(name, data):
    model = SESSIONS[name].models[0]
    before = verdicts(model)
    changed = fresh_copy(model)
    if changed.nacls and data.draw(st.booleans()):
        changed.nacl_entries.append(data.draw(nacl_allows(changed)))
    else:
        changed.sg_rules.append(data.draw(sg_rules(changed)))
    assert_monotone(before, verdicts(changed), up=True)


@pytest.mark.parametrize("name", [n for _, n in NETWORKS])
@bounded(25)
@given(data=st.data())
def test_removing_an_allow_never_makes_a_path_better(name, data):
    model = SESSIONS[name].models[0]
    before = verdicts(model)
    changed = fresh_copy(model)
    allows = [("sg", i) for i in range(len(changed.sg_rules))] + [
        ("nacl", i) for i, e in enumerate(changed.nacl_entries) if e.action == "allow"]
    kind, index = data.draw(st.sampled_from(allows))
    if kind == "sg":
        del changed.sg_rules[index]
    else:
        del changed.nacl_entries[index]
    assert_monotone(before, verdicts(changed), up=False)


def test_the_mutations_reach_the_verdicts():
    """Not vacuous: one added egress rule and one removed NACL entry change verdicts."""
    model = SESSIONS["one-vpc"].models[0]
    key = ("aws_lambda_function.fn_omitted", "aws_instance.db_ok", 5432)
    assert verdicts(model)[key] == [RANK["blocked"]]
    changed = fresh_copy(model)
    changed.sg_rules.append(SgRule("terraform", "generated", HERE,
                                   Ref("aws_security_group.omitted_egress", None), "egress",
                                   "all", 0, 65535, [Val("0.0.0.0/0", HERE)]))
    assert verdicts(changed)[key] == [RANK["reachable"]]
    reply = ("aws_lambda_function.fn_ok", "aws_instance.db_ok", 5432)
    changed = fresh_copy(model)
    changed.nacl_entries = [e for e in changed.nacl_entries
                            if not (e.nacl.key == "aws_network_acl.data" and e.egress)]
    assert verdicts(changed)[reply] == [RANK["blocked"], RANK["blocked"]]
