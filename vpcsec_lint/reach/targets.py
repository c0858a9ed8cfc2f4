"""Targets that listen in a VPC (data stores), ECS services as workloads, and Fargate's needs.

Ports come from the data-store model (the resource's port, else its engine's default,
`model.engine_port`).

Facts relied on:
- Fargate (platform 1.4.0 and later) pulls images, fetches secrets and ships logs through
  the task's own network interface, so in private subnets it needs endpoints (or NAT) for
  `ecr.api`, `ecr.dkr`, S3 (image layers), `logs`, and Secrets Manager / SSM:
  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-networking.html
  https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
- ECS Exec needs `ssmmessages`:
  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html
- A task on the EC2 launch type has no public IPv4 address of its own (awsvpc):
  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-networking-awsvpc.html
"""

from __future__ import annotations

import re
from typing import Any

from vpcsec_lint.findings import shown
from vpcsec_lint.model import DataStore, EcsService, Model
from vpcsec_lint.reach.compute import autoscaling_place, load_balancer_place
from vpcsec_lint.reach.network import Place, default_groups
from vpcsec_lint.values import UNKNOWN, Location

_ECR_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/")


def _store_place(model: Model, store: DataStore) -> Place:
    groups = [model.security_groups[r.key] for r in store.security_groups
              if r.key and r.key in model.security_groups]
    subnets = None
    if store.subnets_known and store.subnets:
        subnets = [model.subnets.get(r.key) if r.key else None for r in store.subnets]
    port = store.port.value if store.port is not None else UNKNOWN
    public = store.publicly_accessible.value if store.publicly_accessible else UNKNOWN
    complete = len(groups) == len(store.security_groups) and bool(groups)
    if store.security_groups_val is None and not store.security_groups:
        groups, complete = default_groups(model, subnets)
    return Place(store.resource, store.kind, store.loc, store.framework, subnets=subnets,
                 subnets_loc=store.loc, groups=groups, groups_complete=complete,
                 groups_loc=store.security_groups_loc, public_ip=public,
                 port=port if isinstance(port, int) else UNKNOWN, has_dns_name=True)


def _service_place(model: Model, service: EcsService) -> Place:
    groups = [model.security_groups[r.key] for r in service.security_groups
              if r.key and r.key in model.security_groups]
    subnets = None
    if service.subnets_val is not None and isinstance(service.subnets_val.value, list) \
            and not service.subnets_val.alternatives:
        subnets = [model.subnets.get(r.key) if r.key else None for r in service.subnets]
    public: Any = UNKNOWN
    if service.assign_public_ip is not None and service.assign_public_ip.known:
        value = service.assign_public_ip.value
        public = value is True or (isinstance(value, str) and value.upper() == "ENABLED")
    if fargate(service) is False:
        public = False  # the EC2 launch type gives a task no public IPv4 address
    subnets_loc = service.subnets_val.loc if service.subnets_val is not None and \
        service.subnets_val.loc else service.loc
    groups_loc = service.security_groups_val.loc if service.security_groups_val is not None \
        else None
    return Place(service.resource, "task", service.loc, service.framework, subnets=subnets,
                 subnets_loc=subnets_loc, groups=groups,
                 groups_complete=len(groups) == len(service.security_groups) and bool(groups),
                 groups_loc=groups_loc, public_ip=public)


def fargate(service: EcsService) -> Any:
    """True on the Fargate launch type or capacity providers, False on EC2, else UNKNOWN."""
    launch = service.launch_type.value if service.launch_type is not None else UNKNOWN
    if isinstance(launch, str):
        return launch.upper() == "FARGATE"
    providers = []
    for item in service.capacity_providers:
        name = item.get("capacity_provider") or item.get("CapacityProvider")
        providers.append(name.value if name is not None else UNKNOWN)
    if providers and all(isinstance(p, str) and p.upper().startswith("FARGATE")
                         for p in providers):
        return True
    return UNKNOWN


def target_places(model: Model) -> dict[str, Place]:
    """Data stores, awsvpc ECS services, load balancers (not Gateway Load Balancers, which
    clients do not address) and Auto Scaling groups by address."""
    out = {s.resource: _store_place(model, s) for s in model.data_stores.values()}
    for service in model.ecs_services.values():
        if service.awsvpc:
            out[service.resource] = _service_place(model, service)
    for lb in model.load_balancers.values():
        if lb.lb_type is None or lb.lb_type.value != "gateway":
            out[lb.resource] = load_balancer_place(model, lb)
    for group in model.autoscaling_groups.values():
        out[group.resource] = autoscaling_place(model, group)
    return out


def load_balancer_ports(model: Model, val: Any, targets: dict[str, Place]) \
        -> list[tuple[Place, int, Location]]:
    """The internal load balancer whose DNS name a value references, once per listener with a
    known port (and where that listener is). An internet-facing one is not a private target:
    clients reach it through the internet."""
    if val is None or val.ref is None:
        return []
    for lb in model.load_balancers.values():
        if val.ref in lb.connection_attrs and lb.internal is not None \
                and lb.internal.value is True and lb.resource in targets:
            return [(targets[lb.resource], x.port.value, x.loc) for x in lb.listeners
                    if isinstance(x.port.value, int) and 0 < x.port.value <= 65535]
    return []


def store_for_ref(model: Model, val: Any, targets: dict[str, Place]) -> Place | None:
    """The data store whose endpoint a referencing value names (`aws_db_instance.x.address`)."""
    store = model.data_store_named(val)
    return targets.get(store.resource) if store is not None else None


def file_system_place(model: Model, arn: Any, targets: dict[str, Place]) -> Place | None:
    """The EFS mount targets behind a Lambda `file_system_config` access point, as one place
    (its groups known only when every mount target has the same ones)."""
    if arn is None or arn.ref is None:
        return None
    point = model.resources.get(arn.ref[0])
    if point is None:
        return None
    fs_val = point.body.get("file_system_id") or point.body.get("FileSystemId")
    fs = fs_val.ref[0] if fs_val is not None and fs_val.ref else None
    if fs is None:
        return None
    mounts = []
    for store in model.data_stores.values():
        raw = model.resources.get(store.resource)
        val = raw.body.get("file_system_id") or raw.body.get("FileSystemId") if raw else None
        if store.kind == "efs_mount_target" and val is not None and val.ref and \
                val.ref[0] == fs:
            mounts.append(targets[store.resource])
    if not mounts:
        return None
    same = len({tuple(g.key for g in m.groups) for m in mounts}) == 1
    subnets = None if any(m.subnets is None for m in mounts) else \
        [s for m in mounts for s in m.subnets or []]
    return Place(fs, "efs", mounts[0].loc, mounts[0].framework, subnets=subnets,
                 groups=mounts[0].groups if same else [],
                 groups_complete=same and mounts[0].groups_complete,
                 groups_loc=mounts[0].groups_loc, port=2049, has_dns_name=True)


def workload_intents(model: Model, found: dict[str, Place]) -> list[Any]:
    """Intents of awsvpc ECS services: their containers' addresses and Fargate's needs."""
    from vpcsec_lint.reach.intents import Intent, address_intents

    out: list[Any] = []
    for service in model.ecs_services.values():
        place = found.get(service.resource)
        task = model.task_definitions.get(service.task_definition.key or "")
        if place is None or task is None:
            continue
        for container in task.containers:
            env = [(n.value if n is not None and isinstance(n.value, str) else "?", v)
                   for n, v in container.environment if v is not None]
            out.extend(address_intents(model, place, env, found))
        if fargate(service) is not True:
            continue
        for service_name, why, loc in fargate_needs(model, service, task):
            out.append(Intent(model, place, service_name, 443, "fargate", why, loc))
    return out


def fargate_needs(model: Model, service: EcsService,
                  task: Any) -> list[tuple[str, str, Location]]:
    """What a Fargate task fetches through its own ENI, by what its definition says."""
    from vpcsec_lint.reach.intents import SERVICE_OF_TYPE

    needs: list[tuple[str, str, Location]] = []
    for container in task.containers:
        image = container.image.value if container.image is not None else None
        where = container.image.loc if container.image is not None and container.image.loc \
            else container.loc
        name = container.name.value if container.name is not None else "?"
        if isinstance(image, str) and _ECR_IMAGE.match(image):
            for svc in ("ecr.api", "ecr.dkr", "s3"):
                needs.append((f"aws:{svc}", f"container {shown(name)} pulls its image from "
                              "Amazon ECR", where))
        elif isinstance(image, str) and image:
            needs.append(("internet", f"container {shown(name)} pulls {shown(image)} from "
                          "a public registry", where))
        driver = container.log_driver.value if container.log_driver is not None else None
        if driver == "awslogs":
            needs.append(("aws:logs", f"container {shown(name)} uses the awslogs driver",
                          container.log_driver.loc or container.loc))
        for secret in container.secrets:
            value = secret.value_from.value if secret.value_from is not None else None
            ref = secret.value_from.ref if secret.value_from is not None else None
            raw = model.resources.get(ref[0]) if ref else None
            if raw is not None and SERVICE_OF_TYPE.get(raw.type) in ("secretsmanager", "ssm"):
                value = f":{SERVICE_OF_TYPE[raw.type]}:"
            if isinstance(value, str) and ":secretsmanager:" in value:
                needs.append(("aws:secretsmanager", f"secret of {shown(name)} is in Secrets "
                              "Manager", secret.loc))
            elif isinstance(value, str) and (":ssm:" in value or not value.startswith("arn:")):
                needs.append(("aws:ssm", f"secret of {shown(name)} is an SSM parameter",
                              secret.loc))
    exec_on = service.enable_execute_command
    if exec_on is not None and exec_on.value is True:
        needs.append(("aws:ssmmessages", "ECS Exec is on", exec_on.loc))
    return needs
