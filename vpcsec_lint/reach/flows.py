"""The paths behind a reachability finding as `Flow`s, which SARIF writes as code flows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from vpcsec_lint.findings import Flow, FlowStep, shown

if TYPE_CHECKING:
    from vpcsec_lint.reach.hops import Hop
    from vpcsec_lint.reach.paths import PairPath

MAX_FLOWS = 16
"""Paths kept per finding (one per subnet pair): enough to show each zone's failure."""


def hop_step(hop: Hop) -> FlowStep:
    """A hop as one step: its status first, then what it is and why."""
    code = f" {hop.code}" if hop.code else ""
    text = f"{hop.status}: {hop.hop}{code} at {hop.resource}: {hop.detail}"
    return FlowStep(hop.loc, shown(text, 300), hop.status, shown(hop.resource, 200))


def path_title(source: str, target: str, path: PairPath) -> str:
    where = " -> ".join(x for x in (path.source_subnet, path.target_subnet) if x)
    zone = f" in {path.zone}" if path.zone else ""
    return shown(f"{source} -> {target} {where or '(placement unknown)'}{zone} via "
                 f"{path.via}: {path.verdict}", 300)


def path_flows(source: str, target: str, paths: Iterable[PairPath]) -> tuple[Flow, ...]:
    """One flow per path (at most `MAX_FLOWS`), a step per hop."""
    flows: list[Flow] = []
    for path in paths:
        if len(flows) == MAX_FLOWS:
            break
        flows.append(Flow(path_title(source, target, path),
                          tuple(hop_step(h) for h in path.hops)))
    return tuple(flows)
