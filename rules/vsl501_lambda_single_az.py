"""VSL501 lambda-single-az."""

from __future__ import annotations

from collections.abc import Iterator

from vpcsec_lint.findings import Finding, Related, shown
from vpcsec_lint.model import LambdaFunction, Model, Subnet
from vpcsec_lint.registry import Rule
from vpcsec_lint.values import Val


class LambdaSingleAz(Rule):
    """
    ## What it does
    Flags a VPC-attached Lambda function whose subnets put it in one
    Availability Zone: exactly one subnet, or several subnets that the
    analysed files place in the same zone. Covers `aws_lambda_function`
    (`vpc_config`), `AWS::Lambda::Function` and `AWS::Serverless::Function`
    (`VpcConfig`, including SAM `Globals.Function.VpcConfig`).

    A list's length counts when it is known even if its items are not
    (`subnet_ids = [var.subnet_id]` is one subnet). An empty list means the
    function is not attached to a VPC. Zones are compared only when every
    subnet is defined in the analysed files with a known zone (names such as
    `eu-west-1a` with names, IDs such as `euw1-az1` with IDs). An unknown list,
    a `dynamic` block, or a conditional with a multi-AZ branch is silence.

    ## Why is this bad?
    A VPC-attached function runs only in the Availability Zones of its
    subnets. With one zone, an AZ outage stops every invocation that needs the
    VPC, even though Lambda itself is a multi-AZ service. AWS recommends at
    least two subnets in different zones.

    ## Example
    ```hcl
    resource "aws_lambda_function" "worker" {
      function_name = "worker"
      vpc_config {
        subnet_ids         = [aws_subnet.private_a.id]
        security_group_ids = [aws_security_group.worker.id]
      }
    }
    ```

    ## Use instead
    ```hcl
    resource "aws_lambda_function" "worker" {
      function_name = "worker"
      vpc_config {
        subnet_ids         = [aws_subnet.private_a.id, aws_subnet.private_b.id]
        security_group_ids = [aws_security_group.worker.id]
      }
    }
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html
    - https://docs.aws.amazon.com/lambda/latest/dg/security-resilience.html
    - https://docs.aws.amazon.com/config/latest/developerguide/lambda-vpc-multi-az-check.html
    """

    id = "VSL501"
    name = "lambda-single-az"
    severity = "warning"
    summary = "A VPC-attached Lambda function whose subnets are all in one Availability Zone."

    def check(self, model: Model) -> Iterator[Finding]:
        for fn in model.lambdas.values():
            if not fn.vpc_attached or fn.subnets is None:
                continue
            candidates = fn.subnets.candidates()
            verdicts = [_single_az(model, fn, c, len(candidates) == 1) for c in candidates]
            if not verdicts or not all(verdicts):
                continue
            reason, related = verdicts[0]  # type: ignore[misc]
            message = (f"Lambda function {shown(fn.resource)} is attached to the VPC through "
                       f"{reason}: an outage of that Availability Zone stops the function. "
                       "Give it subnets in at least two Availability Zones.")
            yield self.finding(model, fn.subnets_loc or fn.loc, fn.resource, message,
                               [*related, *(Related(o, "subnets defined here")
                                            for o in fn.subnets.origins)])


def _single_az(model: Model, fn: LambdaFunction, subnets: Val,
               refs_apply: bool) -> tuple[str, list[Related]] | None:
    """Why the list is one AZ (and where the subnets are), or None when it is not known to be."""
    items = subnets.value
    if not isinstance(items, list) or not items:
        return None
    if len(items) == 1:
        return "exactly one subnet", []
    if all(isinstance(i.value, str) for i in items) and len({i.value for i in items}) == 1:
        return f"one subnet ({shown(items[0].value)}) listed {len(items)} times", []
    if not refs_apply or len(fn.subnet_refs) != len(items):
        return None  # the resolved subnets belong to the value as written, not to a branch
    found = [model.subnets.get(r.key) if r.key else None for r in fn.subnet_refs]
    if any(s is None for s in found):
        return None
    zone = _shared_zone(found)  # type: ignore[arg-type]
    if zone is None:
        return None
    related = [Related(s.availability_zone.loc or s.loc, f"{shown(s.resource)} is in {shown(zone)}")
               for s in found if s is not None and s.availability_zone is not None]
    return f"{len(items)} subnets that are all in {shown(zone)}", related


def _shared_zone(subnets: list[Subnet]) -> str | None:
    """The one zone all subnets are known to be in, else None."""
    zones = set()
    for subnet in subnets:
        az = subnet.availability_zone
        if az is None or az.alternatives or not isinstance(az.value, str) or not az.value:
            return None
        zones.add(az.value)
    if len(zones) != 1:
        return None
    return zones.pop()
