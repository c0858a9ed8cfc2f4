"""Re-parsing an edited Terraform buffer: only the top-level block that changed.

The language server parses the open document on every pause in typing;
`BufferParseCache` keeps each file's latest parse and, for a `.tf` buffer,
re-parses just the block an edit touched (`reparse_changed_block`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from vpcsec_lint.raw import FileProblem
from vpcsec_lint.terraform.loader import ParseCache
from vpcsec_lint.values import Location

if TYPE_CHECKING:
    from vpcsec_lint.terraform.syntax import Attribute, Block, Body


class BufferParseCache(ParseCache):
    """A `ParseCache` that keeps only the latest parse of each file.

    Open documents change on every keystroke: their texts are parsed without
    the on-disk cache (after the first, which usually matches the file on
    disk), and an older parse of the same path is dropped so memory stays flat.
    """

    def __init__(self, read: Callable[[str], str], is_buffer: Callable[[str], bool]) -> None:
        super().__init__(read)
        self.is_buffer = is_buffer
        self._latest: dict[str, tuple[str, Body | FileProblem]] = {}

    def parse_text(self, text: str, path: str) -> Body | FileProblem:
        latest = self._latest.get(path)
        if latest is not None and latest[0] == text:
            return latest[1]
        if latest is not None and self.is_buffer(path):
            result = _parse_buffer(text, path, latest)
        else:
            result = self._parse_text(text, path)
        self._latest[path] = (text, result)
        return result


def _parse_buffer(text: str, path: str,
                  previous: tuple[str, Body | FileProblem]) -> Body | FileProblem:
    """Parse a new version of an open document, re-using its previous parse when it can."""
    from vpcsec_lint.terraform.loader import parse_tf_text
    from vpcsec_lint.terraform.syntax import Body, ParseFailure

    old_text, old_body = previous
    if path.endswith(".tf") and isinstance(old_body, Body):
        try:
            body = reparse_changed_block(old_text, old_body, text, path)
        except Exception:  # any doubt: the whole file is parsed below
            body = None
        if body is not None:
            return body
    try:
        return parse_tf_text(text, path)
    except ParseFailure as exc:
        return FileProblem(path, exc.message, exc.line, exc.column)


_INERT_LINE = re.compile(r"^\s*(?:(?:#|//).*)?$")


def _inert(line: str) -> bool:
    """A blank or comment line that opens or closes no block comment (`# */` inside
    one would end it)."""
    return bool(_INERT_LINE.match(line)) and "/*" not in line and "*/" not in line


def reparse_changed_block(old_text: str, old: Body, new_text: str, path: str) -> Body | None:
    """The parse of `new_text` from the parse of `old_text`, or None to parse it all.

    python-hcl2 needs about half a second for a 1,500-line file; an editor
    changes one block at a time. When the changed lines lie inside one
    attribute of a block (nested blocks included), only that attribute is
    parsed; when they are comments or blank lines between blocks, or between
    the attributes and nested blocks of one, nothing is (`_edited`). Else,
    when they lie inside one top-level block, only that block is parsed. A
    part is parsed after a comment as long as the lines above it, so positions
    stay absolute; what follows moves by the number of lines added or removed.
    A part that does not parse on its own, or that parses into anything but
    one attribute or block over the same lines, means "parse more" (the
    block, then the file).

    The blocks of `old` are re-used and moved in place: `old` must not be used
    afterwards.
    """
    from vpcsec_lint.terraform.syntax import Body

    if old.attributes or "\r" in new_text or "\r" in old_text:
        return None  # top-level attributes (not a .tf file), or line ends the parser may keep
    before, after = old_text.split("\n"), new_text.split("\n")  # no "\r" here
    prefix = 0
    limit = min(len(before), len(after))
    while prefix < limit and before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and before[-1 - suffix] == after[-1 - suffix]:
        suffix += 1
    if prefix == len(before) == len(after):
        return Body({}, list(old.blocks))
    first = prefix + 1  # 1-based: old lines first..old_last became new lines first..new_last
    old_last, new_last = len(before) - suffix, len(after) - suffix
    delta = len(after) - len(before)
    blocks = list(old.blocks)
    inert = all(_inert(line) for line in [*before[first - 1:old_last], *after[first - 1:new_last]])
    if old_last >= first:  # old lines first..old_last were replaced
        touched = [i for i, b in enumerate(blocks) if b.loc.line <= old_last
                   and b.end_line >= first]
        within = len(touched) == 1 and blocks[touched[0]].loc.line <= first \
            and old_last <= blocks[touched[0]].end_line
    else:  # lines were only inserted, before old line `first`
        touched = [i for i, b in enumerate(blocks) if b.loc.line < first <= b.end_line]
        within = len(touched) == 1
    if within:
        index = touched[0]
        block = blocks[index]
        new_block = _edited(block, after, first, old_last, delta, inert, path)
        if new_block is None:
            start, end = block.loc.line, block.end_line + delta
            parsed = _parse_lines(after, start, end, path)
            if parsed is None or parsed.attributes or len(parsed.blocks) != 1:
                return None
            new_block = parsed.blocks[0]
            if new_block.loc.line != start or new_block.end_line != end:
                return None
        blocks[index] = new_block
        below = blocks[index + 1:]
    elif not touched and inert:
        below = [b for b in blocks if b.loc.line >= first]
    else:
        return None
    if delta:
        shift_lines(below, delta)
    return Body({}, blocks)


def _parse_lines(lines: list[str], start: int, end: int, path: str) -> Body | None:
    """The parse of `lines` `start..end` (1-based) at their place in the file, or None."""
    from vpcsec_lint.terraform.loader import parse_tf_text
    from vpcsec_lint.terraform.syntax import ParseFailure

    # One comment token fills the lines above: positions stay absolute, and
    # lexing it costs far less than hundreds of newline tokens.
    padding = "" if start == 1 else "/*" + "\n" * (start - 2) + "*/\n"
    try:
        return parse_tf_text(padding + "\n".join(lines[start - 1:end]) + "\n", path)
    except ParseFailure:
        return None


def _touches(first: int, old_last: int, start: int, end: int) -> bool:
    """Whether the lines `start..end` meet the changed old lines `first..old_last` (none
    when lines were only inserted, before old line `first`)."""
    if old_last >= first:
        return start <= old_last and end >= first
    return start < first <= end


def _edited(block: Block, after: list[str], first: int, old_last: int, delta: int,
            inert: bool, path: str) -> Block | None:
    """`block` with a change inside its body applied, parsing at most one attribute; None
    when the change is not inside one attribute or between the body's parts.

    The parts of `block` below the change are moved in place; the blocks on the way
    to the change are new objects (their bodies changed, if only in place).
    """
    from vpcsec_lint.terraform.syntax import Block, Body

    header_end = block.loc.end_line or block.loc.line
    if not header_end < first or not old_last < block.end_line:
        return None  # the header or the closing line changed
    body = block.body
    attributes, blocks = dict(body.attributes), list(body.blocks)
    hit = [a for a in attributes.values()
           if _touches(first, old_last, a.loc.line, a.loc.end_line or a.loc.line)]
    inner = [i for i, b in enumerate(blocks) if _touches(first, old_last, b.loc.line, b.end_line)]
    if not hit and len(inner) == 1:
        nested = _edited(blocks[inner[0]], after, first, old_last, delta, inert, path)
        if nested is None:
            return None
        blocks[inner[0]] = nested
    elif len(hit) == 1 and not inner:
        attribute = _reparsed_attribute(hit[0], after, delta, path)
        if attribute is None:
            return None
        attributes[attribute.name] = attribute
    elif hit or inner or not inert:
        return None
    if delta:
        shift_lines([*(a for a in attributes.values() if a.loc.line > old_last),
                     *(b for b in blocks if b.loc.line > old_last)], delta)
    return Block(block.type, block.labels, Body(attributes, blocks), block.loc,
                 block.end_line + delta)


def _reparsed_attribute(old: Attribute, after: list[str], delta: int,
                        path: str) -> Attribute | None:
    """The new parse of an attribute whose lines changed, or None if it is not one
    attribute of the same name over the same lines (moved by `delta` at the end)."""
    start, end = old.loc.line, (old.loc.end_line or old.loc.line) + delta
    if end < start:
        return None
    parsed = _parse_lines(after, start, end, path)
    if parsed is None or parsed.blocks or list(parsed.attributes) != [old.name]:
        return None
    attribute = parsed.attributes[old.name]
    if attribute.loc.line != start or attribute.loc.end_line != end:
        return None
    return attribute


def shift_lines(nodes: list[Any], delta: int) -> None:
    """Move syntax nodes (and everything below them) down by `delta` lines, in place."""
    from vpcsec_lint.records import Record

    moved: dict[int, tuple[Location, Location]] = {}  # keeps the old ones alive: ids stay unique
    seen: set[int] = set()
    stack: list[Any] = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, (list, tuple)):
            stack.extend(node)
            continue
        if isinstance(node, dict):
            stack.extend(node.values())
            continue
        names = node.field_names if isinstance(node, Record) else ()
        if not names or id(node) in seen:
            continue
        seen.add(id(node))
        for name in names:
            value = getattr(node, name)
            if isinstance(value, Location):
                pair = moved.get(id(value))
                if pair is None:
                    pair = moved[id(value)] = (value, Location(
                        value.path, value.line + delta, value.column,
                        None if value.end_line is None else value.end_line + delta,
                        value.end_column))
                setattr(node, name, pair[1])
            elif name == "end_line" and isinstance(value, int):
                setattr(node, name, value + delta)  # Block.end_line
            elif isinstance(value, (list, tuple, dict, Record)):
                stack.append(value)
