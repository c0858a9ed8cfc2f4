"""VSL203 endpoint-policy-wildcard."""

from __future__ import annotations

from collections.abc import Iterator

from vpcsec_lint.findings import Finding, Related, shown
from vpcsec_lint.model import Endpoint, Model
from vpcsec_lint.policy import Policy, full_access, parse_policy, policy_capable
from vpcsec_lint.registry import Rule
from vpcsec_lint.values import Location


class EndpointPolicyWildcard(Rule):
    """
    ## What it does
    Flags an explicit endpoint policy that still lets anyone do anything: a
    statement with `Effect: Allow`, `Principal: "*"` (or `{"AWS": "*"}`), an
    action of `*` or `<service>:*` (or any `NotAction`), a resource of `*` (or
    any `NotResource`) and no condition — unless the policy also has a `Deny`
    statement with a condition (the data-perimeter pattern).

    Every way to write the policy is read: `jsonencode(...)`, heredoc and
    quoted JSON, `file(...)`, `data.aws_iam_policy_document` (where `effect`
    defaults to Allow and `principals { type = "*" }` means anyone), the
    separate `aws_vpc_endpoint_policy` resource (whose omitted `policy` is full
    access), and CloudFormation `PolicyDocument` as an object or a JSON string
    (also inside `Fn::Sub`). `Statement` may be one object or a list.

    Not flagged: a policy whose value is unknown, GatewayLoadBalancer,
    Resource and ServiceNetwork endpoints and other accounts' endpoint
    services (`com.amazonaws.vpce.*`), which cannot take a policy. The
    finding points at the statement, or at the policy attribute when the
    statement has no location of its own.

    ## Why is this bad?
    Someone wrote a policy to restrict what the endpoint can reach, and it
    restricts nothing: it is the default full-access policy again. Any
    principal in the VPC can use the endpoint to reach any resource of the
    service, including other accounts' buckets or keys (a data-exfiltration
    path).

    ## Example
    ```hcl
    resource "aws_vpc_endpoint" "s3" {
      vpc_id       = aws_vpc.main.id
      service_name = "com.amazonaws.eu-west-1.s3"
      policy = jsonencode({
        Statement = [{
          Effect    = "Allow"
          Principal = "*"
          Action    = "*"
          Resource  = "*"
        }]
      })
    }
    ```

    ## Use instead
    ```hcl
    resource "aws_vpc_endpoint" "s3" {
      vpc_id       = aws_vpc.main.id
      service_name = "com.amazonaws.eu-west-1.s3"
      policy = jsonencode({
        Statement = [{
          Effect    = "Allow"
          Principal = "*"
          Action    = ["s3:GetObject", "s3:PutObject"]
          Resource  = ["arn:aws:s3:::my-app-bucket/*"]
        }]
      })
    }
    ```
    Or keep the broad Allow and add a `Deny` with a condition such as
    `aws:ResourceOrgID` (a data perimeter).

    ## References
    - https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html#default-endpoint-policy
    """

    id = "VSL203"
    name = "endpoint-policy-wildcard"
    severity = "warning"
    summary = "An explicit endpoint policy that allows any principal to do anything."

    def check(self, model: Model) -> Iterator[Finding]:
        for endpoint in model.endpoints.values():
            service = policy_capable(endpoint)
            if service is None:
                continue
            if endpoint.policy is not None:
                finding = self._judge(model, endpoint, endpoint.resource,
                                      parse_policy(endpoint.policy, model, endpoint.loc))
                if finding is not None:
                    yield finding
            for address, loc, val in endpoint.policy_resources:
                policies = parse_policy(val, model, loc) if val is not None else [
                    full_access(loc)]
                finding = self._judge(model, endpoint, address, policies)
                if finding is not None:
                    yield finding

    def _judge(self, model: Model, endpoint: Endpoint, resource: str,
               policies: list[Policy]) -> Finding | None:
        """A finding when every possible policy allows everything."""
        if not policies:
            return None
        hits = [(p, p.wildcard_statement()) for p in policies]
        if any(stmt is None for _, stmt in hits):
            return None
        policy, stmt = hits[0]
        assert stmt is not None
        loc, related = _where(policy, stmt.loc, endpoint)
        if policy.form == "default":
            what = f"Endpoint policy {shown(resource)} sets no policy, so " \
                   f"{shown(endpoint.resource)} gets full access"
        else:
            what = f"The endpoint policy of {shown(endpoint.resource)} allows any principal " \
                   "every action on every resource without a condition"
        message = (f"{what}: it restricts nothing. Name the actions and "
                   "resources the workload needs, or add a Deny with a condition "
                   "(a data perimeter).")
        return self.finding(model, loc, resource, message, related)


def _where(policy: Policy, stmt_loc: Location | None,
           endpoint: Endpoint) -> tuple[Location, list[Related]]:
    """The statement when it is in an analysed file, else the policy attribute."""
    related = [Related(endpoint.loc, f"endpoint {shown(endpoint.resource)}")]
    if stmt_loc is not None and policy.form != "file":
        return stmt_loc, [Related(policy.loc, "policy set here"), *related]
    if stmt_loc is not None:
        related.insert(0, Related(stmt_loc, "statement that allows everything"))
    elif policy.source is not None:
        related.insert(0, Related(policy.source, "policy document"))
    return policy.loc, related
