"""VSL208 endpoint-service-region-hardcoded."""

from __future__ import annotations

from collections.abc import Iterator

from vpcsec_lint.findings import Finding, Related, shown
from vpcsec_lint.model import Model
from vpcsec_lint.regions import names_service_region, written_service_region
from vpcsec_lint.registry import Rule


class EndpointServiceRegionHardcoded(Rule):
    """
    ## What it does
    Flags a VPC endpoint whose service name is written with a literal region
    (`com.amazonaws.us-east-1.s3`) where the deployment region is not fixed:
    every CloudFormation template (unless its `Rules` pin `AWS::Region`),
    and Terraform resources whose region comes from a variable, a data
    source or the environment (a provider without a literal `region`, or a
    module without a provider of its own).

    Not flagged: names built from the deployment's region (`${AWS::Region}`,
    `data.aws_region`, a variable or parameter), endpoints that name their
    service's region on purpose (`service_region`/`ServiceRegion`,
    cross-region PrivateLink), regionless names (`com.amazonaws.iam`) and
    other accounts' services. Where the region is fixed, VSL207 checks that
    the two agree.

    ## Why is this bad?
    The template or module works in the one region it was written for and
    fails everywhere else: endpoints are regional, and AWS rejects a service
    of another region (see VSL207). Copying a stack to a second region, or a
    disaster-recovery deployment, is exactly when nobody expects it.

    ## Example
    ```yaml
    S3Endpoint:
      Type: AWS::EC2::VPCEndpoint
      Properties:
        VpcId: !Ref Vpc
        ServiceName: com.amazonaws.us-east-1.s3
    ```

    ## Use instead
    ```yaml
    S3Endpoint:
      Type: AWS::EC2::VPCEndpoint
      Properties:
        VpcId: !Ref Vpc
        ServiceName: !Sub com.amazonaws.${AWS::Region}.s3
    ```
    In Terraform: `"com.amazonaws.${data.aws_region.current.name}.s3"`.

    ## References
    - https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html
    - https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html
    """

    id = "VSL208"
    name = "endpoint-service-region-hardcoded"
    severity = "note"
    summary = "A VPC endpoint's service name hard-codes a region the deployment does not fix."

    def check(self, model: Model) -> Iterator[Finding]:
        for endpoint in model.endpoints.values():
            service = written_service_region(endpoint)
            if service is None or names_service_region(endpoint):
                continue
            region = model.region_of(endpoint.key)
            if region.fixed:
                continue
            if model.framework == "cloudformation":
                where = "this template can be deployed to any region"
                fix = f"!Sub com.amazonaws.${{AWS::Region}}.{shown(service.service)}"
            else:
                where = ("its provider's region is not a literal" if region.loc
                         else "no provider region is set in the code")
                fix = f'"com.amazonaws.${{data.aws_region.current.name}}.{shown(service.service)}"'
            message = (f"Endpoint {shown(endpoint.resource)} hard-codes region "
                       f"{shown(service.region)} in its service name, but {where}: in any other "
                       f"region the endpoint cannot be created. Use {fix}.")
            related = [Related(region.loc, "region set here")] if region.loc else []
            loc = endpoint.service.loc if endpoint.service and endpoint.service.loc else \
                endpoint.loc
            yield self.finding(model, loc, endpoint.resource, message, related)
