"""The reachability picture in CI: GitHub's job summary and GitLab's Markdown artifact."""

from __future__ import annotations

import json
import re

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
