"""Evaluated values with their source locations, shared by both parsers.

A `Val` is what a parser hands to the model: a Python value (str, int, float,
bool, None, list of `Val`, dict of str to `Val`) or `UNKNOWN`, plus where it
was written, where it came from, and what it refers to.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from vpcsec_lint.records import FrozenRecord, Record


class _Unknown:
    """The value of anything that cannot be resolved statically."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


class Location(FrozenRecord):
    """A span in a source file: 1-based lines and columns, end column exclusive."""

    __slots__ = ("path", "line", "column", "end_line", "end_column")

    def __init__(self, path: str, line: int, column: int = 1, end_line: int | None = None,
                 end_column: int | None = None) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column

    def sort_key(self) -> tuple[str, int, int]:
        return (self.path, self.line, self.column)


class Val(Record):
    """One evaluated value.

    - `loc`: where the expression that produced it is written (the use site).
    - `origins`: where the value really came from (a variable default, a local,
      a parameter default, tfvars), reported as related locations.
    - `ref`: `(address, attribute)` when the expression refers to a resource
      attribute, e.g. `("aws_vpc.main", "cidr_block")` or `("Vpc", "CidrBlock")`;
      `("Vpc", "Ref")` for a CloudFormation `Ref`.
    - `symbol`: the variable or parameter it was read from (`var.cidr`,
      `param:VpcCidr`), so two values from the same input can be matched.
    - `alternatives`: for a conditional whose condition is unknown, the possible
      values; the value itself is then `UNKNOWN`.
    - `partial`: for an unknown string template, its text with the unknown parts
      left as `${...}` (JSON policies written with `Fn::Sub` stay readable).
    - `parts`: for a string built from other values (a Terraform template,
      `Fn::Sub`, `Fn::Join`), the parts that refer to a resource attribute, so
      `"postgres://${aws_db_instance.db.address}:5432"` still names the database
      (at most `MAX_PARTS`).
    """

    __slots__ = ("value", "loc", "origins", "ref", "symbol", "alternatives", "partial",
                 "parts")

    def __init__(self, value: Any, loc: Location | None = None,
                 origins: tuple[Location, ...] = (), ref: tuple[str, str] | None = None,
                 symbol: str | None = None, alternatives: tuple[Val, ...] = (),
                 partial: str | None = None, parts: tuple[Val, ...] = ()) -> None:
        self.value = value
        self.loc = loc
        self.origins = origins
        self.ref = ref
        self.symbol = symbol
        self.alternatives = alternatives
        self.partial = partial
        self.parts = parts

    @property
    def known(self) -> bool:
        return self.value is not UNKNOWN

    def get(self, key: str) -> Val | None:
        """The member `key` of a known mapping, else None."""
        if isinstance(self.value, dict):
            return self.value.get(key)
        return None

    def items(self) -> list[Val]:
        """The members of a known list (a scalar counts as a list of itself)."""
        if isinstance(self.value, list):
            return self.value
        if self.value is UNKNOWN or self.value is None:
            return []
        return [self]

    def candidates(self) -> tuple[Val, ...]:
        """The values this may take: the alternatives of an unknown conditional, else itself."""
        if self.alternatives:
            out: list[Val] = []
            for alt in self.alternatives:
                out.extend(alt.candidates())
            return tuple(out)
        return (self,)

    def plain(self) -> Any:
        """The value as plain Python data (`UNKNOWN` stays where it is)."""
        return to_plain(self)

    def walk(self) -> Iterator[Val]:
        """This value and every value nested inside it."""
        stack = [self]
        while stack:
            val = stack.pop()
            yield val
            if isinstance(val.value, dict):
                stack.extend(val.value.values())
            elif isinstance(val.value, list):
                stack.extend(val.value)

    def references(self) -> Iterator[Val]:
        """Every value inside this one that refers to a resource attribute, the parts of
        the strings built inside it included."""
        for val in self.walk():
            if val.ref is not None:
                yield val
            yield from val.parts


MAX_ORIGINS = 32
"""Origins kept per value: a string doubled through locals would double them too."""

MAX_PARTS = 32
"""Referring parts kept per built string, for the same reason."""


def referring_parts(vals: Iterable[Val]) -> tuple[Val, ...]:
    """The values among `vals` that refer to a resource attribute, and the referring parts
    they were built from, each once, at most `MAX_PARTS`."""
    out: dict[int, Val] = {}
    for val in vals:
        for part in ((val,) if val.ref is not None else ()) + val.parts:
            out.setdefault(id(part), part)
            if len(out) >= MAX_PARTS:
                return tuple(out.values())
    return tuple(out.values())


def merge_origins(*groups: Iterable[Location]) -> tuple[Location, ...]:
    """The origins of `groups` in order, each once, at most `MAX_ORIGINS`."""
    out: dict[Location, None] = {}
    for group in groups:
        for loc in group:
            out[loc] = None
            if len(out) == MAX_ORIGINS:
                return tuple(out)
    return tuple(out)


def to_plain(val: Val | Any) -> Any:
    """Strip `Val` wrappers recursively."""
    if not isinstance(val, Val):
        return val
    if isinstance(val.value, dict):
        return {k: to_plain(v) for k, v in val.value.items()}
    if isinstance(val.value, list):
        return [to_plain(v) for v in val.value]
    return val.value
