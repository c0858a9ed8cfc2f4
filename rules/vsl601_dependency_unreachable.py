"""VSL601 dependency-unreachable."""

from __future__ import annotations

from collections.abc import Iterator

from vpcsec_lint.findings import Finding
from vpcsec_lint.model import Model
from vpcsec_lint.registry import Rule


class DependencyUnreachable(Rule):
    """
    ## What it does
    Flags a workload (a VPC Lambda function, an `awsvpc` ECS service) whose
    configuration holds the address of a resource in a VPC — an environment
    variable or container definition that references a database, proxy,
    cache, search domain, broker or file system endpoint or an internal load
    balancer's DNS name (once per listener), or a Lambda
    `file_system_config` — when the network does not let it reach that
    resource on its port from every one of its subnets. Every hop is
    evaluated: the source group's egress, both subnets' network ACLs (and the
    stateless reply), the route (local, or a peering connection with the
    return route), the target group's ingress and name resolution. Each
    blocking hop is one finding at the setting to change, with the
    environment variable as a related location; `partial` names the subnets
    and zones that fail. A verdict that depends on unknown values is never a
    finding.

    ## Why is this bad?
    The connection times out at run time, usually after a deploy that looked
    fine: the guide's most common scenario ("my Lambda times out connecting to
    RDS"). A partial verdict fails in some Availability Zones only, which is
    harder still to debug.

    ## Example
    ```hcl
    resource "aws_security_group" "fn" {
      vpc_id = aws_vpc.main.id     # no egress block: Terraform allows no egress
    }

    resource "aws_lambda_function" "api" {
      vpc_config {
        subnet_ids         = [aws_subnet.app_a.id, aws_subnet.app_b.id]
        security_group_ids = [aws_security_group.fn.id]
      }
      environment {
        variables = { DB_HOST = aws_db_instance.orders.address }
      }
    }
    ```

    ## Use instead
    ```hcl
    resource "aws_vpc_security_group_egress_rule" "fn_to_db" {
      security_group_id            = aws_security_group.fn.id
      referenced_security_group_id = aws_security_group.db.id
      ip_protocol                  = "tcp"
      from_port                    = 5432
      to_port                      = 5432
    }
    ```

    ## References
    - https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
    - https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html
    - https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html
    - https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html
    - https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html
    - https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html
    - https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html
    - https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-security-groups.html
    """

    id = "VSL601"
    name = "dependency-unreachable"
    severity = "error"
    summary = "A workload holds a resource's address but the network blocks it."
    terraform_types = ()  # findings name the hop that blocks a path, of any type
    cloudformation_types = ()

    def check(self, model: Model) -> Iterator[Finding]:
        from vpcsec_lint.reach.explain import intent_findings
        from vpcsec_lint.reach.intents import all_intents

        for intent in all_intents(model):
            if intent.kind == "address" and not isinstance(intent.target, str):
                yield from intent_findings(self, intent)
