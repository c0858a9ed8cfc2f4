"""The reachability picture in CI: GitHub's job summary and GitLab's Markdown artifact."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys

import pytest
from helpers import FIXTURES, run_cli
from test_graph import MERMAID_LINE, hostile_template

VSL601 = str(FIXTURES / "terraform" / "VSL601" / "fire")


def mermaid_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```mermaid\n(.*?)^```$", markdown, flags=re.S | re.M)


def test_github_job_summary_holds_the_chart(tmp_path):
    summary = tmp_path / "summary.md"
    result = run_cli("--format", "github", VSL601, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.returncode == 1, result.stderr
    text = summary.read_text()
    assert text.startswith("## vpcsec-lint")
    (chart,) = mermaid_blocks(text)
    lines = chart.splitlines()
    assert lines[0] == "flowchart LR"
    assert all(MERMAID_LINE.fullmatch(line) for line in lines), lines
    assert sum("-->" in line for line in lines) == 4
    assert "blocked at source-sg-egress (aws_security_group.api)" in chart
    assert text.count("```") == 2  # the block is closed, and nothing else opens one


def test_github_summary_of_hostile_names_stays_one_chart(tmp_path):
    summary = tmp_path / "summary.md"
    run_cli("--format", "github", str(hostile_template(tmp_path)),
            env={"GITHUB_STEP_SUMMARY": str(summary)})
    text = summary.read_text()
    (chart,) = mermaid_blocks(text)
    assert all(MERMAID_LINE.fullmatch(line) for line in chart.splitlines())
    assert text.count("```") == 2 and "<script>" not in chart


def test_github_summary_without_intents_has_no_chart(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "main.tf").write_text('resource "aws_vpc" "v" {}\n')
    summary2 = tmp_path / "summary2.md"
    run_cli("--format", "github", str(tmp_path / "empty"),
            env={"GITHUB_STEP_SUMMARY": str(summary2)})
    text = summary2.read_text()
    assert text.startswith("## vpcsec-lint") and "```mermaid" not in text


def test_gitlab_writes_the_markdown_artifact_in_a_pipeline(tmp_path):
    result = run_cli("--format", "gitlab", VSL601, cwd=tmp_path,
                     env={"GITLAB_CI": "true", "VPCSEC_LINT_REACH_MARKDOWN": ""})
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout), "the Code Quality report is unchanged"
    text = (tmp_path / "vpcsec-lint-reachability.md").read_text()
    (chart,) = mermaid_blocks(text)
    assert all(MERMAID_LINE.fullmatch(line) for line in chart.splitlines())
    assert "aws_lambda_function.api" in chart


def test_gitlab_writes_nothing_outside_a_pipeline_unless_asked(tmp_path):
    env = {"GITLAB_CI": "", "VPCSEC_LINT_REACH_MARKDOWN": ""}
    run_cli("--format", "gitlab", VSL601, cwd=tmp_path, env=env)
    assert list(tmp_path.iterdir()) == []
    target = tmp_path / "out" / "reach.md"
    target.parent.mkdir()
    run_cli("--format", "gitlab", VSL601, cwd=tmp_path,
            env={**env, "VPCSEC_LINT_REACH_MARKDOWN": str(target)})
    assert mermaid_blocks(target.read_text())


def test_the_documented_gitlab_job_publishes_the_artifact():
    import yaml
    from test_ci_docs import doc_block

    from vpcsec_lint.formatters.reach_markdown import GITLAB_ARTIFACT

    job = yaml.safe_load(doc_block("gitlab"))["vpcsec-lint"]
    assert job["artifacts"]["paths"] == [GITLAB_ARTIFACT]


# -- One analysis: the picture comes from the lint run itself -----------------------

REACH_CONFIG = str(FIXTURES / "cloudformation" / "VSL604" / ".vpcsec-lint.yaml")
EXAMPLES = ["--config", REACH_CONFIG, str(FIXTURES / "terraform" / "examples"),
            str(FIXTURES / "cloudformation" / "examples"),
            str(FIXTURES / "cloudformation" / "VSL604")]
"""Many units, inferred intents in both frameworks, and `reach:` entries."""


def run_in_process(monkeypatch, tmp_path, fmt: str, *args: str) -> tuple[str, list[str]]:
    """`vpcsec-lint --format fmt ARGS` in this process: the picture, and every unit loaded."""
    from vpcsec_lint.cli import main
    from vpcsec_lint.session import Session

    target = tmp_path / f"{fmt}.md"
    target.unlink(missing_ok=True)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY" if fmt == "github" else "VPCSEC_LINT_REACH_MARKDOWN",
                       str(target))
    loaded: list[str] = []
    load = Session.load
    monkeypatch.setattr(Session, "load", lambda self, task, extra=None: loaded.append(
        task.path) or load(self, task, extra))
    assert main(["--format", fmt, "--output", str(tmp_path / "out"), *args]) == 1
    (chart,) = mermaid_blocks(target.read_text())
    return chart, loaded


@pytest.mark.parametrize("fmt", ["github", "gitlab"])
def test_the_picture_reuses_the_lint_runs_analysis(monkeypatch, tmp_path, fmt):
    from vpcsec_lint.config import resolve_options
    from vpcsec_lint.formatters.graph_mermaid import render_graph
    from vpcsec_lint.reach.graph import graph_of_paths

    chart, loaded = run_in_process(monkeypatch, tmp_path, fmt, "--no-cache", "--jobs", "1",
                                   *EXAMPLES)
    assert len(loaded) == len(set(loaded)) > 3  # each unit loaded once: no second analysis
    assert chart.count("-->") > 10
    # The same picture as `vpcsec-lint graph` draws from the tree loaded on its own.
    options, _ = resolve_options(argparse.Namespace(
        select=None, ignore=None, fail_on=None, config=REACH_CONFIG, var_file=[], jobs=None),
        EXAMPLES[2:])
    assert options.reach
    assert chart == render_graph(graph_of_paths(EXAMPLES[2:], options))


def test_the_picture_crosses_worker_processes_and_the_unit_cache(monkeypatch, tmp_path):
    from vpcsec_lint import units

    monkeypatch.setenv("VPCSEC_LINT_CACHE_DIR", str(tmp_path / "cache"))
    serial, _ = run_in_process(monkeypatch, tmp_path, "github", "--no-cache", "--jobs", "1",
                               *EXAMPLES)
    lint_only = subprocess.run([sys.executable, "-m", "vpcsec_lint", "--format", "json",
                                *EXAMPLES], capture_output=True, env={
        **os.environ, "VPCSEC_LINT_CACHE_DIR": str(tmp_path / "cache")})
    assert lint_only.returncode == 1  # cached without the picture's parts
    monkeypatch.setattr(units, "POOL_MIN_BYTES", 0)  # two workers even for this little
    cold, loaded = run_in_process(monkeypatch, tmp_path, "gitlab", "--jobs", "2", *EXAMPLES)
    assert cold == serial and loaded == []  # every unit analysed again, in the workers
    warm, loaded = run_in_process(monkeypatch, tmp_path, "github", "--jobs", "2", *EXAMPLES)
    assert warm == serial and loaded == []  # all from the unit cache
