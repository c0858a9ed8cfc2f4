"""VSL701 ecs-secrets-without-execution-role-access."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from vpcsec_lint.findings import Finding, Related, shown
from vpcsec_lint.iam import role_allows
from vpcsec_lint.model import EcsTaskDefinition, IamRole, Model, Secret
from vpcsec_lint.registry import Rule
from vpcsec_lint.values import UNKNOWN, Val

_SECRET_TYPES = {"aws_secretsmanager_secret", "aws_secretsmanager_secret_version",
                 "AWS::SecretsManager::Secret"}
_PARAMETER_TYPES = {"aws_ssm_parameter", "AWS::SSM::Parameter"}
_ACTIONS = {"secretsmanager": "secretsmanager:GetSecretValue", "ssm": "ssm:GetParameters"}
_MAX_NAMED = 3


class EcsSecretsWithoutExecutionRoleAccess(Rule):
    """
    ## What it does
    Flags an ECS task definition whose containers read `secrets` from
    Secrets Manager or SSM Parameter Store when the task has no execution
    role, or when its execution role's policies are all known and, for some
    secret, allow neither `secretsmanager:GetSecretValue` (a Secrets Manager
    `valueFrom`) nor `ssm:GetParameters` (a parameter) on a resource that
    covers it. When the task role has the permission instead, the message
    says so.

    A role's policies are its inline policies, `aws_iam_role_policy` /
    `AWS::IAM::Policy` resources, customer-managed policies attached in the
    code, and AWS-managed policies from a shipped, dated snapshot
    (`AmazonECSTaskExecutionRolePolicy` grants ECR pulls and log writes, no
    secrets). A `valueFrom` is matched against the policies' resources by ARN
    wildcards, or by being the same reference (`aws_secretsmanager_secret.db.arn`).
    A JSON-key suffix of a Secrets Manager ARN is ignored. Silent when the
    role, one of its policies or a statement is unknown, when a statement has
    a condition, and for secrets with a resource policy in the code
    (`aws_secretsmanager_secret_policy`, `AWS::SecretsManager::ResourcePolicy`).

    ## Why is this bad?
    ECS fetches `secrets` before the containers start, with the task
    **execution** role, not the task role the application uses. Without the
    permission the task stops with `ResourceInitializationError` and never
    runs; granting it to the task role instead is a common mix-up.

    ## Example
    ```hcl
    resource "aws_ecs_task_definition" "api" {
      execution_role_arn = aws_iam_role.execution.arn # only AmazonECSTaskExecutionRolePolicy
      container_definitions = jsonencode([{
        name    = "api"
        image   = "example/api"
        secrets = [{ name = "DB_PASSWORD", valueFrom = aws_secretsmanager_secret.db.arn }]
      }])
    }
    ```

    ## Use instead
    ```hcl
    resource "aws_iam_role_policy" "execution_secrets" {
      role = aws_iam_role.execution.id
      policy = jsonencode({ Statement = [{
        Effect = "Allow", Action = "secretsmanager:GetSecretValue",
        Resource = aws_secretsmanager_secret.db.arn }] })
    }
    ```

    ## References
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html
    - https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonECSTaskExecutionRolePolicy.html
    """

    id = "VSL701"
    name = "ecs-secrets-without-execution-role-access"
    severity = "error"
    summary = "An ECS task reads secrets its execution role is not allowed to fetch."

    def check(self, model: Model) -> Iterator[Finding]:
        for task in model.task_definitions.values():
            secrets = [(s, _store(model, s)) for c in task.containers for s in c.secrets
                       if s.value_from is not None]
            secrets = [(s, store) for s, store in secrets if store is not None]
            if not secrets:
                continue
            if task.execution_role is None:
                yield self._no_role(model, task, secrets)
                continue
            role = model.roles.get(task.execution_role.key or "")
            if role is None:
                continue
            denied = [(s, store) for s, store in secrets
                      if role_allows(role, _ACTIONS[store[0]], store[1]) is False]
            if denied:
                yield self._denied(model, task, role, denied)

    def _no_role(self, model: Model, task: EcsTaskDefinition,
                 secrets: list[tuple[Secret, tuple[str, Val]]]) -> Finding:
        message = (f"Task definition {shown(task.resource)} reads {_names(secrets)} but has no "
                   f"execution role: ECS cannot fetch {_them(secrets)} and the task will not "
                   f"start. Set an execution role allowed {_needed(secrets)}.")
        return self.finding(model, task.loc, task.resource, message,
                            [Related(s.loc, "secret read here") for s, _ in secrets])

    def _denied(self, model: Model, task: EcsTaskDefinition, role: IamRole,
                denied: list[tuple[Secret, tuple[str, Val]]]) -> Finding:
        message = (f"The execution role {shown(role.resource)} of task definition "
                   f"{shown(task.resource)} is not allowed {_needed(denied)} on "
                   f"{_names(denied)}: ECS cannot fetch {_them(denied)} and the task will not "
                   "start.")
        task_role = model.roles.get(task.task_role.key or "") if task.task_role else None
        if task_role is not None and task_role is not role and all(
                role_allows(task_role, _ACTIONS[kind], res) is True for _, (kind, res) in denied):
            message += (f" The task role {shown(task_role.resource)} has that permission, but "
                        "ECS fetches secrets with the execution role: grant it there.")
        else:
            message += " Grant it to the execution role."
        related = [Related(role.loc, "execution role defined here"),
                   *(Related(s.loc, "secret read here") for s, _ in denied)]
        return self.finding(model, task.execution_role_loc or task.loc, task.resource, message,
                            related)


def _store(model: Model, secret: Secret) -> tuple[str, Val] | None:
    """The secret's store (`secretsmanager` or `ssm`) and the resource IAM checks, or None."""
    val = secret.value_from
    if val is None or val.alternatives:
        return None
    if val.ref is not None:
        raw = model.resources.get(val.ref[0])
        kind = None if raw is None else "secretsmanager" if raw.type in _SECRET_TYPES \
            else "ssm" if raw.type in _PARAMETER_TYPES else None
        if kind == "secretsmanager" and (val.ref[0] in model.resource_policies
                                         or "*" in model.resource_policies):
            return None
        return (kind, val) if kind is not None else None
    text = val.value if isinstance(val.value, str) else val.partial
    if not isinstance(text, str) or not text:
        return None
    if not text.startswith("arn:"):
        if val.known:
            return "ssm", Val(UNKNOWN, val.loc)  # a parameter name: its ARN needs the region
        return None
    fields = text.split(":")
    if len(fields) < 6 or fields[2] not in _ACTIONS:
        return None
    if fields[2] == "secretsmanager":
        if model.resource_policies:
            return None  # a resource policy in the code may grant it
        arn = ":".join(fields[:7])  # without a `:json-key:version-stage:version-id` suffix
        return "secretsmanager", Val(arn if val.known else UNKNOWN, val.loc)
    return "ssm", Val(text if val.known else UNKNOWN, val.loc)


def _names(secrets: list[tuple[Secret, Any]]) -> str:
    names = [shown(s.name.value) if s.name is not None and isinstance(s.name.value, str)
             else "?" for s, _ in secrets]
    more = len(names) - _MAX_NAMED
    listed = ", ".join(names[:_MAX_NAMED]) + (f" and {more} more" if more > 0 else "")
    return f"secret{'s' if len(names) > 1 else ''} {listed}"


def _them(secrets: list) -> str:
    return "them" if len(secrets) > 1 else "it"


def _needed(secrets: list[tuple[Secret, tuple[str, Val]]]) -> str:
    return " and ".join(sorted({_ACTIONS[kind] for _, (kind, _) in secrets}))
