"""VSL204 endpoint-policy-missing."""

from __future__ import annotations

from collections.abc import Iterator

from vpcsec_lint.findings import Finding, shown
from vpcsec_lint.model import Endpoint, Model
from vpcsec_lint.policy import accepts_policy, policy_capable
from vpcsec_lint.registry import Rule


class EndpointPolicyMissing(Rule):
    """
    ## What it does
    Flags a VPC endpoint with no policy at all, for a service known to accept
    endpoint policies (the list shipped in
    `vpcsec_lint/data/endpoint_policy_services.json`, with its source and
    date). A policy is present when `policy`/`PolicyDocument` is set or an
    `aws_vpc_endpoint_policy` targets the endpoint. It is a note, for teams
    that want zero-trust endpoints: raise its severity in the config.

    Not flagged: a service not in the list (unknown), a policy whose value
    cannot be resolved (it is present), other accounts' endpoint services
    (`com.amazonaws.vpce.*`) and GatewayLoadBalancer, Resource and
    ServiceNetwork endpoints, which cannot take a policy.

    ## Why is this bad?
    Without a policy, AWS attaches the default one: any principal may use the
    endpoint for any action on any resource, including resources in other
    accounts. An endpoint policy is where you state which buckets, queues or
    keys the workload is meant to reach.

    ## Example
    ```hcl
    resource "aws_vpc_endpoint" "s3" {
      vpc_id          = aws_vpc.main.id
      service_name    = "com.amazonaws.eu-west-1.s3"
      route_table_ids = [aws_route_table.private.id]
    }
    ```

    ## Use instead
    ```hcl
    resource "aws_vpc_endpoint" "s3" {
      vpc_id          = aws_vpc.main.id
      service_name    = "com.amazonaws.eu-west-1.s3"
      route_table_ids = [aws_route_table.private.id]
      policy          = data.aws_iam_policy_document.s3_endpoint.json
    }
    ```
    In CloudFormation, set `PolicyDocument`.

    ## References
    - https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html#default-endpoint-policy
    """

    id = "VSL204"
    name = "endpoint-policy-missing"
    severity = "note"
    summary = "A VPC endpoint without an endpoint policy (full access by default)."

    def check(self, model: Model) -> Iterator[Finding]:
        if _unresolved_policy_resource(model):
            return  # it may be any endpoint's policy
        for endpoint in model.endpoints.values():
            if _policy_set(endpoint) or endpoint.policy_resources:
                continue
            service = policy_capable(endpoint)
            if service is None or not accepts_policy(service):
                continue
            yield self.finding(
                model, endpoint.loc, endpoint.resource,
                f"Endpoint {shown(endpoint.resource)} ({shown(service.service)}) has no "
                "endpoint policy, so AWS allows any principal every action on every resource "
                "through it; attach a "
                "policy that names what the workload needs.")


def _policy_set(endpoint: Endpoint) -> bool:
    """`policy` is written and not a known `null` (Terraform's way to omit it)."""
    val = endpoint.policy
    return val is not None and (val.value is not None or bool(val.alternatives))


def _unresolved_policy_resource(model: Model) -> bool:
    """An `aws_vpc_endpoint_policy` whose endpoint the model cannot follow."""
    attached = {address for e in model.endpoints.values() for address, _, _ in e.policy_resources}
    return any(raw.type == "aws_vpc_endpoint_policy" and not raw.is_data
               and address not in attached for address, raw in model.resources.items())
