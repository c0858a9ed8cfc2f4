"""One description of the network picture, built from the reach answers of a run.

The picture holds the workloads and their targets as nodes, inside their VPC and
subnet as clusters (a subnet's label names its Availability Zone), and one edge per
intent coloured by its verdict. Every renderer (`graph_mermaid`, `graph_dot`,
`graph_html`) draws this one description; node and cluster IDs are generated
(`n1`, `c1`), never taken from the code, and every label is `shown()`, so only
the renderer's own escaping is left to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vpcsec_lint.findings import shown
from vpcsec_lint.reach.flows import hop_step, path_title

if TYPE_CHECKING:
    from vpcsec_lint.model import Model
    from vpcsec_lint.reach.intents import Intent
    from vpcsec_lint.reach.network import Place
    from vpcsec_lint.reach.paths import Answer
    from vpcsec_lint.values import Location

MAX_EDGES = 400
"""Intents drawn per picture; past it the picture says how many were left out."""
MAX_SUBNETS = 200
"""Subnet clusters drawn per picture (the ones holding a node come first)."""
COLOURS = {"reachable": "#2da44e", "blocked": "#cf222e", "partial": "#cf222e",
           "unknown": "#8c959f"}
"""Edge colours: green reachable, red blocked (or partial), grey unknown."""


@dataclass
class Cluster:
    id: str
    label: str
    kind: str
    """`vpc` or `subnet`."""
    parent: str | None = None


@dataclass
class Node:
    id: str
    label: str
    kind: str
    """The place's kind (`lambda`, `db`, ...), `aws` for an AWS API, `internet`."""
    cluster: str | None
    loc: Location | None = None


@dataclass
class Step:
    status: str
    text: str
    loc: Location | None


@dataclass
class Edge:
    source: str
    target: str
    verdict: str
    """`reachable`, `blocked`, `partial` or `unknown`."""
    label: str
    paths: list[tuple[str, list[Step]]] = field(default_factory=list)
    """Each path's title and hops, for the HTML page's list."""

    @property
    def colour(self) -> str:
        return COLOURS[self.verdict]


@dataclass
class Graph:
    clusters: list[Cluster] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    left_out: int = 0
    """Intents past `MAX_EDGES`, not drawn."""


class _Builder:
    def __init__(self) -> None:
        self.graph = Graph()
        self._clusters: dict[tuple[int, str], str] = {}
        self._nodes: dict[tuple[int, str], str] = {}
        self._subnets = 0

    def cluster(self, unit: int, key: str, label: str, kind: str, parent: str | None) -> str:
        found = self._clusters.get((unit, key))
        if found is None:
            found = self._clusters[(unit, key)] = f"c{len(self._clusters) + 1}"
            self.graph.clusters.append(Cluster(found, shown(label, 120), kind, parent))
        return found

    def subnet_cluster(self, unit: int, model: Model, subnet: object) -> str | None:
        from vpcsec_lint.network.routes import subnet_vpc
        from vpcsec_lint.reach.network import zone

        vpc = subnet_vpc(model, subnet)  # type: ignore[arg-type]
        parent = self.cluster(unit, vpc.key, f"VPC {vpc.resource}", "vpc", None) \
            if vpc is not None else None
        if (unit, subnet.key) not in self._clusters:  # type: ignore[attr-defined]
            if self._subnets == MAX_SUBNETS:
                return parent
            self._subnets += 1
        az = zone(subnet)  # type: ignore[arg-type]
        label = f"subnet {subnet.resource}" + (f" · {az}" if az else "")  # type: ignore[attr-defined]
        return self.cluster(unit, subnet.key, label, "subnet", parent)  # type: ignore[attr-defined]

    def node(self, unit: int, model: Model | None, place: Place | str) -> str:
        from vpcsec_lint.network.routes import subnet_vpc
        from vpcsec_lint.reach.network import zone

        name = place if isinstance(place, str) else place.resource
        key = (-1, name) if isinstance(place, str) or place.kind == "internet" else (unit, name)
        found = self._nodes.get(key)
        if found is not None:
            return found
        found = self._nodes[key] = f"n{len(self._nodes) + 1}"
        if isinstance(place, str) or model is None or place.kind == "internet":
            kind = "aws" if name.startswith("aws:") else "internet"
            label = f"AWS API {name[4:]}" if kind == "aws" else name
            self.graph.nodes.append(Node(found, shown(label, 120), kind, None))
            return found
        subnets = [s for s in place.subnets or [] if s is not None]
        cluster, label = None, place.resource
        if len(subnets) == 1:
            cluster = self.subnet_cluster(unit, model, subnets[0])
        elif subnets:
            for subnet in subnets:  # draw them all, so every AZ shows
                self.subnet_cluster(unit, model, subnet)
            vpc = subnet_vpc(model, subnets[0])
            if vpc is not None and all(subnet_vpc(model, s) is vpc for s in subnets):
                cluster = self.cluster(unit, vpc.key, f"VPC {vpc.resource}", "vpc", None)
            zones = sorted({z for z in map(zone, subnets) if z})
            label += f" ({len(subnets)} subnets" + (f": {', '.join(zones)}" if zones else "") \
                + ")"
        self.graph.nodes.append(Node(found, shown(label, 160), place.kind, cluster, place.loc))
        return found

    def edge(self, unit: int, intent: Intent, answer: Answer) -> None:
        source = self.node(unit, intent.model, intent.source)
        target = self.node(unit, intent.model, intent.target)
        label = f"{answer.protocol}/{answer.port}"
        blockers = answer.blockers()
        if blockers:
            first = blockers[0]
            label += f" · blocked at {first.hop} ({first.resource})"
        elif answer.verdict == "unknown":
            label += " · unknown"
        paths = [(path_title(answer.source, answer.target, p),
                  [Step(h.status, hop_step(h).message, h.loc) for h in p.hops])
                 for p in answer.paths]
        self.graph.edges.append(Edge(source, target, answer.verdict, shown(label, 160), paths))


def build_graph(models: list[Model], intents: list[Intent]) -> Graph:
    """The picture of `intents` (each evaluated once) over the VPCs of `models`."""
    builder = _Builder()
    units = {id(m): n for n, m in enumerate(models)}
    for intent in intents[:MAX_EDGES]:
        builder.edge(units.get(id(intent.model), -2), intent, intent.evaluate())
    builder.graph.left_out = max(0, len(intents) - MAX_EDGES)
    return builder.graph


def graph_of_paths(paths: list[str], options: object | None = None) -> Graph:
    """Load the tree as `reach` does and picture every intent, inferred and declared."""
    from vpcsec_lint.reach.intents import all_intents, declared_intents
    from vpcsec_lint.reach.session import load_session

    session = load_session(paths, options)
    intents = [i for model in session.models for i in all_intents(model)]
    declared, _ = declared_intents(session, getattr(options, "reach", []) or [])
    return build_graph(session.models, intents + declared)
