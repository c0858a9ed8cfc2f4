"""The network picture (`reach.graph.Graph`) as a Mermaid flowchart.

Every label is written in double quotes with each character outside a small safe
set as a Mermaid entity code (`#34;` for `"`), so no name from the analysed code
can close a label, open a link (`-->`), start a directive or inject markup
(https://mermaid.js.org/syntax/flowchart.html#entity-codes-to-escape-characters).
IDs are the graph's own (`n1`, `c1`).
"""

from __future__ import annotations

import re

from vpcsec_lint.reach.graph import Graph

_UNSAFE = re.compile(r"[^A-Za-z0-9 _.,:/()=+-]")
MARK = {"reachable": "✓", "blocked": "✗", "partial": "✗", "unknown": "?"}
"""A sign besides the colour, for readers who cannot tell red from green."""


def label(text: str) -> str:
    """`text` as a quoted Mermaid label: only safe characters left, the rest entity codes."""
    return '"' + _UNSAFE.sub(lambda m: f"#{ord(m.group())};", text) + '"'


def render_graph(graph: Graph) -> str:
    lines = ["flowchart LR"]
    children: dict[str | None, list[str]] = {}
    for cluster in graph.clusters:
        children.setdefault(cluster.parent, []).append(cluster.id)
    labels = {c.id: c.label for c in graph.clusters}
    members: dict[str | None, list[str]] = {}
    for node in graph.nodes:
        members.setdefault(node.cluster, []).append(
            f"{node.id}[{label(node.label)}]")

    def emit(cluster: str | None, depth: int) -> None:
        pad = "  " * depth
        for child in children.get(cluster, []):
            lines.append(f"{pad}subgraph {child}[{label(labels[child])}]")
            emit(child, depth + 1)
            lines.append(f"{pad}end")
        lines.extend(pad + member for member in members.get(cluster, []))

    emit(None, 1)
    for edge in graph.edges:
        text = f"{MARK[edge.verdict]} {edge.label}"
        lines.append(f"  {edge.source} -->|{label(text)}| {edge.target}")
    for n, edge in enumerate(graph.edges):
        dash = ",stroke-dasharray:4 4" if edge.verdict == "unknown" else ""
        lines.append(f"  linkStyle {n} stroke:{edge.colour},stroke-width:2px,"
                     f"color:{edge.colour}{dash}")
    if graph.left_out:
        lines.append(f"  more[{label(f'{graph.left_out} more intents not drawn')}]")
    return "\n".join(lines) + "\n"
