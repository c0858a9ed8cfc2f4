"""Regions written into endpoint service names, and the services that may cross regions."""

from __future__ import annotations

from vpcsec_lint.model import Endpoint
from vpcsec_lint.policy import ServiceName, aws_service

CROSS_REGION_SERVICES = frozenset({
    "s3", "ecr.api", "ecr.dkr", "kms", "kms-fips", "ecs", "lambda", "kinesis-firehose",
    "kinesisanalytics", "kinesisanalytics-fips",
})
"""AWS services reachable through cross-region PrivateLink (an endpoint with `service_region`),
from "Cross-region enabled AWS services" in the AWS PrivateLink guide (retrieved 2026-12-07):
https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-cross-region-privatelink-support.html"""


def written_service_region(endpoint: Endpoint) -> ServiceName | None:
    """The endpoint's AWS service name when it is written with a literal region in place.

    None when the name, or its region, comes from a variable, parameter, local
    or data source: the region is then whatever the deployment makes it.
    """
    val = endpoint.service
    if val is None or not isinstance(val.value, str) or val.alternatives:
        return None
    if val.symbol is not None or val.origins:
        return None
    name = aws_service(val.value)
    if name is None or "${" in name.region:
        return None
    return name


def names_service_region(endpoint: Endpoint) -> bool:
    """The endpoint says which region its service is in (cross-region PrivateLink)."""
    region = endpoint.service_region
    return region is not None and region.value not in (None, "")
