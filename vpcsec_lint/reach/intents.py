"""Intents: what a workload must reach, inferred from its own configuration or declared.

1. It holds the target's address: an environment variable that references a target's
   connection attribute, or an AWS resource the code then calls (a queue URL, a table
   name, a secret ARN, a bucket name: the workload must reach that service's API).
2. Fargate's own needs (images, secrets, logs, exec) — see `fargate_intents`.
3. `reach:` entries in the configuration, positive or isolation (`expect: blocked`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vpcsec_lint.findings import shown
from vpcsec_lint.model import Model
from vpcsec_lint.reach.network import Place
from vpcsec_lint.records import Record
from vpcsec_lint.values import UNKNOWN, Location, Val

if TYPE_CHECKING:
    from vpcsec_lint.reach.session import ModelSet

# Resource types whose references mean "the code calls this service's API".
SERVICE_OF_TYPE = {
    "aws_sqs_queue": "sqs", "AWS::SQS::Queue": "sqs",
    "aws_dynamodb_table": "dynamodb", "AWS::DynamoDB::Table": "dynamodb",
    "AWS::DynamoDB::GlobalTable": "dynamodb",
    "aws_secretsmanager_secret": "secretsmanager", "AWS::SecretsManager::Secret": "secretsmanager",
    "aws_s3_bucket": "s3", "AWS::S3::Bucket": "s3",
    "aws_sns_topic": "sns", "AWS::SNS::Topic": "sns",
    "aws_kinesis_stream": "kinesis-streams", "AWS::Kinesis::Stream": "kinesis-streams",
    "aws_ssm_parameter": "ssm", "AWS::SSM::Parameter": "ssm",
    "aws_kms_key": "kms", "AWS::KMS::Key": "kms", "aws_kms_alias": "kms",
    "AWS::KMS::Alias": "kms",
    "aws_sfn_state_machine": "states", "AWS::StepFunctions::StateMachine": "states",
    "aws_cloudwatch_event_bus": "events", "AWS::Events::EventBus": "events",
}


MAX_INTENTS = 2000
"""Intents evaluated per unit of analysis; the analysis stays linear in intents x subnets."""


def budget_hit(model: Model, code: str, loc: Location, what: str) -> Any:
    """Record a reach budget hit on the model (the lint run adds it to the unit's notices,
    `vpcsec-lint reach` prints it) and return the notice."""
    from vpcsec_lint.findings import Notice

    notice = Notice("budget", code, loc.path, loc.line, f"{what}: analysed as unknown")
    found = getattr(model, "reach_notices", None)
    if found is None:
        found = []
        model.reach_notices = found  # type: ignore[attr-defined]
    if notice not in found:
        found.append(notice)
    return notice


class Intent(Record):
    """A workload that must reach a target, and why we think so."""

    __slots__ = ("model", "source", "target", "port", "kind", "why", "origin", "protocol",
                 "expect", "extra", "resource")

    def __init__(self, model: Model, source: Place, target: Place | str, port: int, kind: str,
                 why: str, origin: Location, protocol: str = "tcp", expect: str = "reachable",
                 extra: dict[str, Any] | None = None, resource: Val | None = None) -> None:
        self.model = model
        self.source = source
        self.target = target
        self.port = port
        self.kind = kind
        """`address` (§3.1), `fargate` (its own needs), `role` (§3.2), `declared` (`reach:`)."""
        self.why = why
        self.origin = origin
        self.protocol = protocol
        self.expect = expect
        self.extra = {} if extra is None else extra
        self.resource = resource
        """The AWS resource the workload references, for endpoint policies (address intents)."""

    @property
    def target_name(self) -> str:
        return self.target if isinstance(self.target, str) else self.target.resource

    def evaluate(self) -> Any:
        """The answer, computed once per intent."""
        if "answer" not in self.extra:
            from vpcsec_lint.reach.hops import Use
            from vpcsec_lint.reach.paths import evaluate

            use = None
            if isinstance(self.target, str) and self.target.startswith("aws:"):
                # Fargate's own needs are the ECS agent's calls, not the task role's.
                use = Use(None, Val(UNKNOWN), None) if self.kind == "fargate" else \
                    service_use(self.model, self.source, self.target[4:], self.resource)
            self.extra["answer"] = evaluate(self.model, self.source, self.target, self.port,
                                            self.protocol, use)
        return self.extra["answer"]

    def origin_json(self) -> dict[str, Any]:
        out = {"kind": self.kind, "detail": self.why, "path": self.origin.path,
               "line": self.origin.line}
        if self.kind == "declared":
            out["expect"] = self.expect
        return out


def _service_target(model: Model, address: str) -> str | None:
    raw = model.resources.get(address)
    return SERVICE_OF_TYPE.get(raw.type) if raw is not None else None


def _arn_of(model: Model, address: str) -> Val:
    """A reference to a resource's ARN, as policies write it (`aws_sqs_queue.q.arn`,
    `!GetAtt Queue.Arn`; a CloudFormation secret's `Ref` is its ARN)."""
    raw = model.resources[address]
    if raw.type.startswith("AWS::"):
        return Val(UNKNOWN, raw.loc, ref=(address, "Ref" if raw.type ==
                                          "AWS::SecretsManager::Secret" else "Arn"))
    return Val(UNKNOWN, raw.loc, ref=(address, "arn"))


def _env_pairs(env: Val | None) -> list[tuple[str, Val]]:
    if env is None or not isinstance(env.value, dict):
        return []
    return [(str(k), v) for k, v in env.value.items()]


def address_intents(model: Model, source: Place, env: list[tuple[str, Val]],
                    targets: dict[str, Place]) -> list[Intent]:
    """Intents from environment variables that reference targets or called resources."""
    from vpcsec_lint.reach.targets import load_balancer_ports, store_for_ref

    out: list[Intent] = []
    for name, val in env:
        for item in val.references():
            if item.ref is None:
                continue
            address, attr = item.ref
            loc = item.loc or val.loc or source.loc
            target = store_for_ref(model, item, targets)
            if target is not None and isinstance(target.port, int):
                out.append(Intent(model, source, target, target.port, "address",
                                  f"{shown(name)} references {address}.{attr}", loc))
                continue
            listeners = load_balancer_ports(model, item, targets)
            for lb, port, _ in listeners:
                out.append(Intent(model, source, lb, port, "address",
                                  f"{shown(name)} references {address}.{attr} (listener on "
                                  f"port {port})", loc))
            if listeners:
                continue
            service = _service_target(model, address)
            if service is not None:
                out.append(Intent(model, source, f"aws:{service}", 443, "address",
                                  f"{shown(name)} references {address}", loc,
                                  resource=_arn_of(model, address)))
    return out


def all_intents(model: Model) -> list[Intent]:
    """Every intent the model's workloads imply, once per (source, target, port)."""
    cached = getattr(model, "reach_intents", None)
    if cached is not None:
        return cached
    from vpcsec_lint.reach.session import places

    found = places(model)
    intents: list[Intent] = []
    from vpcsec_lint.reach.targets import file_system_place, workload_intents

    for fn in model.lambdas.values():
        place = found[fn.resource]
        intents.extend(address_intents(model, place, _env_pairs(fn.environment), found))
        for arn in fn.file_systems:
            target = file_system_place(model, arn, found)
            if target is not None:
                intents.append(Intent(model, place, target, 2049, "address",
                                      f"file_system_config mounts {target.resource}",
                                      arn.loc or fn.loc))

    intents.extend(workload_intents(model, found))
    intents.extend(role_intents(model, found))
    seen: set[tuple[str, str, int]] = set()
    unique = []
    for intent in intents:
        key = (intent.source.resource, intent.target_name, intent.port)
        if key not in seen:
            seen.add(key)
            unique.append(intent)
    if len(unique) > MAX_INTENTS:
        first = unique[MAX_INTENTS]
        budget_hit(model, "reach-intents", first.origin,
                   f"more than {MAX_INTENTS:,} reachability intents in one unit "
                   f"({len(unique) - MAX_INTENTS:,} not evaluated, from "
                   f"{shown(first.source.resource)} -> {shown(first.target_name)} on)")
        unique = unique[:MAX_INTENTS]
    model.reach_intents = unique  # type: ignore[attr-defined]
    return unique


def declared_intents(analysed: ModelSet, entries: list[dict[str, Any]]) \
        -> tuple[list[Intent], list[dict[str, Any]]]:
    """The `reach:` entries as intents, and those whose resources are not analysed."""
    intents, unresolved = [], []
    for entry in entries:
        intent = declared_intent(analysed, entry)
        if intent is None:
            unresolved.append({k: entry.get(k) for k in ("from", "to", "path", "line")})
        else:
            intents.append(intent)
    return intents, unresolved


def declared_intent(analysed: ModelSet, entry: dict[str, Any]) -> Intent | None:
    """One `reach:` entry resolved against the analysed units (None: not among them)."""
    source_found = analysed.find(entry["from"])
    target_found = analysed.find(entry["to"])
    if source_found is None or target_found is None:
        return None
    (source_model, source), (target_model, target) = source_found, target_found
    if source == "internet":
        if not isinstance(target, Place):
            return None
        source, source_model = Place("internet", "internet", target.loc), target_model
    elif isinstance(source, str):
        return None
    if source_model is None or isinstance(target, Place) and source_model is not target_model:
        return None
    port = entry.get("port")
    if port is None:
        port = 443 if isinstance(target, str) else target.port
    if not isinstance(port, int):
        return None
    origin = Location(entry.get("path") or "", int(entry.get("line") or 1))
    return Intent(source_model, source, target, port, "declared",
                  f"reach entry {shown(entry['from'])} -> {shown(entry['to'])}", origin,
                  entry.get("protocol") or "tcp", entry.get("expect") or "reachable")


def entry_notices(model: Model) -> list[Any]:
    """Per `reach:` entry: resolved in this unit (a marker the run drops), or unresolved."""
    from vpcsec_lint.findings import Notice
    from vpcsec_lint.reach.session import ModelSet

    analysed = ModelSet([model])
    out = []
    for entry in model.reach_entries:
        found = declared_intent(analysed, entry) is not None
        out.append(Notice("reach-resolved" if found else "unresolved",
                          "reach-entry-not-analysed", entry["path"], entry["line"],
                          f"reach entry {shown(entry['from'])} -> {shown(entry['to'])}: its "
                          "resources are not in the analysed files"))
    return out


# -- role intents (weaker evidence: permission is not use) --------------------------------

_POLLED = ("sqs", "kinesis", "mq", "kafka")
"""Services the Lambda service polls for an event source mapping, outside the function's
ENI: https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html"""
_FUNCTION_SIDE = ("logs", "xray")
"""Lambda ships logs and traces itself: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html"""


def endpoint_services() -> dict[str, str]:
    """The shipped IAM-prefix -> endpoint-service table (`data/iam_endpoint_services.json`)."""
    import json
    import pkgutil

    data = pkgutil.get_data("vpcsec_lint", "data/iam_endpoint_services.json")
    return json.loads(data or b"{}")["services"]


def role_intents(model: Model, found: dict[str, Place]) -> list[Intent]:
    """Intents from the `Allow` actions of Lambda execution roles, the instance roles of EC2
    instances and Auto Scaling groups, ECS task roles and (for container secrets) task
    execution roles."""
    table = endpoint_services()
    out: list[Intent] = []
    for fn in model.lambdas.values():
        role = model.roles.get(fn.role.ref[0]) if fn.role is not None and fn.role.ref else None
        if role is not None:
            skip = _lambda_side_effects(model, fn.resource)
            out.extend(_from_role(model, found[fn.resource], role, table, skip, lambda_fn=True))
    for inst in model.instances.values():
        role = _profile_role(model, inst.instance_profile)
        if role is not None and inst.resource in found:
            out.extend(_from_role(model, found[inst.resource], role, table, set(),
                                  lambda_fn=False))
    for group in model.autoscaling_groups.values():
        role = _instance_role(model, group)
        if role is not None and group.resource in found:
            out.extend(_from_role(model, found[group.resource], role, table, set(),
                                  lambda_fn=False))
    for service in model.ecs_services.values():
        place = found.get(service.resource)
        task = model.task_definitions.get(service.task_definition.key or "")
        if place is None or task is None:
            continue
        refs = [task.task_role]
        if any(c.secrets for c in task.containers):
            refs.append(task.execution_role)
        for ref in refs:
            role = model.roles.get(ref.key) if ref is not None and ref.key else None
            if role is not None:
                out.extend(_from_role(model, place, role, table, set(), lambda_fn=False))
    return out


def _instance_role(model: Model, group: Any) -> Any:
    """The role an Auto Scaling group's instances run with: that of the instance profile of
    its launch template (the version written here) or launch configuration."""
    launcher: Any = None
    if group.launch_template is not None:
        if group.version_current and not group.overrides:
            launcher = model.launch_templates.get(group.launch_template.key or "")
    elif group.launch_configuration is not None:
        launcher = model.launch_configurations.get(group.launch_configuration.key or "")
    return _profile_role(model, launcher.instance_profile if launcher is not None else None)


def _profile_role(model: Model, profile_ref: Any) -> Any:
    """The role an instance profile passes to the instances that use it (None when either is
    not in the code): https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2_instance-profiles.html"""
    profile = model.instance_profiles.get(profile_ref.key or "") if profile_ref else None
    role_ref = profile.role if profile is not None else None
    return model.roles.get(role_ref.key or "") if role_ref is not None else None


def _lambda_service_uses(model: Model) -> dict[str, set[str]]:
    """Function address -> services the Lambda service polls or delivers to for it (event
    source mappings, event invoke configs); one walk over the model, kept on it."""
    found: dict[str, set[str]] | None = getattr(model, "reach_lambda_service_uses", None)
    if found is None:
        found = {}
        for raw in model.resources.values():
            if raw.type in ("aws_lambda_event_source_mapping",
                            "AWS::Lambda::EventSourceMapping"):
                services: tuple[str, ...] = _POLLED
            elif raw.type in ("aws_lambda_function_event_invoke_config",
                              "AWS::Lambda::EventInvokeConfig"):
                services = ("sqs", "sns", "events", "lambda")
            else:
                continue
            target = raw.body.get("function_name") or raw.body.get("FunctionName")
            if target is not None and target.ref:
                found.setdefault(target.ref[0], set()).update(services)
        model.reach_lambda_service_uses = found  # type: ignore[attr-defined]
    return found


def _lambda_side_effects(model: Model, address: str) -> set[str]:
    """Services the Lambda service uses for the function outside its ENI: polled event
    sources, dead-letter queues and on-failure destinations."""
    skip = set(_lambda_service_uses(model).get(address, ()))
    fn = model.resources.get(address)
    if fn is not None and (fn.body.get("dead_letter_config") is not None
                           or fn.body.get("DeadLetterConfig") is not None):
        skip.update(("sqs", "sns"))
    return skip


def _from_role(model: Model, place: Place, role: Any, table: dict[str, str], skip: set[str],
               lambda_fn: bool) -> list[Intent]:
    out = []
    for attached in role.policies:
        policy = attached.policy
        if attached.source == "aws_managed" or policy is None or not policy.known:
            continue  # AWS-managed or unknown policies are not evidence
        for stmt in policy.statements:
            if stmt.effect != "Allow" or stmt.not_action:
                continue
            for action in stmt.actions:
                service = _service_of(action.value, table, stmt, skip, lambda_fn)
                if service is None:
                    continue
                loc = action.loc or stmt.loc or attached.loc
                out.append(Intent(model, place, f"aws:{service}", 443, "role",
                                  f"role {role.resource} allows {shown(action.value)}", loc))
    return out


def _service_of(action: Any, table: dict[str, str], stmt: Any, skip: set[str],
                lambda_fn: bool) -> str | None:
    if not isinstance(action, str) or ":" not in action:
        return None  # `*` names no service
    prefix, _, name = action.partition(":")
    prefix = prefix.lower()
    service = table.get(prefix)
    if not service or prefix in skip:
        return None
    if lambda_fn and (prefix in _FUNCTION_SIDE or (prefix == "ec2"
                                                    and "networkinterface" in name.lower())):
        return None
    if prefix == "kms" and not stmt.no_condition:
        return None  # may be limited to kms:ViaService / aws:ViaAWSService
    if prefix == "dynamodb" and "sqs" in skip and any(
            k in name for k in ("Stream", "GetRecords", "GetShardIterator")):
        return None
    return service


def workload_role(model: Model, source: Place) -> Any:
    """The role whose credentials the workload's code uses: a Lambda function's execution
    role, an instance's or Auto Scaling group's instance-profile role, an ECS task's task
    role (None when not in the code)."""
    fn = model.lambdas.get(source.resource)
    if fn is not None:
        return model.roles.get(fn.role.ref[0]) if fn.role is not None and fn.role.ref else None
    if source.resource in model.instances:
        return _profile_role(model, model.instances[source.resource].instance_profile)
    if source.resource in model.autoscaling_groups:
        return _instance_role(model, model.autoscaling_groups[source.resource])
    service = next((s for s in model.ecs_services.values()
                    if s.resource == source.resource), None)
    task = model.task_definitions.get(service.task_definition.key or "") if service else None
    ref = task.task_role if task is not None else None
    return model.roles.get(ref.key) if ref is not None and ref.key else None


def service_use(model: Model, source: Place, service: str, resource: Val | None = None) -> Any:
    """What the workload does with `service`: the `Allow` actions of its role for it (None
    when a policy or an action is not known), on `resource`, as that role."""
    from vpcsec_lint.reach.hops import Use

    target = resource if resource is not None else Val(UNKNOWN)
    name = resource.ref[0] if resource is not None and resource.ref else ""
    role = workload_role(model, source)
    if role is None:
        return Use(None, target, None, resource_name=name)
    principal = Val(UNKNOWN, role.loc, ref=(role.resource, "arn"))
    table = endpoint_services()
    actions: list[str] | None = []
    for attached in role.policies:
        policy = attached.policy
        if policy is None or not policy.known or (
                attached.scope is not None and not any(
                    (table.get(p) or p) == service for p in attached.scope)):
            actions = None  # unknown, or a snapshot kept only for other services
            break
        for stmt in policy.statements:
            if not stmt.known or stmt.effect not in ("Allow", "Deny") or (
                    stmt.effect == "Allow" and stmt.not_action):
                actions = None  # it may allow any action of the service
                break
            if stmt.effect == "Deny":
                continue
            for action in stmt.actions:
                value = action.value
                if not isinstance(value, str) or ":" not in value:
                    actions = None  # `*` or not known: it may be anything
                    break
                prefix = value.partition(":")[0].lower()
                if actions is not None and (table.get(prefix) or prefix) == service:
                    actions.append(value)
            if actions is None:
                break
        if actions is None:
            break
    found = sorted(set(actions)) if actions else None
    return Use(found, target, principal, role.resource, name)
