"""Reachability in the editor: a code lens on each workload with what it must reach and
whether it can, and a hover with each path's hops linking to their lines.

Computed on the saved files of the workload's unit (the file's directory for Terraform,
the template for CloudFormation), on request and off the diagnostics path, so saving
still publishes diagnostics as fast as before.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from vpcsec_lint.findings import shown
from vpcsec_lint.values import Location

MARK = {"reachable": "✓", "blocked": "✗", "partial": "✗", "unknown": "?"}


@dataclass
class Lens:
    loc: Location
    title: str
    hover: str
    """Markdown."""


def _link(loc: Location) -> str:
    from pathlib import Path

    name = shown(os.path.basename(loc.path), 80).replace("]", "\\]").replace("[", "\\[")
    return f"[{name}:{loc.line}]({Path(os.path.abspath(loc.path)).as_uri()}#L{loc.line})"


def _md(text: str) -> str:
    """Untrusted text as literal Markdown (no links, emphasis or HTML)."""
    out = shown(text, 300)
    for ch in "\\`*_{}[]<>()#+!|~":
        out = out.replace(ch, "\\" + ch)
    return out


def workload_lenses(path: str) -> list[Lens]:
    """One lens per workload defined in `path`."""
    from vpcsec_lint.reach.intents import all_intents
    from vpcsec_lint.reach.session import load_models

    path = os.path.realpath(path)
    root = os.path.dirname(path) if path.endswith((".tf", ".tf.json")) else path
    groups: dict[tuple[int, int], list] = {}
    for model in load_models([root]).models:
        for intent in all_intents(model):
            loc = intent.source.loc
            if os.path.realpath(loc.path) == path:
                groups.setdefault((loc.line, loc.column), []).append(intent)
    lenses = []
    for intents in groups.values():
        parts, hover = [], [f"**{_md(intents[0].source.resource)}** must reach:", ""]
        for intent in intents:
            answer = intent.evaluate()
            blockers = answer.blockers()
            why = f" (blocked at {blockers[0].hop})" if blockers else ""
            parts.append(f"{shown(answer.target, 60)} {MARK[answer.verdict]}{why}")
            hover.append(f"- {MARK[answer.verdict]} **{_md(answer.target)}** "
                         f"{answer.protocol}/{answer.port}: {answer.verdict}")
            for pair in answer.paths[:4]:
                where = " → ".join(_md(x) for x in (pair.source_subnet, pair.target_subnet) if x)
                where = where or "(placement unknown)"
                hover.append(f"  - path {where} via {_md(pair.via)}: {pair.verdict}")
                for hop in pair.hops:
                    at = f" {_link(hop.loc)}" if hop.loc else ""
                    hover.append(f"    - {hop.status} {_md(hop.hop)} at "
                                 f"{_md(hop.resource)}{at}")
            if answer.fix:
                hover.append(f"  - fix: {_md(answer.fix)}")
        lenses.append(Lens(intents[0].source.loc, "reaches " + " · ".join(parts),
                           "\n".join(hover)))
    return lenses
