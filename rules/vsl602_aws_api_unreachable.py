"""VSL602 aws-api-unreachable."""

from __future__ import annotations

from collections.abc import Iterator

from vpcsec_lint.findings import Finding
from vpcsec_lint.model import Model
from vpcsec_lint.registry import Rule


class AwsApiUnreachable(Rule):
    """
    ## What it does
    Flags a workload whose own configuration says it calls an AWS service —
    an environment variable that references a queue, table, secret, bucket,
    topic, stream, parameter or key, or (for Fargate tasks) the images, secrets
    and logs the task pulls through its own network interface — when no path
    from its subnets reaches that service's API. The path is the one DNS and
    routing choose: an interface endpoint with private DNS on carries the
    traffic; else a gateway endpoint (S3, DynamoDB) on the subnet's route
    table; else whatever `0.0.0.0/0` targets (a NAT gateway that itself
    reaches an internet gateway, or an internet gateway, which serves no
    Lambda function). On an endpoint's path its policy is judged too: when the
    policy, the workload's role and the actions that role allows for the
    service are all known and the policy allows none of them on the resource
    the workload references, the path is blocked at the policy. Each blocking
    hop is one finding, at the setting to change, with the environment
    variable as a related location. A verdict that depends on unknown values
    is never a finding.

    ## Why is this bad?
    The call hangs until the SDK or the function times out: "my Lambda times
    out calling Secrets Manager" is the most common VPC support question. A
    function in a private subnet without an endpoint or NAT route has no way
    out, an interface endpoint with private DNS off is bypassed, and a Lambda
    function in a public subnet never gets a public IPv4 address.

    ## Example
    ```hcl
    resource "aws_lambda_function" "worker" {
      vpc_config {
        subnet_ids         = [aws_subnet.private.id]   # no endpoint, no NAT route
        security_group_ids = [aws_security_group.worker.id]
      }
      environment {
        variables = { QUEUE_URL = aws_sqs_queue.jobs.url }
      }
    }
    ```

    ## Use instead
    ```hcl
    resource "aws_vpc_endpoint" "sqs" {
      vpc_id              = aws_vpc.main.id
      service_name        = "com.amazonaws.eu-west-1.sqs"
      vpc_endpoint_type   = "Interface"
      private_dns_enabled = true
      subnet_ids          = [aws_subnet.private.id]
      security_group_ids  = [aws_security_group.endpoints.id]  # 443 from the worker
    }
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html
    - https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html
    - https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html
    - https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html
    - https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-networking.html
    """

    id = "VSL602"
    name = "aws-api-unreachable"
    severity = "error"
    summary = "A workload that calls an AWS service has no network path to its API."
    terraform_types = ()  # findings name the hop that blocks a path, of any type
    cloudformation_types = ()

    def check(self, model: Model) -> Iterator[Finding]:
        from vpcsec_lint.reach.explain import intent_findings
        from vpcsec_lint.reach.intents import all_intents

        for intent in all_intents(model):
            if intent.kind in ("address", "fargate") and isinstance(intent.target, str) \
                    and intent.target.startswith("aws:"):
                yield from intent_findings(self, intent)
