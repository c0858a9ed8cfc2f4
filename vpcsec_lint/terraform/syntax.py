"""The Terraform syntax tree the evaluator works on (independent of python-hcl2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vpcsec_lint.values import Location


@dataclass(slots=True)
class Literal:
    value: Any
    loc: Location


@dataclass(slots=True)
class Template:
    """A quoted string or heredoc: literal parts and interpolated expressions."""

    parts: list[str | Expr]
    loc: Location


@dataclass(slots=True)
class GetAttr:
    name: str


@dataclass(slots=True)
class Index:
    key: Expr


@dataclass(slots=True)
class Traversal:
    """`root.a.b[0]`: a variable, local, resource, data source or module reference."""

    root: str
    steps: list[GetAttr | Index]
    loc: Location


@dataclass(slots=True)
class Splat:
    """`x[*].id` or `x.*.id`: `steps` (`.id`) apply to each element of `source`."""

    source: Expr
    loc: Location
    steps: list[GetAttr | Index] = field(default_factory=list)


@dataclass(slots=True)
class Subscript:
    """`concat(a, b)[0]`, `(x).y`: steps applied to an expression that is not a name."""

    source: Expr
    steps: list[GetAttr | Index]
    loc: Location


@dataclass(slots=True)
class ForExpr:
    """`[for k, v in coll : value if cond]`, or `{for ... : key => value}` when `key` is set.

    `group` is the `...` of an object `for` (values with one key are grouped in lists).
    """

    key_var: str | None
    value_var: str
    collection: Expr
    value: Expr
    loc: Location
    key: Expr | None = None
    cond: Expr | None = None
    group: bool = False


@dataclass(slots=True)
class Call:
    name: str
    args: list[Expr]
    loc: Location
    expand_final: bool = False


@dataclass(slots=True)
class TupleExpr:
    items: list[Expr]
    loc: Location


@dataclass(slots=True)
class ObjectExpr:
    items: list[tuple[Expr, Expr]]
    loc: Location


@dataclass(slots=True)
class Conditional:
    cond: Expr
    true: Expr
    false: Expr
    loc: Location


@dataclass(slots=True)
class BinaryOp:
    op: str
    left: Expr
    right: Expr
    loc: Location


@dataclass(slots=True)
class UnaryOp:
    op: str
    operand: Expr
    loc: Location


@dataclass(slots=True)
class Opaque:
    """An expression the evaluator does not model (for expressions, directives)."""

    loc: Location


Expr = (Literal | Template | Traversal | Splat | Subscript | ForExpr | Call | TupleExpr | ObjectExpr
        | Conditional | BinaryOp | UnaryOp | Opaque)


@dataclass(slots=True)
class Attribute:
    name: str
    expr: Expr
    loc: Location


@dataclass(slots=True)
class Block:
    type: str
    labels: list[str]
    body: Body
    loc: Location
    """The header: from the block type to the opening brace."""
    end_line: int = 0


@dataclass(slots=True)
class Body:
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)


@dataclass(slots=True)
class ParseFailure(Exception):
    """A file that is not valid HCL: message and 1-based position."""

    message: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return self.message
