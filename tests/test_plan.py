"""Terraform plan JSON (`terraform show -json`) as an input, with a real plan as fixture."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import FIXTURES, lint, run_cli, triples

PLAN_DIR = FIXTURES / "terraform" / "examples" / "plan"
PLAN = PLAN_DIR / "plan.json"

WITH_SOURCES = {
    ("VSL202", "aws_vpc.main", "main.tf", 30),
    ("VSL101", "aws_security_group.db", "main.tf", 40),
    # Only the plan knows this CIDR: it comes from the network's remote state.
    ("VSL101", "aws_security_group.cache", "main.tf", 59),
    ("VSL204", 'aws_vpc_endpoint.interface["logs"]', "main.tf", 74),
    ("VSL204", 'aws_vpc_endpoint.interface["ssm"]', "main.tf", 74),
}


def test_a_plan_next_to_its_sources_is_reported_at_the_tf_lines():
    report = lint(PLAN)
    assert triples(report, PLAN_DIR) == WITH_SOURCES
    assert report.notices == []


def test_static_evaluation_alone_cannot_see_the_remote_state(tmp_path):
    shutil.copy(PLAN_DIR / "main.tf", tmp_path / "main.tf")
    assert triples(lint(tmp_path), tmp_path) == WITH_SOURCES - {
        ("VSL101", "aws_security_group.cache", "main.tf", 59)}


def test_a_plan_without_its_sources_is_reported_on_the_plan_file(tmp_path):
    shutil.copy(PLAN, tmp_path / "plan.json")
    result = run_cli("--no-cache", "--format", "json", str(tmp_path / "plan.json"))
    data = json.loads(result.stdout)
    assert sorted((f["rule_id"], f["resource"], Path(f["path"]).name, f["line"])
                  for f in data["findings"]) == sorted(
        (rule, resource, "plan.json", 1) for rule, resource, _path, _line in WITH_SOURCES)
    # `terraform show -json` writes one line: the column is where the resource is planned.
    text = PLAN.read_text(encoding="utf-8")
    for finding in data["findings"]:
        column = finding["column"]
        assert text[column - 1:].startswith('"address":' + json.dumps(finding["resource"]))
    assert [u["code"] for u in data["summary"]["unresolved"]] == ["plan-without-sources"]
    text_run = run_cli("--no-cache", str(tmp_path / "plan.json"))
    assert "1 not followed (keep the plan next to its .tf files; " in text_run.stderr


def test_values_the_plan_marks_sensitive_are_not_used_or_echoed(tmp_path):
    plan = json.loads(PLAN.read_text(encoding="utf-8"))
    for change in plan["resource_changes"]:
        if change["address"] == "aws_security_group.cache":
            change["change"]["after_sensitive"] = {"ingress": True}
    (tmp_path / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    report = lint(tmp_path / "plan.json", select={"VSL101"})
    assert {f.resource for f in report.findings} == {"aws_security_group.db"}


def test_a_malformed_plan_is_vsl000_and_other_files_are_still_analysed(tmp_path):
    text = PLAN.read_text(encoding="utf-8")
    (tmp_path / "plan.json").write_text(text[: len(text) // 2], encoding="utf-8")
    shutil.copy(PLAN_DIR / "main.tf", tmp_path / "main.tf")
    report = lint(tmp_path)
    found = triples(report, tmp_path)
    assert ("VSL000", None, "plan.json", 1) in found
    assert ("VSL101", "aws_security_group.db", "main.tf", 40) in found


# -- The committed plan is the real `terraform` output ----------------------

def _provider_mirror() -> Path | None:
    """A filesystem mirror holding hashicorp/aws 5.100.0 (`VPCSEC_TF_PROVIDER_MIRROR`)."""
    for candidate in (os.environ.get("VPCSEC_TF_PROVIDER_MIRROR"), "/opt/tf-plugins",
                      os.path.expanduser("~/.terraform.d/plugins")):
        if candidate and (Path(candidate) / "registry.terraform.io" / "hashicorp" / "aws"
                          / "5.100.0").is_dir():
            return Path(candidate)
    return None


def normalised(plan: dict) -> dict:
    """The plan without what varies between runs and machines."""
    out = {k: v for k, v in plan.items() if k not in ("timestamp", "terraform_version")}
    out["relevant_attributes"] = sorted(  # listed in no fixed order
        plan.get("relevant_attributes", []), key=lambda a: json.dumps(a, sort_keys=True))
    return out


def test_the_committed_plan_is_what_terraform_makes(tmp_path):
    terraform, mirror = shutil.which("terraform"), _provider_mirror()
    if terraform is None or mirror is None:
        pytest.skip("needs `terraform` on PATH and the hashicorp/aws 5.100.0 provider in a "
                    "filesystem mirror (set VPCSEC_TF_PROVIDER_MIRROR); the plan is committed")
    work = tmp_path / "plan"
    work.mkdir()
    for name in ("main.tf", "network.tfstate"):
        shutil.copy(PLAN_DIR / name, work / name)
    config = tmp_path / "terraformrc"
    config.write_text(
        'provider_installation {\n'
        f'  filesystem_mirror {{\n    path = {json.dumps(str(mirror))}\n  }}\n'
        '  direct {\n    exclude = ["*/*/*"]\n  }\n}\n', encoding="utf-8")
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(config), "TF_IN_AUTOMATION": "1",
           "CHECKPOINT_DISABLE": "1", "TF_DATA_DIR": str(work / ".terraform")}

    def terraform_run(*args: str) -> str:
        done = subprocess.run([terraform, *args], cwd=work, env=env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        return done.stdout

    terraform_run("init", "-input=false", "-no-color")
    terraform_run("plan", "-input=false", "-no-color", "-lock=false", "-refresh=false",
                  "-out=plan.out")
    made = json.loads(terraform_run("show", "-json", "plan.out"))
    assert normalised(made) == normalised(json.loads(PLAN.read_text(encoding="utf-8")))
