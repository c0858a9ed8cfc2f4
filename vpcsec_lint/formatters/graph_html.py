"""The network picture (`reach.graph.Graph`) as one self-contained HTML page.

No script and no network: the diagram is an SVG laid out here (VPCs as boxes,
their subnets as boxes inside labelled with the Availability Zone, each node in
its cluster, AWS APIs and the internet below them, each edge a
coloured arrow), followed by every intent's paths hop by hop. It opens offline in
any browser, and in a mail or artifact viewer that runs no script. Every text is
HTML-escaped (`html.escape`, quotes included).
"""

from __future__ import annotations

from html import escape

from vpcsec_lint.formatters.graph_mermaid import MARK
from vpcsec_lint.reach.graph import COLOURS, Graph, Node

CHAR_W, NODE_H, PAD, GAP = 8, 30, 12, 16
"""Approximate width of a 12px character, node height, cluster padding, gap (px)."""


def _width(text: str) -> int:
    return max(120, len(text) * CHAR_W + 2 * PAD)


class _Layout:
    """Boxes for clusters and nodes: clusters stack vertically, subnets side by side."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.boxes: dict[str, tuple[int, int, int, int]] = {}
        self.children: dict[str | None, list[str]] = {}
        for cluster in graph.clusters:
            self.children.setdefault(cluster.parent, []).append(cluster.id)
        self.members: dict[str | None, list[Node]] = {}
        for node in graph.nodes:
            self.members.setdefault(node.cluster, []).append(node)
        self.labels = {c.id: c.label for c in graph.clusters}

    def place(self, cluster: str, x: int, y: int) -> tuple[int, int]:
        """Lay out `cluster` at (x, y); returns its width and height."""
        inner_y, row_w, row_h = y + 26, 0, 0
        cx = x + PAD
        for child in self.children.get(cluster, []):
            w, h = self.place(child, cx, inner_y)
            cx += w + GAP
            row_w, row_h = cx - x - PAD - GAP, max(row_h, h)
        ny = inner_y + (row_h + GAP if row_h else 0)
        width = max(row_w, _width(self.labels[cluster]))
        for node in self.members.get(cluster, []):
            w = _width(node.label)
            self.boxes[node.id] = (x + PAD, ny, w, NODE_H)
            ny += NODE_H + GAP // 2
            width = max(width, w)
        height = max(ny - y, 40) + PAD // 2
        self.boxes[cluster] = (x, y, width + 2 * PAD, height)
        return width + 2 * PAD, height

    def run(self) -> tuple[int, int]:
        y, width = GAP, 0
        for cluster in self.children.get(None, []):
            w, h = self.place(cluster, GAP, y)
            y, width = y + h + GAP, max(width, w)
        for node in self.members.get(None, []):  # below the VPCs, room for arrows right
            w = _width(node.label)
            self.boxes[node.id] = (GAP, y, w, NODE_H)
            y += NODE_H + GAP
            width = max(width, w)
        return width + 2 * GAP + 120, y + GAP


def _svg(graph: Graph) -> str:
    layout = _Layout(graph)
    width, height = layout.run()
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="network picture">',
             "<defs>"]
    for name, colour in sorted(set(COLOURS.items())):
        parts.append(f'<marker id="arrow-{name}" viewBox="0 0 10 10" refX="10" refY="5" '
                     f'markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
                     f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>')
    parts.append("</defs>")
    for cluster in graph.clusters:
        x, y, w, h = layout.boxes[cluster.id]
        dash = ' stroke-dasharray="5 3"' if cluster.kind == "subnet" else ""
        fill = "#f6f8fa" if cluster.kind == "vpc" else "#ffffff"
        parts.append(f'<g class="cluster {cluster.kind}" data-id="{cluster.id}">'
                     f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6" fill="{fill}" '
                     f'stroke="#57606a"{dash}/><text x="{x + 8}" y="{y + 17}" '
                     f'class="cluster-label">{escape(cluster.label)}</text></g>')
    for n, edge in enumerate(graph.edges):
        sx, sy, sw, sh = layout.boxes[edge.source]
        tx, ty, tw, th = layout.boxes[edge.target]
        x1, y1 = sx + sw, sy + sh // 2
        x2, y2 = (tx, ty + th // 2) if tx > sx + sw else (tx + tw, ty + th // 2)
        if edge.source == edge.target:
            x2, y2 = tx + tw, ty + th
        bend = 40 + 12 * (n % 5)
        dash = ' stroke-dasharray="6 4"' if edge.verdict == "unknown" else ""
        text = f"{MARK[edge.verdict]} {edge.label}"
        parts.append(f'<g class="edge {edge.verdict}"><title>{escape(text)}</title>'
                     f'<path d="M{x1},{y1} C{x1 + bend},{y1} {x2 + bend},{y2} {x2},{y2}" '
                     f'fill="none" stroke="{edge.colour}" stroke-width="2"{dash} '
                     f'marker-end="url(#arrow-{edge.verdict})"/></g>')
    for node in graph.nodes:
        x, y, w, h = layout.boxes[node.id]
        rx = 15 if node.kind in ("aws", "internet") else 4
        parts.append(f'<g class="node {escape(node.kind)}" data-id="{node.id}">'
                     f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{rx}" '
                     f'fill="#ddf4ff" stroke="#0969da"/><text x="{x + PAD}" y="{y + 19}">'
                     f"{escape(node.label)}</text></g>")
    parts.append("</svg>")
    return "\n".join(parts)


_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1f2328}
svg text{font:12px monospace;fill:#1f2328} .cluster-label{font-weight:bold}
.legend span{margin-right:16px} li.blocked{color:#cf222e} li.ok{color:#2da44e}
li.unknown,li.skipped{color:#57606a} code{font-size:12px}
section{border-top:1px solid #d0d7de;margin-top:12px}
"""


def render_graph(graph: Graph, title: str = "vpcsec-lint reachability") -> str:
    nodes = {n.id: n.label for n in graph.nodes}
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
           'style-src \'unsafe-inline\'">',
           f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
           f"<h1>{escape(title)}</h1>", '<p class="legend">'
           + "".join(f'<span style="color:{COLOURS[v]}">{MARK[v]} {v}</span>'
                     for v in ("reachable", "blocked", "unknown")) + "</p>",
           _svg(graph), "<h2>Intents</h2>"]
    if not graph.edges:
        out.append("<p>No reachability intents found (no workload references a target).</p>")
    for edge in graph.edges:
        out.append(f'<section class="intent {edge.verdict}"><h3>{MARK[edge.verdict]} '
                   f"{escape(nodes[edge.source])} → {escape(nodes[edge.target])}: "
                   f"{escape(edge.verdict)}</h3><p>{escape(edge.label)}</p>")
        for title, steps in edge.paths:
            passing = all(step.status in ("ok", "skipped") for step in steps)
            out.append(f"<details{'' if passing else ' open'}><summary>{escape(title)}"
                       "</summary><ol>")
            for step in steps:
                where = f" <code>{escape(step.loc.path)}:{step.loc.line}</code>" \
                    if step.loc else ""
                out.append(f'<li class="{escape(step.status)}">{escape(step.text)}{where}</li>')
            out.append("</ol></details>")
        out.append("</section>")
    if graph.left_out:
        out.append(f"<p>{graph.left_out} more intents not drawn.</p>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
