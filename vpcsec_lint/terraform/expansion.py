"""`count` and `for_each`: the instances Terraform would create, when the collection is known.

A resource or module call with a known `count` has instances `[0]` ... `[n-1]`
(`count.index` bound); with a known `for_each` (a map, or a set of strings) it
has one instance per key, `["key"]`, in Terraform's order (keys sorted), with
`each.key` and `each.value` bound. An unknown collection is not expanded: the
block is analysed once as written, with `count.index`/`each.*` unknown.

Expansion stops at `MAX_INSTANCES` per block; the caller reports that as a
`budget` notice.
"""

from __future__ import annotations

import json
import re

from vpcsec_lint.terraform.syntax import Block
from vpcsec_lint.values import UNKNOWN, Val

MAX_INSTANCES = 1000
"""Instances of one resource or module call analysed at most (the rest: a budget notice)."""

InstanceKey = int | str


class Instance:
    """One instance of an expanded block: its key and the `count`/`each` it binds."""

    __slots__ = ("key", "env")

    def __init__(self, key: InstanceKey, env: dict[str, Val]) -> None:
        self.key = key
        self.env = env

    @property
    def suffix(self) -> str:
        """The index Terraform writes after the address: `[0]` or `["key"]`."""
        return instance_suffix(self.key)


def instance_suffix(key: InstanceKey) -> str:
    if isinstance(key, int):
        return f"[{key}]"
    return "[" + json.dumps(key, ensure_ascii=False) + "]"


INSTANCE_KEY = re.compile(r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]')
"""An instance key in an address, as `instance_suffix` writes it: `[0]` or `["key"]`."""


class Expansion:
    """The known instances of a block (`instances`) and how many there were in all."""

    __slots__ = ("instances", "total")

    def __init__(self, instances: list[Instance], total: int) -> None:
        self.instances = instances
        self.total = total

    @property
    def truncated(self) -> bool:
        return self.total > len(self.instances)

    def find(self, key: Val) -> Instance | None:
        """The instance a reference's index names (`[0]`, `["ssm"]`), if known and present."""
        return next((i for i in self.instances if names_instance(key, i)), None)


def names_instance(key: Val, instance: Instance) -> bool:
    """Whether an evaluated index (`count.index`, `"ssm"`) names `instance`."""
    wanted = key.value
    if isinstance(wanted, float) and wanted.is_integer():
        wanted = int(wanted)
    return not isinstance(wanted, bool) and isinstance(wanted, (int, str)) \
        and instance.key == wanted


def meta_argument(block: Block) -> str | None:
    """`count` or `for_each` when the block has one (Terraform forbids both), else None."""
    attrs = block.body.attributes
    return "count" if "count" in attrs else "for_each" if "for_each" in attrs else None


def expand(kind: str, collection: Val) -> Expansion | None:
    """The instances for an evaluated `count` or `for_each`; None when it is unknown."""
    if kind == "count":
        return _count(collection)
    return _for_each(collection)


def _count(val: Val) -> Expansion | None:
    number = val.value
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    if isinstance(number, bool) or not isinstance(number, int) or number < 0:
        return None
    kept = min(number, MAX_INSTANCES)
    return Expansion([Instance(i, {"count": Val({"index": Val(i, val.loc)}, val.loc)})
                      for i in range(kept)], number)


def _for_each(val: Val) -> Expansion | None:
    if val.value is UNKNOWN or val.alternatives:
        return None
    members: dict[str, Val] = {}
    if isinstance(val.value, dict):
        members = dict(val.value)
    elif isinstance(val.value, list):  # a set of strings (`toset([...])`)
        for item in val.value:
            if not isinstance(item.value, str):
                return None
            members[item.value] = item
    else:
        return None
    keys = sorted(members)
    kept = keys[:MAX_INSTANCES]
    return Expansion([Instance(k, {"each": Val({"key": Val(k, val.loc), "value": members[k]},
                                                val.loc)}) for k in kept], len(keys))
