"""The reachability picture as Markdown with a Mermaid block, for CI summaries.

GitHub renders a ```` ```mermaid ```` block in Markdown, the job summary included
(https://docs.github.com/en/get-started/writing-on-github/working-with-advanced-formatting/creating-diagrams);
GitLab renders it in Markdown too
(https://docs.gitlab.com/ee/user/markdown.html#mermaid). The chart's labels are
escaped by `graph_mermaid`, so no name can close the block or add Markdown.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

from vpcsec_lint.findings import printable
from vpcsec_lint.formatters import RenderContext

ARTIFACT_ENV = "VPCSEC_LINT_REACH_MARKDOWN"
GITLAB_ARTIFACT = "vpcsec-lint-reachability.md"
"""Written by `--format gitlab` when `GITLAB_CI` is set and `VPCSEC_LINT_REACH_MARKDOWN`
does not name another file."""


def wanted(fmt: str, environ: Mapping[str, str]) -> bool:
    """Whether `--format fmt` writes the picture here: then the lint run keeps each
    unit's part of it (`reach.graph.ChartParts`) and hands it over as `RenderContext.chart`."""
    if fmt == "github":
        return bool(environ.get("GITHUB_STEP_SUMMARY"))
    return fmt == "gitlab" and bool(_artifact(environ))


def reach_markdown(context: RenderContext) -> str:
    """`### Reachability` and the Mermaid chart; empty when the run drew no picture
    (standard input) or no workload has an intent."""
    if context.chart is None or not context.chart.edges:
        return ""
    from vpcsec_lint.formatters.graph_mermaid import render_graph

    return ("### Reachability\n\nEach workload, what it must reach and whether it can: "
            "green reachable, red blocked (the label names the blocking hop), grey unknown."
            "\n\n```mermaid\n" + render_graph(context.chart) + "```\n")


def _artifact(environ: Mapping[str, str]) -> str:
    return environ.get(ARTIFACT_ENV) or (GITLAB_ARTIFACT if environ.get("GITLAB_CI") else "")


def write_artifact(context: RenderContext, environ: Mapping[str, str]) -> None:
    """`--format gitlab`: write the picture to its Markdown artifact when asked to."""
    target = _artifact(environ)
    if not target:
        return
    text = reach_markdown(context) or "### Reachability\n\nNo reachability intents found.\n"
    try:
        with open(target, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as exc:  # the Code Quality report still goes out
        print(f"vpcsec-lint: warning: cannot write {printable(target)}: "
              f"{exc.strerror or exc}", file=sys.stderr)
