"""The Terraform syntax tree the evaluator works on (independent of python-hcl2)."""

from __future__ import annotations

from typing import Any

from vpcsec_lint.records import Record
from vpcsec_lint.values import Location


class Literal(Record):
    __slots__ = ("value", "loc")

    def __init__(self, value: Any, loc: Location) -> None:
        self.value = value
        self.loc = loc


class Template(Record):
    """A quoted string or heredoc: literal parts and interpolated expressions."""

    __slots__ = ("parts", "loc")

    def __init__(self, parts: list[str | Expr], loc: Location) -> None:
        self.parts = parts
        self.loc = loc


class GetAttr(Record):
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class Index(Record):
    __slots__ = ("key",)

    def __init__(self, key: Expr) -> None:
        self.key = key


class Traversal(Record):
    """`root.a.b[0]`: a variable, local, resource, data source or module reference."""

    __slots__ = ("root", "steps", "loc")

    def __init__(self, root: str, steps: list[GetAttr | Index], loc: Location) -> None:
        self.root = root
        self.steps = steps
        self.loc = loc


class Splat(Record):
    """`x[*].id` or `x.*.id`: `steps` (`.id`) apply to each element of `source`."""

    __slots__ = ("source", "loc", "steps")

    def __init__(self, source: Expr, loc: Location,
                 steps: list[GetAttr | Index] | None = None) -> None:
        self.source = source
        self.loc = loc
        self.steps = [] if steps is None else steps


class Subscript(Record):
    """`concat(a, b)[0]`, `(x).y`: steps applied to an expression that is not a name."""

    __slots__ = ("source", "steps", "loc")

    def __init__(self, source: Expr, steps: list[GetAttr | Index], loc: Location) -> None:
        self.source = source
        self.steps = steps
        self.loc = loc


class ForExpr(Record):
    """`[for k, v in coll : value if cond]`, or `{for ... : key => value}` when `key` is set.

    `group` is the `...` of an object `for` (values with one key are grouped in lists).
    """

    __slots__ = ("key_var", "value_var", "collection", "value", "loc", "key", "cond", "group")

    def __init__(self, key_var: str | None, value_var: str, collection: Expr, value: Expr,
                 loc: Location, key: Expr | None = None, cond: Expr | None = None,
                 group: bool = False) -> None:
        self.key_var = key_var
        self.value_var = value_var
        self.collection = collection
        self.value = value
        self.loc = loc
        self.key = key
        self.cond = cond
        self.group = group


class Call(Record):
    __slots__ = ("name", "args", "loc", "expand_final")

    def __init__(self, name: str, args: list[Expr], loc: Location,
                 expand_final: bool = False) -> None:
        self.name = name
        self.args = args
        self.loc = loc
        self.expand_final = expand_final


class TupleExpr(Record):
    __slots__ = ("items", "loc")

    def __init__(self, items: list[Expr], loc: Location) -> None:
        self.items = items
        self.loc = loc


class ObjectExpr(Record):
    __slots__ = ("items", "loc")

    def __init__(self, items: list[tuple[Expr, Expr]], loc: Location) -> None:
        self.items = items
        self.loc = loc


class Conditional(Record):
    __slots__ = ("cond", "true", "false", "loc")

    def __init__(self, cond: Expr, true: Expr, false: Expr, loc: Location) -> None:
        self.cond = cond
        self.true = true
        self.false = false
        self.loc = loc


class BinaryOp(Record):
    __slots__ = ("op", "left", "right", "loc")

    def __init__(self, op: str, left: Expr, right: Expr, loc: Location) -> None:
        self.op = op
        self.left = left
        self.right = right
        self.loc = loc


class UnaryOp(Record):
    __slots__ = ("op", "operand", "loc")

    def __init__(self, op: str, operand: Expr, loc: Location) -> None:
        self.op = op
        self.operand = operand
        self.loc = loc


class Opaque(Record):
    """An expression the evaluator does not model (for expressions, directives)."""

    __slots__ = ("loc",)

    def __init__(self, loc: Location) -> None:
        self.loc = loc


Expr = (Literal | Template | Traversal | Splat | Subscript | ForExpr | Call | TupleExpr | ObjectExpr
        | Conditional | BinaryOp | UnaryOp | Opaque)


class Attribute(Record):
    __slots__ = ("name", "expr", "loc")

    def __init__(self, name: str, expr: Expr, loc: Location) -> None:
        self.name = name
        self.expr = expr
        self.loc = loc


class Block(Record):
    """`loc`: the header: from the block type to the opening brace."""

    __slots__ = ("type", "labels", "body", "loc", "end_line")

    def __init__(self, type: str, labels: list[str], body: Body, loc: Location,
                 end_line: int = 0) -> None:
        self.type = type
        self.labels = labels
        self.body = body
        self.loc = loc
        self.end_line = end_line


class Body(Record):
    __slots__ = ("attributes", "blocks")

    def __init__(self, attributes: dict[str, Attribute] | None = None,
                 blocks: list[Block] | None = None) -> None:
        self.attributes = {} if attributes is None else attributes
        self.blocks = [] if blocks is None else blocks


class ParseFailure(Exception):
    """A file that is not valid HCL: message and 1-based position."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message, line, column)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return self.message
