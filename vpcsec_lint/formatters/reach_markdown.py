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


def reach_markdown(context: RenderContext) -> str:
    """`### Reachability` and the Mermaid chart; empty when nothing was linted from
    disk or no workload has an intent."""
    if not context.paths:
        return ""
    from vpcsec_lint.config import ConfigError
    from vpcsec_lint.formatters.graph_mermaid import render_graph
    from vpcsec_lint.reach.graph_command import graph_for

    try:
        graph = graph_for(list(context.paths), context.config, list(context.var_files))
    except ConfigError:  # the lint run already reported it
        return ""
    if not graph.edges:  # type: ignore[attr-defined]
        return ""
    return ("### Reachability\n\nEach workload, what it must reach and whether it can: "
            "green reachable, red blocked (the label names the blocking hop), grey unknown."
            "\n\n```mermaid\n" + render_graph(graph) + "```\n")  # type: ignore[arg-type]


def write_artifact(context: RenderContext, environ: Mapping[str, str]) -> None:
    """`--format gitlab`: write the picture to its Markdown artifact when asked to."""
    target = environ.get(ARTIFACT_ENV) or (GITLAB_ARTIFACT if environ.get("GITLAB_CI")
                                           else "")
    if not target:
        return
    text = reach_markdown(context) or "### Reachability\n\nNo reachability intents found.\n"
    try:
        with open(target, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as exc:  # the Code Quality report still goes out
        print(f"vpcsec-lint: warning: cannot write {printable(target)}: "
              f"{exc.strerror or exc}", file=sys.stderr)
