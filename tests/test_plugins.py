"""Rules from other packages: the `vpcsec_lint.rules` entry-point group (issue 9)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import FIXTURES, json_report
from plugin_wheel import RULE_DOC, build_wheel, install


def rule_source(class_name: str, rule_id: str, name: str, body: str, doc: str = RULE_DOC) -> str:
    return f'''
from vpcsec_lint.registry import Rule


class {class_name}(Rule):
    """{doc.format(what="Flags VPCs without a Name tag in the module.")}"""

    id = "{rule_id}"
    name = "{name}"
    severity = "warning"
    summary = "A VPC has no Name tag."

    def check(self, model):
{body}
'''


UNTAGGED = '''        for vpc in model.vpcs.values():
            raw = model.resources.get(vpc.key)
            tags = raw.body.get("tags") or raw.body.get("Tags") if raw else None
            if raw is not None and tags is None:
                yield self.finding(model, vpc.loc, vpc.resource, "This VPC has no Name tag.")
'''


def run(plugin_dir: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(plugin_dir)}
    return subprocess.run([sys.executable, "-m", "vpcsec_lint", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def plugins(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three installations: a good plugin, one that claims a VSL ID, and two that clash."""
    base = tmp_path_factory.mktemp("plugins")

    def make(dist: str, rules: dict[str, str]) -> Path:
        modules = {f"{dist}.py": "\n".join(rules.values())}
        entries = {cls: f"{dist}:{cls}" for cls in rules}
        return build_wheel(base, dist, modules, entries)

    good = make("acme_rules", {"AcmeUntagged": rule_source("AcmeUntagged", "ACME101",
                                                           "vpc-untagged", UNTAGGED)})
    squatter = make("squatter_rules", {"Squat": rule_source("Squat", "VSL150", "squat",
                                                            UNTAGGED)})
    twin = make("twin_rules", {"Twin": rule_source("Twin", "ACME101", "twin", UNTAGGED)})
    undocumented = make("bare_rules", {"Bare": rule_source("Bare", "BARE100", "bare", UNTAGGED,
                                                           doc="No sections.")})
    return {
        "good": install([good], base / "good"),
        "squatter": install([squatter], base / "squatter"),
        "duplicate": install([good, twin], base / "duplicate"),
        "undocumented": install([undocumented], base / "undocumented"),
    }


def test_plugin_rule_runs_like_a_builtin(plugins):
    target = FIXTURES / "terraform" / "VSL101" / "fire"
    result = run(plugins["good"], "--format", "json", "--select", "ACME", str(target))
    assert result.returncode == 1, result.stderr
    found = {(f["rule_id"], f["resource"], Path(f["path"]).name, f["line"])
             for f in json_report(result.stdout)["findings"]}
    assert found == {("ACME101", "aws_vpc.main", "vpc.tf", 5),
                     ("ACME101", "data.aws_vpc.shared", "vpc.tf", 14)}


def test_plugin_rule_is_documented_and_listed(plugins):
    listed = json.loads(run(plugins["good"], "--list-rules", "--format", "json").stdout)
    entry = next(r for r in listed["rules"] if r["id"] == "ACME101")
    assert (entry["name"], entry["builtin"]) == ("vpc-untagged", False)
    explained = run(plugins["good"], "--explain", "ACME101")
    assert explained.returncode == 0 and "## Why is this bad?" in explained.stdout
    sarif = json.loads(run(plugins["good"], "--format", "sarif", "--select", "ACME101",
                           str(FIXTURES / "terraform" / "VSL101" / "fire")).stdout)
    assert "ACME101" in [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]]


@pytest.mark.parametrize("which, message", [
    ("squatter", "rule ID VSL150 — the VSL prefix is reserved for vpcsec-lint's own rules"),
    ("duplicate", "rule ID ACME101 is registered twice"),
    ("undocumented", "documentation lacks section(s) What it does"),
])
def test_bad_plugins_are_refused_with_a_clear_error(plugins, which, message):
    for args in (["--list-rules"], [str(FIXTURES / "terraform" / "VSL101" / "fire")]):
        result = run(plugins[which], *args)
        assert result.returncode == 2
        assert message in result.stderr
        assert "Traceback" not in result.stderr
