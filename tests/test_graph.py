"""`vpcsec-lint graph`: the network picture in Mermaid, DOT and HTML, names escaped."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import FIXTURES, run_cli

HOSTILE_WORKER = 'W"]-->x[<script>alert(1)</script>\n#quot;|end'
HOSTILE_SUBNET = "P}]\\N\"; evil [label=<b>x</b>];<img src=x onerror=alert(2)>"


def hostile_template(tmp_path: Path) -> Path:
    text = (FIXTURES / "cloudformation" / "VSL602" / "fire.yaml").read_text()
    assert "\n  Worker:\n" in text and "\n  Private:\n" in text and "!Ref Private" in text
    worker = '"' + HOSTILE_WORKER.replace("\\", "\\\\").replace('"', '\\"').replace(
        "\n", "\\n") + '"'
    subnet = '"' + HOSTILE_SUBNET.replace("\\", "\\\\").replace('"', '\\"') + '"'
    text = text.replace("\n  Worker:\n", f"\n  {worker}:\n")
    text = text.replace("\n  Private:\n", f"\n  {subnet}:\n").replace(
        "!Ref Private", f"!Ref {subnet}")
    path = tmp_path / "template.yaml"
    path.write_text(text)
    return path


def graph(*args: str) -> str:
    result = run_cli("graph", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


MERMAID_LABEL = r'"[A-Za-z0-9 _.,:/()=+#;-]*"'
MERMAID_LINE = re.compile(
    r"flowchart LR|\s*end|\s*subgraph c\d+\[@\]|\s*n\d+\[@\]|\s*n\d+ -->\|@\| n\d+"
    r"|\s*linkStyle \d+ stroke:#[0-9a-f]{6},stroke-width:2px,color:#[0-9a-f]{6}"
    r"(,stroke-dasharray:4 4)?".replace("@", MERMAID_LABEL))


def test_mermaid_of_the_fixture_has_clusters_zones_and_coloured_edges():
    text = graph(str(FIXTURES / "terraform" / "VSL601" / "fire"))
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    assert all(MERMAID_LINE.fullmatch(line) for line in lines), lines
    assert '  subgraph c1["VPC aws_vpc.main"]' in lines
    assert '    subgraph c2["subnet aws_subnet.app_a #183; eu-west-1a"]' in lines
    edges = [line for line in lines if "-->" in line]
    styles = [line for line in lines if "linkStyle" in line]
    assert len(edges) == len(styles) == 4
    verdicts = ["blocked at source-sg-egress (aws_security_group.api)" in edges[0],
                edges[1].endswith('"#10003; tcp/5432"| n2')]
    assert verdicts == [True, True], edges
    assert "stroke:#cf222e" in styles[0] and "stroke:#2da44e" in styles[1]


def test_hostile_names_cannot_break_out_of_mermaid_labels(tmp_path):
    text = graph(str(hostile_template(tmp_path)))
    lines = text.splitlines()
    assert all(MERMAID_LINE.fullmatch(line) for line in lines), lines
    assert "<script>" not in text and "-->x" not in text
    assert "#60;script#62;" in text  # the name is there, as entity codes


DOT_STRING = r'"(?:[^"\\]|\\\\|\\")*"'


def test_dot_keeps_hostile_names_inside_their_strings(tmp_path):
    text = graph("--format", "dot", str(hostile_template(tmp_path)))
    outside = re.sub(DOT_STRING, '""', text)
    assert "evil" not in outside and "script" not in outside and "<" not in outside
    assert outside.count("{") == outside.count("}")
    assert '\\\\N\\"; evil [label=<b>x</b>]' in text  # backslash and quote escaped
    assert "\\x0a" in text  # the line break is shown, never written
    lines = outside.splitlines()
    assert lines[0] == "digraph reach {" and lines[-1] == "}"
    assert any(re.fullmatch(r"  n\d+ -> n\d+ \[label=\"\", color=\"\", fontcolor=\"\"\];", line)
               for line in lines)
    assert ' color="#cf222e", fontcolor="#cf222e"];' in text


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.texts: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data):
        self.texts.append(data)


def test_html_is_self_contained_and_escapes_every_name(tmp_path):
    out = tmp_path / "graph.html"
    result = run_cli("graph", "--format", "html", "--output", str(out),
                     str(hostile_template(tmp_path)))
    assert result.returncode == 0, result.stderr
    page = _Page()
    page.feed(out.read_text())
    assert "script" not in page.tags and "img" not in page.tags
    assert not any(name.startswith("on") for name, _ in page.attrs)
    assert not any(value and ("http:" in value or "https:" in value) and name != "xmlns"
                   for name, value in page.attrs), "no network"
    texts = "".join(page.texts)
    assert 'W"]-->x[<script>alert(1)</script>\\x0a#quot;|end' in texts
    assert "blocked: route" in texts  # each intent's hops are listed
    assert page.tags.count("svg") == 1 and "rect" in page.tags


def test_graph_usage_errors():
    result = run_cli("graph", "no/such/dir")
    assert result.returncode == 2 and "no such file" in result.stderr
    result = run_cli("graph", "--format", "png", ".")
    assert result.returncode == 2


@pytest.mark.parametrize("fmt", ["mermaid", "dot", "html"])
def test_a_tree_without_intents_still_draws(fmt, tmp_path):
    (tmp_path / "main.tf").write_text('resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    assert graph("--format", fmt, str(tmp_path))
