"""cfn-lint's decoded template -> our `Val` tree, with an index back to template paths.

cfn-lint decodes YAML and JSON into `dict_node`/`list_node`/`str_node` objects
that carry `start_mark`/`end_mark` (0-based) and has already turned short-form
intrinsics (`!Ref X`) into their long forms. Numbers, booleans and nulls are
plain Python values without marks. This module builds the same `Val` shape that
`yamlnodes.load_document` produces, without reading the file again, and
remembers which template path every location came from, so a finding can be
reported through cfn-lint's path-based matches.
"""

from __future__ import annotations

import datetime
from typing import Any

from vpcsec_lint.values import Location, Val

TemplatePath = tuple[Any, ...]
"""A path into the template: mapping keys and list indices (`("Resources", "Vpc")`)."""

LocKey = tuple[int, int, int | None, int | None]


def loc_key(loc: Location) -> LocKey:
    return (loc.line, loc.column, loc.end_line, loc.end_column)


class ConvertedTemplate:
    """The `Val` document and, for each location in it, the template paths written there."""

    def __init__(self, doc: Val, paths: dict[LocKey, list[TemplatePath]]) -> None:
        self.doc = doc
        self.paths = paths

    def path_for(self, loc: Location, resource: str | None) -> TemplatePath:
        """The template path of a finding's location, preferring its own resource's subtree."""
        candidates = self.paths.get(loc_key(loc), [])
        if resource:
            own = [p for p in candidates if p[:2] == ("Resources", resource)]
            if own:
                return own[0]
        if candidates:
            return candidates[0]
        resources = self.doc.get("Resources")
        if resource and resources is not None and resources.get(resource) is not None:
            return ("Resources", resource)
        return ()


def _mark_loc(node: Any, path: str) -> Location | None:
    start = getattr(node, "start_mark", None)
    end = getattr(node, "end_mark", None)
    if start is None or end is None:
        return None
    return Location(path, start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return str(value)  # a plain str, not cfn-lint's str_node
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def convert(template: Any, filename: str) -> ConvertedTemplate:
    """Convert cfn-lint's decoded template (iteratively: depth is not bounded by recursion)."""
    paths: dict[LocKey, list[TemplatePath]] = {}
    root_loc = _mark_loc(template, filename) or Location(filename, 1, 1)
    result: list[Val] = []
    # (node, where to put its Val, key in the parent, template path, location if unmarked)
    stack: list[tuple[Any, Any, Any, TemplatePath, Location]] = [
        (template, result, None, (), root_loc)]
    while stack:
        node, parent, key, tpath, fallback = stack.pop()
        loc = _mark_loc(node, filename) or fallback
        paths.setdefault(loc_key(loc), []).append(tpath)
        if isinstance(node, dict):
            val = Val({}, loc)
            for child_key, child in reversed(list(node.items())):
                stack.append((child, val.value, str(child_key), (*tpath, str(child_key)),
                              _after_key(child_key, filename) or loc))
        elif isinstance(node, list):
            val = Val([], loc)
            items: list[Val] = val.value
            for index in reversed(range(len(node))):
                stack.append((node[index], _Appender(items), None, (*tpath, index), loc))
        else:
            val = Val(_scalar(node), loc)
        if isinstance(parent, list):
            parent.append(val)
        else:
            parent[key] = val
    return ConvertedTemplate(result[0], paths)


def _after_key(key: Any, filename: str) -> Location | None:
    """A location for an unmarked value (number, boolean, null): on its key's line, after it.

    No node starts where a key ends, so the location is unique to this value and
    leads back to its path.
    """
    end = getattr(key, "end_mark", None)
    if end is None:
        return None
    return Location(filename, end.line + 1, end.column + 1, end.line + 1, end.column + 1)


class _Appender:
    """A stand-in parent that keeps list items in document order."""

    __slots__ = ("items",)

    def __init__(self, items: list[Val]) -> None:
        self.items = items

    def __setitem__(self, _key: Any, value: Val) -> None:
        self.items.append(value)
