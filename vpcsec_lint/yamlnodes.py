"""YAML and JSON documents -> `Val` trees with source locations.

The document is read as a stream of parser events (PyYAML's safe parser, the C
one when available) and built into `Val`s here: no tag can ever construct a
Python object, and no intermediate node tree is kept. CloudFormation
short-form tags (`!Ref X`) become their long forms (`{"Ref": "X"}`).

Time and memory are bounded whatever the input: building stops with a
`DocumentError` after `MAX_NODES` values, when aliases would expand to more
than `MAX_ALIAS_NODES` copied values (a "billion laughs" bomb is refused before
it expands), or past `MAX_DEPTH` levels of nesting (no recursion is involved,
so deep documents never reach the interpreter's recursion limit).
"""

from __future__ import annotations

import base64
import binascii
import datetime
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import ScalarNode

from vpcsec_lint.budgets import parse_integer
from vpcsec_lint.values import Location, Val

MAX_NODES = 500_000
"""Values in one document (a 5 MiB file of real templates holds far fewer)."""
MAX_ALIAS_NODES = 100_000
"""Values that alias expansions may copy in one document."""
MAX_DEPTH = 200
"""Levels of nesting (real templates stay below 30; deeper input would exhaust the
recursion of the evaluators downstream)."""

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = yaml.resolver.Resolver()

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
    """Load the only document of `text`; None for an empty stream."""
    if is_json:
        text = text.replace("\t", " ")  # tabs are JSON whitespace but not YAML indentation
    kind = "JSON" if is_json else "YAML"
    try:
        return _Builder(path).run(yaml.parse(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "syntax error"
        if "maximum nesting depth" in problem:
            problem = "nested too deeply to analyse"
        elif exc.problem and exc.context and exc.context.startswith(("while parsing a ",
                                                                     "while scanning a ")):
            where = exc.context.split(" a ", 1)[1]
            line = exc.context_mark.line + 1 if exc.context_mark else 1
            problem = f"{problem} (in the {where} that starts at line {line})"
        raise DocumentError(f"invalid {kind}: {problem}", *_position(mark)) from None
    except UnicodeEncodeError as exc:  # lone surrogates: undecodable bytes read leniently
        before = text[: exc.start]
        raise DocumentError(f"invalid {kind}: not valid UTF-8 text", before.count("\n") + 1,
                            exc.start - (before.rfind("\n") + 1) + 1) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        before = text[: exc.position]
        line = before.count("\n") + 1
        column = exc.position - (before.rfind("\n") + 1) + 1
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(
            exc.character)
        raise DocumentError(f"invalid {kind}: character {char} is not allowed", line,
                            column) from None
    except yaml.YAMLError as exc:
        detail = " ".join(str(exc).split())
        raise DocumentError(f"invalid {kind}: {detail}") from None
    except RecursionError:  # not expected: nothing here recurses
        raise DocumentError(f"{kind} nested too deeply to analyse") from None


def _position(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


_NO_KEY = object()
_BUILDING = object()


class _Frame:
    """A mapping or sequence whose end event has not arrived yet."""

    __slots__ = ("val", "tag", "anchor", "start", "key", "first")

    def __init__(self, val: Val, tag: str | None, anchor: str | None, start: Any,
                 first: int) -> None:
        self.val = val
        self.tag = tag
        self.anchor = anchor
        self.start = start
        self.key: Any = _NO_KEY
        self.first = first


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.nodes = 0
        self.copied = 0
        self.anchors: dict[str, Any] = {}
        self.stack: list[_Frame] = []
        self.result: list[Val] = []

    def run(self, events: Any) -> Val | None:
        documents = 0
        for event in events:
            kind = type(event)
            if kind is ScalarEvent:
                self.scalar(event)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                self.start(event, kind is MappingStartEvent)
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                self.end(event)
            elif kind is AliasEvent:
                self.alias(event)
            elif kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise DocumentError("expected a single document, but found another "
                                        "document", *_position(event.start_mark))
        return self.result[0] if self.result else None

    # -- events --------------------------------------------------------------

    def scalar(self, event: ScalarEvent) -> None:
        self.count(1, event.start_mark)
        tag = event.tag
        if tag is None or tag == "!":
            tag = _RESOLVER.resolve(ScalarNode, event.value, event.implicit)
        val = Val(_scalar(tag, event.value), self.loc(event.start_mark, event.end_mark))
        val = self.tagged(val, tag)
        if event.anchor is not None:
            self.anchors[event.anchor] = (val, event.value, 1)
        self.attach(val, event.value)

    def start(self, event: Any, is_mapping: bool) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise DocumentError(f"nested too deeply to analyse (more than {MAX_DEPTH} levels)",
                                *_position(event.start_mark))
        self.count(1, event.start_mark)
        tag = event.tag
        if tag is None or tag == "!":
            tag = None
        val = Val({} if is_mapping else [], None)
        if event.anchor is not None:
            self.anchors[event.anchor] = _BUILDING
        self.stack.append(_Frame(val, tag, event.anchor, event.start_mark, self.nodes))

    def end(self, event: Any) -> None:
        frame = self.stack.pop()
        val = frame.val
        val.loc = self.loc(frame.start, event.end_mark)
        val = self.tagged(val, frame.tag)
        if frame.anchor is not None:
            self.anchors[frame.anchor] = (val, None, self.nodes - frame.first + 1)
        kind = "mapping" if isinstance(frame.val.value, dict) else "sequence"
        self.attach(val, f"<{kind} key at line {frame.start.line + 1}>")

    def alias(self, event: AliasEvent) -> None:
        entry = self.anchors.get(event.anchor)
        if entry is None:
            raise DocumentError(f"alias *{event.anchor} refers to no anchor",
                                *_position(event.start_mark))
        if entry is _BUILDING:
            raise DocumentError(f"alias *{event.anchor} is used inside its own anchor",
                                *_position(event.start_mark))
        val, key_text, size = entry
        self.copied += size
        if self.copied > MAX_ALIAS_NODES:
            raise DocumentError(f"aliases expand to more than {MAX_ALIAS_NODES:,} values "
                                "(a YAML alias bomb?)", *_position(event.start_mark))
        self.count(size, event.start_mark)
        if key_text is None:
            key_text = f"<alias key at line {event.start_mark.line + 1}>"
        self.attach(_copy(val), key_text)

    # -- helpers -------------------------------------------------------------

    def count(self, nodes: int, mark: Any) -> None:
        self.nodes += nodes
        if self.nodes > MAX_NODES:
            raise DocumentError(f"document has more than {MAX_NODES:,} values; "
                                "too large to analyse", *_position(mark))

    def attach(self, val: Val, key_text: str) -> None:
        if not self.stack:
            self.result.append(val)
            return
        frame = self.stack[-1]
        container = frame.val.value
        if isinstance(container, list):
            container.append(val)
        elif frame.key is _NO_KEY:
            frame.key = key_text
        else:
            if frame.key != "<<":  # merge keys are not CloudFormation
                container[frame.key] = val
            frame.key = _NO_KEY

    def loc(self, start: Any, end: Any) -> Location:
        return Location(self.path, start.line + 1, start.column + 1, end.line + 1,
                        end.column + 1)

    @staticmethod
    def tagged(val: Val, tag: str | None) -> Val:
        """A local tag (`!Ref`, `!Sub`, any `!Name`) -> `{"Fn::Name": value}`."""
        if tag is None or not tag.startswith("!") or tag.startswith("!!"):
            return val
        short = _SHORT_TAGS.get(tag)
        if short == "Fn::GetAtt" and isinstance(val.value, str):
            first, _, rest = val.value.partition(".")
            val.value = [Val(first, val.loc), Val(rest, val.loc)]
        return Val({short or "Fn::" + tag[1:]: val}, val.loc)


def _copy(val: Val) -> Val:
    """A deep copy of a built value (each alias use gets its own values)."""
    root = Val(val.value, val.loc)
    stack = [root]
    while stack:
        item = stack.pop()
        if isinstance(item.value, dict):
            item.value = {k: Val(v.value, v.loc) for k, v in item.value.items()}
            stack.extend(item.value.values())
        elif isinstance(item.value, list):
            item.value = [Val(v.value, v.loc) for v in item.value]
            stack.extend(item.value)
    return root


def _scalar(tag: str, text: str) -> Any:
    if tag == "tag:yaml.org,2002:str":
        return text
    if tag == "tag:yaml.org,2002:int":
        try:
            cleaned = text.replace("_", "")
            if cleaned.lower().startswith(("0x", "-0x", "+0x")):
                return parse_integer(cleaned, 16)
            if cleaned.lower().startswith(("0o", "-0o", "+0o")):
                return parse_integer(cleaned, 8)
            return parse_integer(cleaned, 10)
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
