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
MAX_ENTRIES = 1000
"""Environment and secret entries per container read at most (a task definition is at most
64 KiB of JSON); a container with more is not read completely."""


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
        container, whole = _container(item, item.loc or val.loc or fallback)
        containers.append(container)
        complete = complete and whole
    return containers, complete


def _container(item: Val, loc: Location) -> tuple[Container, bool]:
    """A container, and whether its environment and secrets could be read completely."""
    container = Container(member(item, "name"), member(item, "image"), loc)
    environment, env_whole = _entries(member(item, "environment"))
    for entry in environment:
        container.environment.append((member(entry, "name"), member(entry, "value")))
    secrets, secrets_whole = _entries(member(item, "secrets"))
    for entry in secrets:
        container.secrets.append(Secret(member(entry, "name"), member(entry, "valueFrom"),
                                        entry.loc or loc))
    logging = member(item, "logConfiguration")
    container.log_driver = member(logging, "logDriver")
    container.port_mappings = _entries(member(item, "portMappings"))[0]
    return container, env_whole and secrets_whole


def _entries(val: Val | None) -> tuple[list[Val], bool]:
    """The mapping entries of a list (at most `MAX_ENTRIES`), and whether that is all of it."""
    if val is None:
        return [], True
    if not isinstance(val.value, list):
        return [], False
    entries = [v for v in val.value[:MAX_ENTRIES] if isinstance(v.value, dict)]
    return entries, len(entries) == len(val.value)
