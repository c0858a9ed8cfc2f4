"""ECS container definitions: JSON text or a structure -> `Container`s.

Terraform writes `container_definitions` as JSON text (a heredoc, `file()`)
or `jsonencode([...])`, with camelCase keys; CloudFormation writes
`ContainerDefinitions` as a list with PascalCase keys. Keys are matched
case-insensitively, so one reader serves both.
"""

from __future__ import annotations

from vpcsec_lint.documents import member, parse_json_document
from vpcsec_lint.model import Container, Secret
from vpcsec_lint.values import Location, Val

MAX_CONTAINERS = 100
"""A task definition holds at most 10 containers; more is not a real definition."""


def parse_containers(val: Val | None, fallback: Location) -> tuple[list[Container], bool]:
    """The containers a value defines, and whether all of them could be read."""
    if val is None:
        return [], False
    if isinstance(val.value, str):
        doc = parse_json_document(val.value, val.loc or fallback)
        if doc is None:
            return [], False
        val = doc
    if not isinstance(val.value, list) or val.alternatives:
        return [], False
    containers: list[Container] = []
    complete = len(val.value) <= MAX_CONTAINERS
    for item in val.value[:MAX_CONTAINERS]:
        if not isinstance(item.value, dict):
            complete = False
            continue
        containers.append(_container(item, item.loc or val.loc or fallback))
    return containers, complete


def _container(item: Val, loc: Location) -> Container:
    container = Container(member(item, "name"), member(item, "image"), loc)
    for entry in _entries(member(item, "environment")):
        container.environment.append((member(entry, "name"), member(entry, "value")))
    for entry in _entries(member(item, "secrets")):
        container.secrets.append(Secret(member(entry, "name"), member(entry, "valueFrom"),
                                        entry.loc or loc))
    logging = member(item, "logConfiguration")
    container.log_driver = member(logging, "logDriver")
    container.port_mappings = _entries(member(item, "portMappings"))
    return container


def _entries(val: Val | None) -> list[Val]:
    if val is None or not isinstance(val.value, list):
        return []
    return [v for v in val.value if isinstance(v.value, dict)]
