"""What to change: the smallest fix for each blocking hop, and the `reach` output.

For an AWS API with no path, the endpoint comes first (private, and cheaper than NAT
data processing):
https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vpcsec_lint.findings import shown

if TYPE_CHECKING:
    from vpcsec_lint.model import Model
    from vpcsec_lint.reach.hops import Hop
    from vpcsec_lint.reach.network import Place
    from vpcsec_lint.reach.paths import Answer


def fix_text(model: Model, source: Place, target: Place | str, answer: Answer) -> str:
    """One sentence per distinct blocker, in path order; empty when nothing blocks."""
    fixes: list[str] = []
    for hop in answer.blockers():
        text = _fix(source, target, answer, hop)
        if text not in fixes:
            fixes.append(text)
    return "; ".join(fixes) + ("." if fixes else "")


def _fix(source: Place, target_place: Place | str, answer: Answer, hop: Hop) -> str:
    target, port = answer.target, answer.port
    service = target[4:] if target.startswith("aws:") else None
    if hop.fix:
        return hop.fix
    if hop.code == "NOT_IN_VPC":
        return (f"attach {source.resource} to the VPC (vpc_config/VpcConfig) in subnets that "
                f"can reach {target}")
    if hop.code == "VPC_DNS_DISABLED":
        return f"turn on DNS support (and DNS hostnames) on {hop.resource}"
    if hop.hop == "source-sg-egress":
        return (f"allow egress {answer.protocol}/{port} on {hop.resource} to "
                f"{_other_side(target_place)}")
    if hop.hop == "target-sg-ingress":
        return (f"allow ingress {answer.protocol}/{port} on {hop.resource} from "
                f"{_other_side(source)}")
    if hop.hop == "nacl-reply":
        return (f"let {hop.resource} pass the replies: allow {answer.protocol.upper()} "
                f"{source.ephemeral[0]}-{source.ephemeral[1]} to the client's subnet")
    if hop.hop.endswith("nacl") or "nacl" in hop.hop:
        return f"add an entry to {hop.resource} that allows {hop.detail.split(' allow ')[-1]}"
    if hop.code == "NAT_NO_INTERNET_ROUTE":
        return (f"route 0.0.0.0/0 in {hop.resource} to an internet gateway attached to the VPC "
                "(a public NAT gateway needs a public subnet)")
    if service is not None and hop.hop in ("route", "public-ip", "endpoint-private-dns"):
        if answer.alternatives:  # an endpoint is there: turning on private DNS is smaller
            return f"{answer.alternatives[0]} (or route 0.0.0.0/0 to a NAT gateway)"
        return _api_fix(service)
    if hop.hop in ("route", "return-route"):
        return f"add a route in {hop.resource} through the VPC peering connection"
    if target == "internet" and hop.hop in ("route", "public-ip"):
        return "route 0.0.0.0/0 from the workload's subnets to a NAT gateway"
    return f"change {hop.resource} ({shown(hop.detail)})"


def _api_fix(service: str) -> str:
    name = f"com.amazonaws.<region>.{service}"
    if service in ("s3", "dynamodb"):
        return (f"add a gateway endpoint for {name} on the subnets' route tables (free), or an "
                "interface endpoint with private DNS on, or a route to a NAT gateway")
    return (f"add an interface endpoint for {name} with private DNS on in the workload's VPC, "
            "or route 0.0.0.0/0 to a NAT gateway in a public subnet")


def _other_side(place: Place | str) -> str:
    """A peer as a rule should name it: its security group (by membership, not by IP)."""
    if isinstance(place, str):
        return "0.0.0.0/0 (or the endpoint's group or prefix list)" if place.startswith(
            "aws:") or place == "internet" else place
    if place.groups:
        return f"{place.groups[0].resource} (the group of {place.resource})"
    return place.resource


# -- the `reach` subcommand's output ---------------------------------------------------


def render_text(answer: Answer, origin: str | None = None) -> str:
    lines = [f"{answer.source} -> {answer.target} ({answer.protocol}/{answer.port}): "
             f"{answer.verdict}" + (f"  [{origin}]" if origin else "")]
    for path in answer.paths:
        where = " -> ".join(x for x in (path.source_subnet, path.target_subnet) if x)
        lines.append(f"  path {where or '(placement unknown)'} via {path.via}: {path.verdict}")
        for hop in path.hops:
            at = f"{hop.loc.path}:{hop.loc.line}" if hop.loc else "-"
            code = f" {hop.code}" if hop.code else ""
            lines.append(f"    {hop.status:<8} {hop.hop}{code} {hop.resource} {at}: "
                         f"{shown(hop.detail, 200)}")
    if answer.fix:
        lines.append(f"  fix: {answer.fix}")
    lines.extend(budget_line(n) for n in answer.budgets)
    return "\n".join(lines) + "\n"


def budget_line(notice: Any) -> str:
    """A reach budget hit as the text output gives it."""
    return (f"budget hit: {notice.path}:{notice.line}: {shown(notice.message, 300)} "
            f"[{notice.code}]")


def render_json(answer: Answer, origin: dict[str, Any] | None = None) -> dict[str, Any]:
    data = answer.as_json()
    if origin is not None:
        data["origin"] = origin
    return data


# -- findings ----------------------------------------------------------------------------


def intent_findings(rule: Any, intent: Any) -> list[Any]:
    """One finding per blocking hop kind of a blocked or partial intent, at the line to
    change, with the intent's origin and the other blockers as related locations."""
    from vpcsec_lint.findings import Related
    from vpcsec_lint.reach.flows import path_flows

    answer = intent.evaluate()
    if answer.verdict not in ("blocked", "partial"):
        return []
    by_kind: dict[str, Hop] = {}
    for hop in answer.blockers():
        if hop.loc is not None:
            by_kind.setdefault(hop.hop, hop)
    failing = ""
    if answer.verdict == "partial":
        subnets = [f"{p.source_subnet or p.target_subnet}"
                   + (f" ({p.zone})" if p.zone else "") for p in answer.failing()]
        failing = f" from {', '.join(dict.fromkeys(subnets))}"
    flows = path_flows(answer.source, answer.target, answer.failing())
    out = []
    for kind, hop in by_kind.items():
        others = [Related(h.loc, f"also blocking: {h.hop} at {h.resource}")
                  for h in by_kind.values() if h is not hop and h.loc is not None]
        message = (f"{answer.source} cannot reach {answer.target} on "
                   f"{answer.protocol}/{answer.port} ({answer.verdict}{failing}); blocked at "
                   f"{kind}: {hop.detail}. Fix: {answer.fix}")
        finding = rule.finding(intent.model, hop.loc, hop.resource, shown(message, 1000),
                               [Related(intent.origin, f"needed because {intent.why}"),
                                *others])
        finding.subject = f"{answer.source}->{answer.target}:{answer.port}:{kind}"
        finding.flows = flows
        out.append(finding)
    return out
