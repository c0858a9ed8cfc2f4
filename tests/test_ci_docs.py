"""docs/ci.md: the documented CI jobs run their vpcsec-lint commands as written.

Each block's `vpcsec-lint` command lines are run with bash in a small git
repository (from a subdirectory where the workflow says so), and the files
they produce are checked the way GitHub and GitLab would read them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import REPO, VPC_AND_DB_SG_TF

DOC = REPO / "docs" / "ci.md"
REPOSITORY = "https://github.com/vpcsec-lint/vpcsec-lint"
PIP_SPEC = f"vpcsec-lint @ git+{REPOSITORY}@${{VPCSEC_LINT_REV}}"


def doc_block(name: str) -> str:
    """The fenced block that follows `<!-- block: name -->` in docs/ci.md."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"<!-- block: {re.escape(name)} -->\n```[a-z]*\n(.*?)\n```", text,
                      re.DOTALL)
    assert match, f"docs/ci.md has no block {name!r}"
    return match.group(1) + "\n"


def lint_commands(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("vpcsec-lint ")]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "infra" / "db").mkdir(parents=True)
    (tmp_path / "infra" / "db" / "main.tf").write_text(VPC_AND_DB_SG_TF)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    return tmp_path


def run(command: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """A documented command line, with this environment's `vpcsec-lint` first on PATH."""
    path = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    return subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PATH": path, **(env or {})}, timeout=600)


def workflow_steps(name: str) -> list[dict]:
    workflow = yaml.safe_load(doc_block(name))
    (job,) = workflow["jobs"].values()
    return job["steps"]


def test_install_lines_and_pre_commit_rev_pin_a_commit():
    """No release is tagged yet: every documented install pins a commit the user fills in."""
    job = yaml.safe_load(doc_block("gitlab"))["vpcsec-lint"]
    assert job["variables"] == {"VPCSEC_LINT_REV": "<commit-sha>"}
    assert job["script"][0] == f'pip install "{PIP_SPEC}"'
    config = yaml.safe_load(doc_block("pre-commit"))
    assert config["repos"][0]["repo"] == REPOSITORY
    assert config["repos"][0]["rev"] == "<commit-sha>"
    for name in ("github-action-sarif", "github-action-annotate"):
        (action,) = [s["uses"] for s in workflow_steps(name)
                     if s.get("uses", "").startswith("vpcsec-lint/")]
        assert action == "vpcsec-lint/vpcsec-lint@<commit-sha>"
    assert "v0.1.0" not in DOC.read_text(encoding="utf-8")


def test_gitlab_job_writes_its_code_quality_report(repo: Path):
    job = yaml.safe_load(doc_block("gitlab"))["vpcsec-lint"]
    (command,) = lint_commands(job["script"])
    assert job["artifacts"]["when"] == "always"
    result = run(command, repo)
    assert result.returncode == 1, result.stderr
    report = json.loads((repo / job["artifacts"]["reports"]["codequality"]).read_text())
    assert [(i["check_name"], i["severity"], i["location"]) for i in report] == [
        ("VSL101", "major", {"path": "infra/db/main.tf", "lines": {"begin": 11, "end": 11}})]
