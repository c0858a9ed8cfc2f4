"""VSL503 service-discovery-a-record-needs-awsvpc."""

from __future__ import annotations

from collections.abc import Iterator

from vpcsec_lint.findings import Finding, Related, shown
from vpcsec_lint.model import EcsService, EcsTaskDefinition, Model
from vpcsec_lint.registry import Rule
from vpcsec_lint.values import UNKNOWN

_ADDRESS_RECORDS = ("A", "AAAA")
_NON_AWSVPC = ("bridge", "host")


class ServiceDiscoveryARecordNeedsAwsvpc(Rule):
    """
    ## What it does
    Flags an ECS service registered in AWS Cloud Map (`service_registries`,
    `ServiceRegistries`) whose discovery service has `A` or `AAAA` DNS
    records while its task definition uses the `bridge` or `host` network
    mode. An omitted network mode is `bridge` (Linux tasks on EC2); it is not
    assumed for a task definition that requires Fargate, which must set
    `awsvpc`.

    Silent when the task definition, its network mode, the Cloud Map service
    or its DNS records are unknown (a `dynamic` block, a variable, a service
    outside the code), and for HTTP-only namespaces (no DNS records).

    ## Why is this bad?
    `A`/`AAAA` records hold a task's own IP address, which only `awsvpc`
    tasks have. In `bridge` and `host` mode tasks share the instance's
    address and are told apart by port, so ECS supports only `SRV` records
    (with `container_name` and `container_port`) there: the service cannot
    register its tasks and clients resolve nothing.

    ## Example
    ```hcl
    resource "aws_service_discovery_service" "api" {
      name = "api"
      dns_config {
        namespace_id = aws_service_discovery_private_dns_namespace.internal.id
        dns_records {
          type = "A"
          ttl  = 10
        }
      }
    }
    ```
    with an `aws_ecs_task_definition` in `bridge` mode registered through
    `service_registries { registry_arn = aws_service_discovery_service.api.arn }`.

    ## Use instead
    Use `network_mode = "awsvpc"` in the task definition (with a
    `network_configuration` on the service), or `SRV` records:
    ```hcl
    dns_records {
      type = "SRV"
      ttl  = 10
    }
    ```
    and `container_name`/`container_port` in `service_registries`.

    ## References
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-discovery.html
    - https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceRegistry.html
    - https://docs.aws.amazon.com/cloud-map/latest/api/API_DnsRecord.html
    """

    id = "VSL503"
    name = "service-discovery-a-record-needs-awsvpc"
    severity = "error"
    summary = "An ECS service registers A/AAAA records in Cloud Map from bridge or host tasks."

    def check(self, model: Model) -> Iterator[Finding]:
        for service in model.ecs_services.values():
            task = model.task_definitions.get(service.task_definition.key or "")
            mode = _non_awsvpc_mode(task, service) if task is not None else None
            if task is None or mode is None:
                continue
            for registry in service.service_registries:
                discovery = model.cloud_map_services.get(registry.registry.key or "")
                if discovery is None or not discovery.records_known:
                    continue
                address = [r for r in discovery.record_types
                           if isinstance(r.value, str) and r.value.upper() in _ADDRESS_RECORDS]
                if not address:
                    continue
                kinds = "/".join(sorted({str(r.value).upper() for r in address}))
                names = ("container_name and container_port" if model.framework == "terraform"
                         else "ContainerName and ContainerPort")
                message = (f"ECS service {shown(service.resource)} registers its tasks in Cloud "
                           f"Map service {shown(discovery.resource)} with {kinds} records, but "
                           f"task definition {shown(task.resource)} uses the {mode} network "
                           "mode: only SRV records work there. Use the awsvpc network mode, or "
                           f"SRV records with {names}.")
                related = [*(Related(r.loc or discovery.loc, f"{shown(r.value)} record")
                             for r in address),
                           Related(task.network_mode.loc if task.network_mode else task.loc,
                                   f"network mode {mode}")]
                yield self.finding(model, registry.loc, service.resource, message, related)


def _non_awsvpc_mode(task: EcsTaskDefinition, service: EcsService) -> str | None:
    """`bridge`, `host` or `bridge (the default)` when known to be one of those, else None."""
    mode = task.network_mode
    if mode is None:
        return None
    values = mode.candidates()
    if not values or any(not isinstance(v, str) or v.lower() not in _NON_AWSVPC for v in values):
        return None
    if mode.explicit:
        return values[0].lower() if len({v.lower() for v in values}) == 1 else "bridge or host"
    # Omitted: `bridge` on EC2 only; Fargate (by requirement, launch type or a capacity
    # provider strategy that may name it) needs `awsvpc`, a different mistake.
    compatibilities = task.compatibilities()
    launch = service.launch_type.value if service.launch_type else UNKNOWN
    if compatibilities is None or "FARGATE" in compatibilities or service.capacity_providers:
        return None
    if launch is not UNKNOWN and launch != "EC2":
        return None
    return "bridge (the default)"
