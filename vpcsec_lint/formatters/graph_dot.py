"""The network picture (`reach.graph.Graph`) as Graphviz DOT.

Labels are double-quoted strings with `\\` and `"` escaped, so a name can neither
close its string nor use an escape sequence (`\\N`, `\\l`)
(https://graphviz.org/doc/info/lang.html, https://graphviz.org/docs/attr-types/escString/);
line breaks never reach here (`shown`). IDs are the graph's own (`n1`, `cluster_c1`).
"""

from __future__ import annotations

from vpcsec_lint.formatters.graph_mermaid import MARK
from vpcsec_lint.reach.graph import Graph


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_graph(graph: Graph) -> str:
    lines = ["digraph reach {", "  rankdir=LR;", "  compound=true;",
             '  node [shape=box, style="rounded", fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];']
    children: dict[str | None, list] = {}
    for cluster in graph.clusters:
        children.setdefault(cluster.parent, []).append(cluster)
    members: dict[str | None, list[str]] = {}
    for node in graph.nodes:
        shape = ', shape=ellipse' if node.kind in ("aws", "internet") else ""
        members.setdefault(node.cluster, []).append(
            f"{node.id} [label={quoted(node.label)}{shape}];")

    def emit(parent: str | None, depth: int) -> None:
        pad = "  " * depth
        for cluster in children.get(parent, []):
            style = "rounded" if cluster.kind == "vpc" else "dashed"
            lines.append(f"{pad}subgraph cluster_{cluster.id} {{")
            lines.append(f"{pad}  label={quoted(cluster.label)}; style={style};")
            emit(cluster.id, depth + 1)
            lines.append(f"{pad}}}")
        lines.extend(pad + member for member in members.get(parent, []))

    emit(None, 1)
    for edge in graph.edges:
        style = ", style=dashed" if edge.verdict == "unknown" else ""
        lines.append(f"  {edge.source} -> {edge.target} "
                     f"[label={quoted(MARK[edge.verdict] + ' ' + edge.label)}, "
                     f'color="{edge.colour}", fontcolor="{edge.colour}"{style}];')
    if graph.left_out:
        lines.append(f"  more [label={quoted(f'{graph.left_out} more intents not drawn')}, "
                     "shape=note];")
    lines.append("}")
    return "\n".join(lines) + "\n"
