"""VSL207 endpoint-service-region-mismatch."""

from __future__ import annotations

from collections.abc import Iterator

from vpcsec_lint.findings import Finding, Related, shown
from vpcsec_lint.model import Model
from vpcsec_lint.regions import CROSS_REGION_SERVICES, names_service_region, written_service_region
from vpcsec_lint.registry import Rule


class EndpointServiceRegionMismatch(Rule):
    """
    ## What it does
    Flags a VPC endpoint whose service name (`com.amazonaws.<region>.<service>`)
    names a region other than the one the endpoint is created in, when both
    are written as literals: in Terraform the resource's own `region`
    argument (provider v6), else its provider configuration's `region`
    (aliases and provider configurations passed to local modules are
    followed); in CloudFormation the region the template's `Rules` fix
    (an unconditional assertion that `AWS::Region` equals a value).

    An endpoint that names its service's region on purpose
    (`service_region`/`ServiceRegion`, cross-region PrivateLink) is reported
    only when the service is not cross-region enabled (cross-region enabled:
    S3, ECR, KMS, ECS, Lambda, Data Firehose, Managed Service for Apache
    Flink). Regionless names (`com.amazonaws.iam`) and other accounts'
    services are out of scope. Silent when a region comes from a variable, a
    parameter or the environment (VSL208 covers hard-coded names there).

    ## Why is this bad?
    Endpoints are regional: AWS rejects an endpoint for another region's
    service, so the apply or the stack fails; where a copy-pasted name slips
    through a module, the service traffic does not use the endpoint at all.

    ## Example
    ```hcl
    provider "aws" {
      region = "eu-west-1"
    }

    resource "aws_vpc_endpoint" "s3" {
      vpc_id       = aws_vpc.main.id
      service_name = "com.amazonaws.us-east-1.s3"
    }
    ```

    ## Use instead
    ```hcl
    data "aws_region" "current" {}

    resource "aws_vpc_endpoint" "s3" {
      vpc_id       = aws_vpc.main.id
      service_name = "com.amazonaws.${data.aws_region.current.name}.s3"
    }
    ```

    ## References
    - https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
    - https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-cross-region-privatelink-support.html
    - https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html
    """

    id = "VSL207"
    name = "endpoint-service-region-mismatch"
    severity = "error"
    summary = "A VPC endpoint names an AWS service in another region than its own."

    def check(self, model: Model) -> Iterator[Finding]:
        for endpoint in model.endpoints.values():
            service = written_service_region(endpoint)
            region = model.region_of(endpoint.key)
            if service is None or not region.fixed or not isinstance(region.value, str):
                continue
            if service.region == region.value:
                continue
            name = shown(endpoint.service_name)
            if names_service_region(endpoint):
                if service.service in CROSS_REGION_SERVICES:
                    continue
                message = (f"Endpoint {shown(endpoint.resource)} in {shown(region.value)} asks "
                           f"for {name} in {shown(service.region)} through cross-region "
                           f"PrivateLink, but {shown(service.service)} is not cross-region "
                           "enabled: AWS rejects it. Create the endpoint in "
                           f"{shown(service.region)}.")
            else:
                message = (f"Endpoint {shown(endpoint.resource)} is created in "
                           f"{shown(region.value)} but its service {name} is in "
                           f"{shown(service.region)}: endpoints are regional and AWS rejects "
                           "it. Name the service in the endpoint's region.")
            loc = endpoint.service.loc if endpoint.service and endpoint.service.loc else \
                endpoint.loc
            related = [Related(region.loc, f"region {shown(region.value)} set here")] \
                if region.loc is not None else []
            yield self.finding(model, loc, endpoint.resource, message, related)
