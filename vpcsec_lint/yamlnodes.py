"""YAML and JSON documents -> `Val` trees with source locations.

Only PyYAML's safe composer is used (the C one when available): documents are
composed into nodes and converted here, so no tag can ever construct a Python
object. CloudFormation short-form tags (`!Ref X`) become their long forms
(`{"Ref": "X"}`). Aliases are followed with a budget, so an alias bomb is
refused instead of expanding.
"""

from __future__ import annotations

import base64
import binascii
import datetime
from typing import Any

import yaml

from vpcsec_lint.values import Location, Val

MAX_NODES = 2_000_000
MAX_DEPTH = 1_000

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_SHORT_TAGS = {
    "!Ref": "Ref", "!Condition": "Condition", "!GetAtt": "Fn::GetAtt", "!Base64": "Fn::Base64",
    "!Cidr": "Fn::Cidr", "!FindInMap": "Fn::FindInMap", "!GetAZs": "Fn::GetAZs",
    "!ImportValue": "Fn::ImportValue", "!Join": "Fn::Join", "!Select": "Fn::Select",
    "!Split": "Fn::Split", "!Sub": "Fn::Sub", "!Transform": "Fn::Transform", "!And": "Fn::And",
    "!Equals": "Fn::Equals", "!If": "Fn::If", "!Not": "Fn::Not", "!Or": "Fn::Or",
    "!Length": "Fn::Length", "!ToJsonString": "Fn::ToJsonString",
}


class DocumentError(Exception):
    """A YAML/JSON document that cannot be loaded: message and 1-based position."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def load_document(text: str, path: str, is_json: bool = False) -> Val | None:
    """Load the first document of `text`; None for an empty document."""
    if is_json:
        text = text.replace("\t", " ")  # tabs are JSON whitespace but not YAML indentation
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        line = mark.line + 1 if mark else 1
        column = mark.column + 1 if mark else 1
        raise DocumentError(f"invalid {'JSON' if is_json else 'YAML'}: {problem}", line,
                            column) from None
    except yaml.YAMLError as exc:
        raise DocumentError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise DocumentError("document nested too deeply to analyse") from None
    if node is None:
        return None
    return _Converter(path).convert(node)


class _Converter:
    def __init__(self, path: str) -> None:
        self.path = path
        self.budget = MAX_NODES

    def loc(self, node: yaml.Node) -> Location:
        start, end = node.start_mark, node.end_mark
        return Location(self.path, start.line + 1, start.column + 1, end.line + 1, end.column + 1)

    def convert(self, root: yaml.Node) -> Val:
        # Iterative, so that depth never reaches the interpreter's recursion limit.
        result: list[Val] = []
        stack: list[tuple[yaml.Node, Any, Any, int]] = [(root, result, None, 0)]
        while stack:
            node, parent, key, depth = stack.pop()
            self.budget -= 1
            if self.budget < 0:
                raise DocumentError("document expands to too many nodes (YAML alias bomb?); "
                                    f"the limit is {MAX_NODES:,}", *self._pos(node))
            if depth > MAX_DEPTH:
                raise DocumentError(f"document nested deeper than {MAX_DEPTH} levels",
                                    *self._pos(node))
            val = self.shallow(node)
            short = _SHORT_TAGS.get(node.tag) if node.tag.startswith("!") else None
            holder = val
            if node.tag.startswith("!") and not node.tag.startswith("!!"):
                name = short or "Fn::" + node.tag[1:]
                inner = val
                holder = Val({name: inner}, val.loc)
                if short == "Fn::GetAtt" and isinstance(inner.value, str):
                    first, _, rest = inner.value.partition(".")
                    inner.value = [Val(first, inner.loc), Val(rest, inner.loc)]
            if isinstance(parent, list):
                parent.append(holder)
            else:
                parent[key] = holder
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in reversed(node.value):
                    key_text = self.key_text(key_node)
                    if key_text == "<<":
                        continue
                    stack.append((value_node, val.value, key_text, depth + 1))
            elif isinstance(node, yaml.SequenceNode):
                items: list[Val] = val.value
                for item in reversed(node.value):  # popped, they append in order
                    stack.append((item, _Appender(items), None, depth + 1))
        return result[0]

    def _pos(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def key_text(self, node: yaml.Node) -> str:
        if isinstance(node, yaml.ScalarNode):
            return str(node.value)
        return f"<{node.id} key at line {node.start_mark.line + 1}>"

    def shallow(self, node: yaml.Node) -> Val:
        loc = self.loc(node)
        if isinstance(node, yaml.MappingNode):
            return Val({}, loc)
        if isinstance(node, yaml.SequenceNode):
            return Val([], loc)
        return Val(_scalar(node), loc)


class _Appender:
    """A stand-in parent that keeps sequence items in document order."""

    __slots__ = ("items",)

    def __init__(self, items: list[Val]) -> None:
        self.items = items

    def __setitem__(self, _key: Any, value: Val) -> None:
        self.items.append(value)


def _scalar(node: yaml.ScalarNode) -> Any:
    tag, text = node.tag, node.value
    if tag == "tag:yaml.org,2002:int":
        try:
            cleaned = text.replace("_", "")
            if cleaned.lower().startswith(("0x", "-0x", "+0x")):
                return int(cleaned, 16)
            if cleaned.lower().startswith(("0o", "-0o", "+0o")):
                return int(cleaned, 8)
            return int(cleaned, 10)
        except ValueError:
            return text
    if tag == "tag:yaml.org,2002:float":
        try:
            return float(text.replace("_", ""))
        except ValueError:
            return text
    if tag == "tag:yaml.org,2002:bool":
        return text.lower() in {"true", "yes", "on", "y"}
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:timestamp":
        try:
            return datetime.date.fromisoformat(text).isoformat()
        except ValueError:
            return text
    if tag == "tag:yaml.org,2002:binary":
        try:
            return base64.b64decode(text).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return text
    return text
