"""The pictures as a browser draws them: the real `mermaid` package and the HTML page in
headless Chromium (`tests/browser/render.mjs`, driven by `playwright-core`).

Needs `chromium` (or `CHROMIUM`), `node` and `npm ci` in `tests/browser`; skips without
them on a developer machine and fails on CI (`require`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import FIXTURES, REPO, require, run_cli
from test_graph import HOSTILE_WORKER, hostile_template

BROWSER_DIR = REPO / "tests" / "browser"
VSL601 = str(FIXTURES / "terraform" / "VSL601" / "fire")


@pytest.fixture(scope="module")
def browser() -> None:
    require("chromium", os.environ.get("CHROMIUM") or shutil.which("chromium"))
    require("node", shutil.which("node"))
    require("npm packages in tests/browser (npm ci)",
            (BROWSER_DIR / "node_modules" / "mermaid").is_dir()
            and (BROWSER_DIR / "node_modules" / "playwright-core").is_dir())


def draw(mode: str, path: Path, shot: Path | None = None) -> dict:
    args = ["node", str(BROWSER_DIR / "render.mjs"), mode, str(path)]
    result = subprocess.run(args + ([str(shot)] if shot else []), capture_output=True,
                            text=True, timeout=300, cwd=BROWSER_DIR)
    assert result.returncode == 0, result.stderr
    drawn = json.loads(result.stdout)
    assert drawn["errors"] == []
    return drawn


def picture(tmp_path: Path, fmt: str, source: str) -> Path:
    out = tmp_path / f"picture.{fmt}"
    result = run_cli("graph", "--format", fmt, "--output", str(out), source)
    assert result.returncode == 0, result.stderr
    return out


def test_mermaid_parses_and_renders_the_chart(browser, tmp_path):
    drawn = draw("mermaid", picture(tmp_path, "mermaid", VSL601))
    assert "aws_lambda_function.api (2 subnets: eu-west-1a, eu-west-1b)" in drawn["nodes"]
    assert "aws_lambda_function.report" in drawn["nodes"]
    assert drawn["clusters"] == ["VPC aws_vpc.main"]
    assert "subnet aws_subnet.app_a · eu-west-1a" in drawn["nodes"]  # empty subgraphs
    assert drawn["edgeLabels"] == [
        "✗ tcp/5432 · blocked at source-sg-egress (aws_security_group.api)",
        "✓ tcp/5432",
        "✗ tcp/6379 · blocked at target-sg-ingress (aws_security_group.cache)",
        "✗ tcp/5432 · blocked at vpc-attachment (aws_lambda_function.report)"]
    assert [style.split(";")[0] for style in drawn["edges"]] == [
        "stroke:#cf222e", "stroke:#2da44e", "stroke:#cf222e", "stroke:#cf222e"]


def test_mermaid_shows_hostile_names_as_text(browser, tmp_path):
    drawn = draw("mermaid", picture(tmp_path, "mermaid", str(hostile_template(tmp_path))))
    assert drawn["scripts"] == 0
    shown = HOSTILE_WORKER.replace("\n", "\\x0a")
    assert shown in drawn["nodes"], drawn["nodes"]
    assert len(drawn["edgeLabels"]) == 2


def test_html_page_renders_offline(browser, tmp_path):
    drawn = draw("html", picture(tmp_path, "html", VSL601))
    assert drawn["scripts"] == 0
    assert "aws_db_instance.orders (2 subnets: eu-west-1a, eu-west-1b)" in drawn["nodes"]
    assert len(drawn["nodes"]) == 5 and drawn["intents"] == 4
    assert drawn["clusters"][0] == "VPC aws_vpc.main"
    assert "subnet aws_subnet.data_b · eu-west-1b" in drawn["clusters"]
    assert drawn["edges"] == ["#cf222e", "#2da44e", "#cf222e", "#cf222e"]


def test_html_page_of_hostile_names_runs_nothing(browser, tmp_path):
    drawn = draw("html", picture(tmp_path, "html", str(hostile_template(tmp_path))))
    assert drawn["scripts"] == 0
    assert HOSTILE_WORKER.replace("\n", "\\x0a") in drawn["nodes"]
