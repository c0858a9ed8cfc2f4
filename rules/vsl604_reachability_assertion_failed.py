"""VSL604 reachability-assertion-failed."""

from __future__ import annotations

from collections.abc import Iterator

from vpcsec_lint.findings import Finding, Related, shown
from vpcsec_lint.model import Model
from vpcsec_lint.registry import Rule


class ReachabilityAssertionFailed(Rule):
    """
    ## What it does
    Checks each `reach:` entry of the configuration — `{from, to, port,
    protocol, expect}`, `expect` `reachable` (the default) or `blocked` —
    against the analysed code. An entry expected reachable that is blocked
    or partial is reported at each blocking hop; an entry expected blocked
    (isolation: `from: internet`, or between tiers) that is reachable or
    partial is reported at the last setting that lets the traffic in (the
    target's security group), with the entry as a related location. An
    `unknown` verdict is never a finding; an entry whose resources are not in
    the analysed files is listed under `summary.unresolved`.

    ## Why is this bad?
    The entry is the team's own statement of what the network must allow or
    forbid; a change that contradicts it breaks the application or opens it,
    and should fail review before it is deployed.

    ## Example
    ```yaml
    # .vpcsec-lint.yaml
    reach:
      - {from: aws_lambda_function.api, to: aws_db_instance.orders}
      - {from: internet, to: aws_db_instance.orders, expect: blocked}
    ```

    ## Use instead
    Change the hop the finding points at (or the entry, if the intent changed).

    ## References
    - https://docs.aws.amazon.com/vpc/latest/reachability/what-is-reachability-analyzer.html
    - https://docs.aws.amazon.com/vpc/latest/network-access-analyzer/what-is-network-access-analyzer.html
    """

    id = "VSL604"
    name = "reachability-assertion-failed"
    severity = "error"
    summary = "A declared reach: entry's verdict contradicts its expectation."
    terraform_types = ()  # findings name the hop that blocks a path, of any type
    cloudformation_types = ()

    def check(self, model: Model) -> Iterator[Finding]:
        from vpcsec_lint.reach.explain import intent_findings
        from vpcsec_lint.reach.flows import path_flows
        from vpcsec_lint.reach.intents import declared_intent
        from vpcsec_lint.reach.session import ModelSet

        analysed = ModelSet([model])
        for entry in model.reach_entries:
            intent = declared_intent(analysed, entry)
            if intent is None:
                continue
            answer = intent.evaluate()
            if intent.expect == "reachable":
                for finding in intent_findings(self, intent):
                    finding.message = f"{intent.why} expects reachable: {finding.message}"
                    yield finding
                continue
            if answer.verdict not in ("reachable", "partial"):
                continue
            open_path = next(p for p in answer.paths if p.verdict == "reachable")
            hop = next((h for h in reversed(open_path.hops) if h.loc is not None
                        and h.hop in ("target-sg-ingress", "public-ip", "route")), None)
            loc = hop.loc if hop is not None and hop.loc is not None else intent.origin
            message = (f"{intent.why} expects blocked, but {answer.source} reaches "
                       f"{answer.target} on {answer.protocol}/{answer.port} "
                       f"({answer.verdict}, via {open_path.via}"
                       + (f" from {open_path.source_subnet}" if open_path.source_subnet else "")
                       + f"): {hop.detail if hop else 'every hop passes'}.")
            finding = self.finding(model, loc, hop.resource if hop else None,
                                   shown(message, 1000),
                                   [Related(intent.origin, "the reach entry")])
            finding.subject = f"{answer.source}->{answer.target}:{answer.port}"
            finding.flows = path_flows(answer.source, answer.target,
                                       [p for p in answer.paths if p.verdict == "reachable"])
            yield finding
