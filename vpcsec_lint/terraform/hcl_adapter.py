"""The one place that knows python-hcl2: HCL text -> `syntax` tree with positions.

python-hcl2 v8 exposes its Lark parse tree (`hcl2.parses_to_tree`), whose nodes
carry line and column marks (`propagate_positions=True`). We walk that tree
once and build our own small syntax tree; the grammar's rule names
(`hcl2.lark`) are the contract, pinned by `python-hcl2>=8.1.3,<9`.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import re
import sys
from collections.abc import Iterator
from typing import Any

from vpcsec_lint.budgets import parse_integer
from vpcsec_lint.records import Record
from vpcsec_lint.terraform.syntax import (
    Attribute,
    BinaryOp,
    Block,
    Body,
    Call,
    Conditional,
    Expr,
    ForExpr,
    GetAttr,
    Index,
    Literal,
    ObjectExpr,
    Opaque,
    ParseFailure,
    Splat,
    Subscript,
    Template,
    Traversal,
    TupleExpr,
    UnaryOp,
)
from vpcsec_lint.values import Location

_HEREDOC_OPEN = re.compile(r"<<-?([a-zA-Z][a-zA-Z0-9._-]*)\r?\n")
_HEREDOC_END = re.compile(r"[ \t\f\v]*([a-zA-Z][a-zA-Z0-9._-]*)\r?$", re.MULTILINE)
_BLANK_RUN = re.compile(r"\s+")
HEREDOC_SCAN_LIMIT = 20_000_000
"""Characters python-hcl2's heredoc pattern may scan in one file (about a second).

Its pattern (`<<ID ... \\s*ID`) tries `\\s*ID` at every line break of the
body, so a heredoc over N consecutive blank lines costs N*N/2 steps: an
unterminated heredoc followed by 80,000 newlines parses for minutes.
`check_shape` computes that cost in linear time and refuses the file first."""
_STRIP_OPEN = re.compile(r"((?<![$%])[$%]\{)~")
_STRIP_CLOSE = re.compile(r"((?<![$%])[$%]\{[^{}\n]*?)~\}")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)")
_SKIP_TOKENS = {"LPAR", "RPAR", "LSQB", "RSQB", "LBRACE", "RBRACE", "COMMA", "QMARK", "COLON",
                "EQ", "DBLQUOTE", "ELLIPSIS", "COLONS", "DOT", "INTERP_START"}


PARSER: Any = None
"""What provides `parses_to_tree`: python-hcl2's parser (`parser_cache`) unless set. The
checkov bundle (`integrations/checkov_export.py`) sets a private copy of python-hcl2's grammar,
because checkov's environment has another package under the name `hcl2`."""


def _hcl2() -> Any:
    if PARSER is not None:
        return PARSER
    from vpcsec_lint.terraform import parser_cache  # python-hcl2's parser, built once

    parser_cache.import_lark()  # before `_parse` imports Lark's exceptions
    return parser_cache


def parse_hcl(text: str, path: str) -> Body:
    """Parse HCL text into a `Body`; raise `ParseFailure` with a position."""
    hcl2 = _hcl2()
    text = normalise_source(text)
    check_shape(text)
    with _no_cyclic_gc():
        return _parse(hcl2, text, path)


def _parse(hcl2: Any, text: str, path: str) -> Body:
    from lark.exceptions import LarkError, UnexpectedInput

    try:
        tree = hcl2.parses_to_tree(text)
    except UnexpectedInput as exc:
        from vpcsec_lint.terraform.hcl_diagnostics import describe

        raise ParseFailure(describe(exc, text), getattr(exc, "line", 1) or 1,
                           getattr(exc, "column", 1) or 1) from None
    except RecursionError:
        raise ParseFailure("invalid HCL: nested too deeply to analyse") from None
    except LarkError as exc:
        detail = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else ""
        raise ParseFailure(f"invalid HCL: {detail or type(exc).__name__}") from None
    old = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(old, 20000))
        return _Converter(path).body(tree.children[0])
    except RecursionError:
        raise ParseFailure("HCL nested too deeply to analyse") from None
    finally:
        sys.setrecursionlimit(old)


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector while one file is parsed.

    Parsing allocates a tree of a few objects per character; each full
    collection during it walks the whole tree built so far, so a file 30 times
    larger parsed 2.6 times slower per byte (benchmarks/scale.py). Reference
    counting still frees what the parse drops; cycles, if any, are collected
    once the collector resumes after the file (at most 5 MiB of text).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def normalise_source(text: str) -> str:
    """Accept valid Terraform that the grammar rejects: a BOM, blanks after a heredoc end,
    template strip markers (`${~ x ~}`, `%{~ if c ~}`; only whitespace trimming is lost).

    Replacements keep every other character in place, so locations do not move.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    if "~" in text:
        text = _STRIP_OPEN.sub(r"\1 ", text)
        text = _STRIP_CLOSE.sub(r"\1 }", text)
    return _strip_trailing_blanks(text)


def _strip_trailing_blanks(text: str) -> str:
    """Drop spaces and tabs before each line break, in linear time (a regular
    expression for it retries every blank of a long run: quadratic)."""
    if " \n" not in text and "\t\n" not in text and " \r\n" not in text \
            and "\t\r\n" not in text:
        return text
    lines = text.split("\n")
    for i in range(len(lines) - 1):  # the last piece has no line break after it
        line = lines[i]
        if line.endswith("\r"):
            lines[i] = line[:-1].rstrip(" \t") + "\r"
        else:
            lines[i] = line.rstrip(" \t")
    return "\n".join(lines)


def check_shape(text: str) -> None:
    """Refuse (`ParseFailure` at the heredoc) text whose heredocs would make python-hcl2's
    lexer scan more than `HEREDOC_SCAN_LIMIT` characters; linear in the text."""
    if "<<" not in text:
        return
    ends: dict[str, list[int]] = {}  # a candidate end marker -> where its lines start
    for match in _HEREDOC_END.finditer(text):
        ends.setdefault(match.group(1), []).append(match.start())
    runs = [(m.start(), m.end(), m.group().count("\n")) for m in _BLANK_RUN.finditer(text)
            if "\n" in m.group()]
    pos = 0
    while True:
        opener = _HEREDOC_OPEN.search(text, pos)
        if opener is None:
            return
        marker = opener.group(1)
        starts = ends.get(marker, [])
        i = bisect.bisect_left(starts, opener.end())
        end = starts[i] if i < len(starts) else len(text)
        cost = 0
        for k in range(bisect.bisect_left(runs, (opener.end() - 1,)), len(runs)):
            start, stop, breaks = runs[k]
            if start >= end:
                break
            cost += breaks * (stop - start)
            if cost > HEREDOC_SCAN_LIMIT:
                line = text.count("\n", 0, opener.start()) + 1
                closed = "" if i < len(starts) else f"never closed (no line {marker} after it), "
                raise ParseFailure(f"heredoc <<{marker} is {closed}over "
                                   f"{HEREDOC_SCAN_LIMIT:,} characters of blank lines to "
                                   "scan: too costly to parse", line,
                                   opener.start() - text.rfind("\n", 0, opener.start()))
        pos = max(end, opener.end())


def _is_tree(node: Any, name: str | None = None) -> bool:
    return hasattr(node, "data") and (name is None or node.data == name)


class _Converter:
    def __init__(self, path: str) -> None:
        self.path = path

    def loc(self, node: Any) -> Location:
        if hasattr(node, "meta"):
            meta = node.meta
            if getattr(meta, "empty", True):
                return Location(self.path, 1, 1)
            return Location(self.path, meta.line, meta.column, meta.end_line, meta.end_column)
        return Location(self.path, node.line, node.column, node.end_line, node.end_column)

    def body(self, node: Any) -> Body:
        body = Body()
        for child in node.children:
            if _is_tree(child, "attribute"):
                attr = self.attribute(child)
                body.attributes[attr.name] = attr
            elif _is_tree(child, "block"):
                body.blocks.append(self.block(child))
        return body

    def name_of(self, node: Any) -> str:
        if _is_tree(node, "string"):
            return "".join(self.string_text(p) for p in node.children if _is_tree(p, "string_part"))
        token = node.children[0] if _is_tree(node) else node
        return str(token)

    def string_text(self, part: Any) -> str:
        token = part.children[0]
        return _unescape(str(token)) if not _is_tree(token) else ""

    def attribute(self, node: Any) -> Attribute:
        name = self.name_of(node.children[0])
        return Attribute(name, self.expr(node.children[-1]), self.loc(node))

    def block(self, node: Any) -> Block:
        names: list[str] = []
        body_node = None
        brace = None
        for child in node.children:
            if _is_tree(child, "body"):
                body_node = child
            elif _is_tree(child, "new_line_or_comment"):
                continue
            elif _is_tree(child):
                names.append(self.name_of(child))
            elif child.type == "LBRACE":
                brace = child
        start = self.loc(node)
        end_col = brace.end_column if brace is not None else start.column + 1
        end_line = brace.line if brace is not None else start.line
        header = Location(self.path, start.line, start.column, end_line, end_col)
        body = self.body(body_node) if body_node is not None else Body()
        return Block(names[0], names[1:], body, header, start.end_line or start.line)

    # -- expressions -------------------------------------------------------

    def expr(self, node: Any) -> Expr:
        if not _is_tree(node):
            return self.token_expr(node)
        handler = getattr(self, "x_" + node.data, None)
        if handler is None:
            return Opaque(self.loc(node))
        return handler(node)

    def token_expr(self, token: Any) -> Expr:
        loc = self.loc(token)
        return Literal(str(token), loc)

    def inner(self, node: Any) -> list[Any]:
        return [c for c in node.children
                if (_is_tree(c) and c.data != "new_line_or_comment")
                or (not _is_tree(c) and c.type not in _SKIP_TOKENS)]

    def x_expr_term(self, node: Any) -> Expr:
        parts = self.inner(node)
        if len(parts) != 1:
            return Opaque(self.loc(node))
        return self.expr(parts[0])

    def x_int_lit(self, node: Any) -> Expr:
        return Literal(parse_integer(str(node.children[0])), self.loc(node))

    def x_float_lit(self, node: Any) -> Expr:
        return Literal(float(str(node.children[0])), self.loc(node))

    def x_literal_value(self, node: Any) -> Expr:
        word = str(node.children[0])
        return Literal({"true": True, "false": False, "null": None}[word], self.loc(node))

    def x_identifier(self, node: Any) -> Expr:
        return Traversal(str(node.children[0]), [], self.loc(node))

    def x_keyword(self, node: Any) -> Expr:
        return Traversal(str(node.children[0]), [], self.loc(node))

    def x_string(self, node: Any) -> Expr:
        parts: list[str | Expr] = []
        for part in node.children:
            if not _is_tree(part, "string_part"):
                continue
            inner = part.children[0]
            if _is_tree(inner, "interpolation"):
                parts.append(self.expr(self.inner(inner)[0]))
            elif _is_tree(inner):
                parts.append(Opaque(self.loc(inner)))
            elif inner.type == "ESCAPED_INTERPOLATION":
                parts.append(str(inner)[1:])
            elif inner.type == "ESCAPED_DIRECTIVE":
                parts.append(str(inner)[1:])
            else:
                parts.append(_unescape(str(inner)))
        return _template(parts, self.loc(node))

    def x_template_string(self, node: Any) -> Expr:
        return Opaque(self.loc(node))

    def x_heredoc_template(self, node: Any) -> Expr:
        return self.heredoc(node, trim=False)

    def x_heredoc_template_trim(self, node: Any) -> Expr:
        return self.heredoc(node, trim=True)

    def heredoc(self, node: Any, trim: bool) -> Expr:
        raw = str(node.children[0]).replace("\r\n", "\n")
        lines = raw.split("\n")
        body_lines = lines[1:-2]  # drop "<<EOF", the end marker line and the final ""
        if trim:
            indents = [len(ln) - len(ln.lstrip()) for ln in body_lines if ln.strip()]
            cut = min(indents, default=0)
            body_lines = [ln[cut:] for ln in body_lines]
        text = "".join(ln + "\n" for ln in body_lines)
        loc = self.loc(node)
        return _template(_split_template(text, loc, self.path), loc)

    def x_tuple(self, node: Any) -> Expr:
        return TupleExpr([self.expr(c) for c in self.inner(node)], self.loc(node))

    def x_object(self, node: Any) -> Expr:
        items: list[tuple[Expr, Expr]] = []
        for elem in node.children:
            if not _is_tree(elem, "object_elem"):
                continue
            key_node, value_node = self.inner(elem)[0], self.inner(elem)[-1]
            key = self.object_key(key_node)
            items.append((key, self.expr(value_node)))
        return ObjectExpr(items, self.loc(node))

    def object_key(self, node: Any) -> Expr:
        inner = self.inner(node)[0]
        key = self.expr(inner)
        if isinstance(key, Traversal) and not key.steps:
            return Literal(key.root, key.loc)
        return key

    def x_function_call(self, node: Any) -> Expr:
        names = [str(c.children[0]) for c in node.children if _is_tree(c, "identifier")]
        args: list[Expr] = []
        expand = False
        for child in node.children:
            if _is_tree(child, "arguments"):
                args = [self.expr(a) for a in self.inner(child)]
                expand = any(not _is_tree(a) and a.type == "ELLIPSIS" for a in child.children)
        return Call("::".join(names), args, self.loc(node), expand)

    def x_get_attr_expr_term(self, node: Any) -> Expr:
        source, get_attr = node.children[0], node.children[1]
        base = self.expr(source)
        name = str(get_attr.children[-1].children[0])
        if isinstance(base, Traversal):
            return Traversal(base.root, [*base.steps, GetAttr(name)], self.loc(node))
        return _subscript(base, GetAttr(name), self.loc(node))

    def x_index_expr_term(self, node: Any) -> Expr:
        base = self.expr(node.children[0])
        index = node.children[1]
        if index.data == "short_index":
            key: Expr = Literal(parse_integer(str(index.children[-1])), self.loc(index))
        else:
            key = self.expr(self.inner(index)[0])
        if isinstance(base, Traversal):
            return Traversal(base.root, [*base.steps, Index(key)], self.loc(node))
        return _subscript(base, Index(key), self.loc(node))

    def x_attr_splat_expr_term(self, node: Any) -> Expr:
        return self.splat(node)

    def x_full_splat_expr_term(self, node: Any) -> Expr:
        return self.splat(node)

    def splat(self, node: Any) -> Expr:
        steps: list[GetAttr | Index] = []
        for step in node.children[1].children:
            if _is_tree(step, "get_attr"):
                steps.append(GetAttr(str(step.children[-1].children[0])))
            elif _is_tree(step, "short_index"):
                steps.append(Index(Literal(int(str(step.children[-1])), self.loc(step))))
            elif _is_tree(step, "braces_index"):
                steps.append(Index(self.expr(self.inner(step)[0])))
        return Splat(self.expr(node.children[0]), self.loc(node), steps)

    def x_for_tuple_expr(self, node: Any) -> Expr:
        return self.for_expr(node, is_object=False)

    def x_for_object_expr(self, node: Any) -> Expr:
        return self.for_expr(node, is_object=True)

    def for_expr(self, node: Any, is_object: bool) -> Expr:
        parts = self.inner(node)
        intro = next((p for p in parts if _is_tree(p, "for_intro")), None)
        cond = next((p for p in parts if _is_tree(p, "for_cond")), None)
        exprs = [p for p in parts if _is_tree(p) and p.data not in ("for_intro", "for_cond")]
        if intro is None or len(exprs) != (2 if is_object else 1):
            return Opaque(self.loc(node))
        names = [str(c.children[0]) for c in intro.children if _is_tree(c, "identifier")]
        collection = [c for c in self.inner(intro)
                      if _is_tree(c) and c.data != "identifier"]
        if not names or len(collection) != 1:
            return Opaque(self.loc(node))
        group = any(not _is_tree(p) and p.type == "ELLIPSIS" for p in node.children)
        return ForExpr(
            names[0] if len(names) == 2 else None, names[-1], self.expr(collection[0]),
            self.expr(exprs[-1]), self.loc(node), self.expr(exprs[0]) if is_object else None,
            self.expr(self.inner(cond)[-1]) if cond is not None else None, group)

    def x_conditional(self, node: Any) -> Expr:
        cond, true, false = self.inner(node)
        return Conditional(self.expr(cond), self.expr(true), self.expr(false), self.loc(node))

    def x_binary_op(self, node: Any) -> Expr:
        left, term = self.inner(node)[:2]
        op_node, right = self.inner(term)[0], self.inner(term)[-1]
        return BinaryOp(str(op_node.children[0]), self.expr(left), self.expr(right), self.loc(node))

    def x_unary_op(self, node: Any) -> Expr:
        op = str(node.children[0])
        return UnaryOp(op, self.expr(node.children[-1]), self.loc(node))


def parse_template(text: str, loc: Location, path: str) -> Expr:
    """A template string (from JSON syntax) -> literal or `Template` expression."""
    return _template(_split_template(text, loc, path), loc)


def _subscript(base: Expr, step: GetAttr | Index, loc: Location) -> Expr:
    if isinstance(base, Opaque):
        return Opaque(loc)
    if isinstance(base, Subscript):
        return Subscript(base.source, [*base.steps, step], loc)
    return Subscript(base, [step], loc)


def _template(parts: list[str | Expr], loc: Location) -> Expr:
    if all(isinstance(p, str) for p in parts):
        return Literal("".join(parts), loc)  # type: ignore[arg-type]
    if len(parts) == 1:
        return parts[0]  # type: ignore[return-value]
    return Template(parts, loc)


def _split_template(text: str, loc: Location, path: str) -> list[str | Expr]:
    """Split heredoc text into literal parts and `${...}` expressions."""
    hcl2 = _hcl2()
    from lark.exceptions import LarkError

    parts: list[str | Expr] = []
    pos = 0
    while True:
        start = text.find("${", pos)
        if start < 0:
            if pos < len(text) or not parts:
                parts.append(text[pos:])
            return parts
        if start > 0 and text[start - 1] == "$":
            parts.append(text[pos:start + 1])
            pos = start + 2
            continue
        end = _closing_brace(text, start + 2)
        if start > pos:  # no empty literals: "${x}" alone is x's value, reference kept
            parts.append(text[pos:start])
        if end < 0:
            parts.append(Opaque(loc))
            return parts
        source = text[start + 2:end]
        try:
            tree = hcl2.parses_to_tree(f"x = {source}\n")
            attr = _Converter(path).body(tree.children[0]).attributes["x"]
            parts.append(_relocate(attr.expr, loc))
        except (LarkError, KeyError, RecursionError):
            parts.append(Opaque(loc))
        pos = end + 1


def _closing_brace(text: str, pos: int) -> int:
    depth = 1
    while pos < len(text):
        char = text[pos]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return pos
        pos += 1
    return -1


def _relocate(expr: Expr, loc: Location) -> Expr:
    """Give an expression parsed out of a heredoc the heredoc's location (nested ones too)."""
    stack: list[Any] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, (list, tuple)):
            stack.extend(node)
        elif isinstance(node, Record):
            for name in node.field_names:
                value = getattr(node, name)
                if name == "loc" and isinstance(value, Location):
                    setattr(node, name, loc)
                elif isinstance(value, (list, tuple, Record)):
                    stack.append(value)
    return expr


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text

    def sub(match: re.Match[str]) -> str:
        esc = match.group(1)
        if esc[0] in "uU" and len(esc) > 1:
            return chr(int(esc[1:], 16))
        return _ESCAPES.get(esc, "\\" + esc)

    return _ESCAPE_RE.sub(sub, text)
