"""VSL606 role-service-unreachable."""

from __future__ import annotations

from collections.abc import Iterator

from vpcsec_lint.findings import Finding
from vpcsec_lint.model import Model
from vpcsec_lint.registry import Rule


class RoleServiceUnreachable(Rule):
    """
    ## What it does
    Flags a VPC-attached workload whose role allows it to call an AWS service
    that no network path from its subnets reaches, when nothing else in its
    configuration says it calls that service (that is VSL602). The evidence is
    the `Allow` statements (never `NotAction`) of a Lambda function's
    execution role, an ECS task role, the role of an EC2 instance's or an Auto
    Scaling group's instance profile (from its launch template or
    configuration) and, for container secrets, the task execution role —
    inline policies, policies attached in the code, and
    `aws_iam_policy_document` data sources — mapped from IAM prefix to
    endpoint service by a shipped table (`cloudwatch` -> `monitoring`, `ecr` ->
    `ecr.api`, `kinesis` -> `kinesis-streams`, ...). Not evidence: `*`,
    AWS-managed policies, actions that make no network call from the workload
    (`iam:PassRole`, `rds-db:connect`, `elasticache:Connect`,
    `elasticfilesystem:Client*`, `kms:*` under a condition), and what the
    Lambda service does outside the function's network interface: logs,
    X-Ray, network interfaces, polling event source mappings, dead-letter
    queues and on-failure destinations. A path through an endpoint whose
    known policy allows none of the role's actions for that service is
    blocked at the policy, like any other hop.

    ## Why is this bad?
    A role is granted for the calls the code makes; if the network has no
    path to that service, those calls time out at run time. Permission is not
    use, so this is a warning.

    ## Example
    ```hcl
    resource "aws_iam_role_policy" "worker" {
      role   = aws_iam_role.worker.id
      policy = jsonencode({ Statement = [{ Effect = "Allow",
        Action = "dynamodb:PutItem", Resource = aws_dynamodb_table.jobs.arn }] })
    }
    # ... and the worker's subnets have no NAT route and no DynamoDB endpoint
    ```

    ## Use instead
    ```hcl
    resource "aws_vpc_endpoint" "dynamodb" {
      vpc_id          = aws_vpc.main.id
      service_name    = "com.amazonaws.eu-west-1.dynamodb"
      route_table_ids = [aws_route_table.private.id]   # a free gateway endpoint
    }
    ```

    ## References
    - https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html
    - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    - https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html
    - https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html
    - https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2_instance-profiles.html
    """

    id = "VSL606"
    name = "role-service-unreachable"
    severity = "warning"
    summary = "A workload's role allows a service its network cannot reach."
    terraform_types = ()  # findings name the hop that blocks a path, of any type
    cloudformation_types = ()

    def check(self, model: Model) -> Iterator[Finding]:
        from vpcsec_lint.reach.explain import intent_findings
        from vpcsec_lint.reach.intents import all_intents

        for intent in all_intents(model):
            if intent.kind == "role":
                yield from intent_findings(self, intent)
