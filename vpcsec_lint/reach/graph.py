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


# -- What one unit contributes (plain data: it crosses worker processes and the unit cache) --

@dataclass
class SubnetSpec:
    key: str
    label: str
    vpc: tuple[str, str] | None
    """The subnet's VPC (key, cluster label) when known."""


@dataclass
class PlaceSpec:
    """A workload or target as the picture draws it."""

    name: str
    kind: str
    label: str
    special: bool
    """An AWS API or the internet: one node for the whole picture."""
    loc: Location | None = None
    subnets: list[SubnetSpec] = field(default_factory=list)
    vpc: tuple[str, str] | None = None
    """The VPC holding all its subnets, when it has several."""


@dataclass
class EdgeSpec:
    source: PlaceSpec
    target: PlaceSpec
    verdict: str
    label: str
    paths: list[tuple[str, list[Step]]] = field(default_factory=list)


@dataclass
class UnitChart:
    """One unit's part of the picture: its intents' edges, and per `reach:` entry whether
    the unit holds its `from` and `to` addresses and the edge if it resolves here."""

    edges: list[EdgeSpec] = field(default_factory=list)
    more: int = 0
    """Intents past `MAX_EDGES`: never drawn, only counted."""
    entries: list[tuple[bool, bool, EdgeSpec | None]] = field(default_factory=list)


def unit_chart(model: Model, entries: list[dict], with_paths: bool = False) -> UnitChart:
    """What `model` adds to the picture (its intents evaluated once, as the VSL6 rules do)."""
    from vpcsec_lint.reach.intents import all_intents, declared_intent
    from vpcsec_lint.reach.session import ModelSet

    intents = all_intents(model)
    chart = UnitChart([_edge_spec(i, with_paths) for i in intents[:MAX_EDGES]],
                      max(0, len(intents) - MAX_EDGES))
    models = ModelSet([model])
    for entry in entries:
        intent = declared_intent(models, entry)
        chart.entries.append((_holds(models, entry["from"]), _holds(models, entry["to"]),
                              None if intent is None else _edge_spec(intent, with_paths)))
    return chart


def _holds(models: object, address: str) -> bool:
    found = models.find(address)  # type: ignore[attr-defined]
    return found is not None and found[0] is not None


def _edge_spec(intent: Intent, with_paths: bool) -> EdgeSpec:
    answer = intent.evaluate()
    label = f"{answer.protocol}/{answer.port}"
    blockers = answer.blockers()
    if blockers:
        first = blockers[0]
        label += f" · blocked at {first.hop} ({first.resource})"
    elif answer.verdict == "unknown":
        label += " · unknown"
    paths = [(path_title(answer.source, answer.target, p),
              [Step(h.status, hop_step(h).message, h.loc) for h in p.hops])
             for p in answer.paths] if with_paths else []
    return EdgeSpec(_place_spec(intent.model, intent.source),
                    _place_spec(intent.model, intent.target), answer.verdict,
                    shown(label, 160), paths)


def _place_spec(model: Model, place: Place | str) -> PlaceSpec:
    from vpcsec_lint.network.routes import subnet_vpc
    from vpcsec_lint.reach.network import zone

    if isinstance(place, str) or place.kind == "internet":
        name = place if isinstance(place, str) else place.resource
        kind = "aws" if name.startswith("aws:") else "internet"
        label = f"AWS API {name[4:]}" if kind == "aws" else name
        return PlaceSpec(name, kind, shown(label, 120), True)

    def vpc_of(subnet: object) -> tuple[str, str] | None:
        vpc = subnet_vpc(model, subnet)  # type: ignore[arg-type]
        return None if vpc is None else (vpc.key, shown(f"VPC {vpc.resource}", 120))

    subnets = [s for s in place.subnets or [] if s is not None]
    specs = []
    for subnet in subnets:
        az = zone(subnet)
        specs.append(SubnetSpec(subnet.key, shown(f"subnet {subnet.resource}" + (
            f" · {az}" if az else ""), 120), vpc_of(subnet)))
    label, common = place.resource, None
    if len(subnets) > 1:
        vpc = subnet_vpc(model, subnets[0])
        if vpc is not None and all(subnet_vpc(model, s) is vpc for s in subnets):
            common = vpc_of(subnets[0])
        zones = sorted({z for z in map(zone, subnets) if z})
        label += f" ({len(subnets)} subnets" + (f": {', '.join(zones)}" if zones else "") + ")"
    return PlaceSpec(place.resource, place.kind, shown(label, 160), False, place.loc, specs,
                     common)


# -- The picture of a run -------------------------------------------------------------------

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
            self.graph.clusters.append(Cluster(found, label, kind, parent))
        return found

    def subnet_cluster(self, unit: int, subnet: SubnetSpec) -> str | None:
        parent = self.cluster(unit, subnet.vpc[0], subnet.vpc[1], "vpc", None) \
            if subnet.vpc is not None else None
        if (unit, subnet.key) not in self._clusters:
            if self._subnets == MAX_SUBNETS:
                return parent
            self._subnets += 1
        return self.cluster(unit, subnet.key, subnet.label, "subnet", parent)

    def node(self, unit: int, place: PlaceSpec) -> str:
        key = (-1, place.name) if place.special else (unit, place.name)
        found = self._nodes.get(key)
        if found is not None:
            return found
        found = self._nodes[key] = f"n{len(self._nodes) + 1}"
        if place.special:
            self.graph.nodes.append(Node(found, place.label, place.kind, None))
            return found
        cluster = None
        if len(place.subnets) == 1:
            cluster = self.subnet_cluster(unit, place.subnets[0])
        elif place.subnets:
            for subnet in place.subnets:  # draw them all, so every AZ shows
                self.subnet_cluster(unit, subnet)
            if place.vpc is not None:
                cluster = self.cluster(unit, place.vpc[0], place.vpc[1], "vpc", None)
        self.graph.nodes.append(Node(found, place.label, place.kind, cluster, place.loc))
        return found

    def edge(self, unit: int, edge: EdgeSpec) -> None:
        source = self.node(unit, edge.source)
        target = self.node(unit, edge.target)
        self.graph.edges.append(Edge(source, target, edge.verdict, edge.label, edge.paths))


Run = tuple[list[UnitChart], list[dict]]
"""The units of one lint run (one config file), in order, and its `reach:` entries."""


def build_graph(runs: list[Run]) -> Graph:
    """The picture of every unit's intents, then of each run's `reach:` entries resolved
    across its units (an address that two units hold names neither)."""
    from vpcsec_lint.reach.session import ModelSet

    edges: list[tuple[int, EdgeSpec | None]] = []
    declared: list[tuple[int, EdgeSpec | None]] = []
    nobody = ModelSet([])  # resolves only `internet` and `aws:<service>`
    offset = 0
    for charts, entries in runs:
        for n, chart in enumerate(charts, offset):
            edges += [(n, edge) for edge in chart.edges] + [(n, None)] * chart.more
        for i, entry in enumerate(entries):
            held = [(n, chart.entries[i]) for n, chart in enumerate(charts, offset)
                    if i < len(chart.entries)]
            if (sum(has for _, (has, _, _) in held) == 1 or nobody.find(entry["from"])) and \
                    (sum(has for _, (_, has, _) in held) == 1 or nobody.find(entry["to"])):
                declared += [(n, edge) for n, (_, _, edge) in held if edge is not None][:1]
        offset += len(charts)
    edges += declared
    builder = _Builder()
    for n, edge in edges[:MAX_EDGES]:
        if edge is not None:  # a unit keeps only its first MAX_EDGES: never drawn
            builder.edge(n, edge)
    builder.graph.left_out = max(0, len(edges) - MAX_EDGES)
    return builder.graph


class ChartParts:
    """What a lint run collects for the picture, run by run (`lint_with_config`)."""

    def __init__(self) -> None:
        self.runs: list[Run] = []

    def graph(self) -> Graph:
        return build_graph(self.runs)


def graph_of_paths(paths: list[str], options: object | None = None) -> Graph:
    """Load the tree as `reach` does and picture every intent, inferred and declared,
    with each intent's paths hop by hop."""
    from vpcsec_lint.reach.session import load_models

    entries = getattr(options, "reach", []) or []
    return build_graph([([unit_chart(m, entries, with_paths=True)
                          for m in load_models(paths, options).models], entries)])
