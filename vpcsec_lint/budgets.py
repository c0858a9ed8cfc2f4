"""The budgets on what one value or one unit of analysis may cost.

Hostile code can ask for exponential work in a few lines (a string doubled
through 40 locals, a list of lists shared at every level, a module calling
itself). Every value the evaluators build is checked against these budgets
where it is stored; a value over budget becomes unknown (never a finding) and
a `budget` notice says which budget was hit and where. `docs/robustness.md`
lists them for users.

Sizes are counted as if shared parts were copied (what a walk over the value
would visit), in time linear in the distinct parts.
"""

from __future__ import annotations

from vpcsec_lint.findings import Notice, shown
from vpcsec_lint.values import Location, Val

STRING_CHARS = 1_000_000
"""Characters in one string (a template, `join`, `format`, `file()`, `Fn::Join`, `Fn::Sub`)."""
VALUE_NODES = 100_000
"""Values (scalars, lists, mappings) nested in one value: a local, an attribute, a property."""
VALUE_CHARS = 4_000_000
"""Characters of all the strings in one value."""
VALUE_DEPTH = 64
"""Levels of nesting in one value."""
EXPRESSION_DEPTH = 100
"""Levels of nesting in one Terraform expression (or CloudFormation intrinsic)."""
INTEGER_DIGITS = 100
"""Decimal digits in one number (literal or arithmetic result)."""
UNIT_NODES = 2_000_000
"""Values in all the resources of one unit together."""
MODULE_INSTANCES = 256
"""Local module instances under one root module (a module may call itself)."""

_LIMIT = 10 ** INTEGER_DIGITS
OVERSIZED_INTEGER = _LIMIT
"""What the parsers read for a longer integer literal: the smallest number over the
budget (converting every digit would be quadratic), made unknown where it is used."""

DESCRIPTIONS = {
    "string-size": f"a string longer than {STRING_CHARS:,} characters",
    "value-nodes": f"a value of more than {VALUE_NODES:,} nested values",
    "value-chars": f"a value holding more than {VALUE_CHARS:,} characters of text",
    "value-depth": f"a value nested more than {VALUE_DEPTH} levels deep",
    "expression-depth": f"an expression nested more than {EXPRESSION_DEPTH} levels deep",
    "integer-digits": f"a number of more than {INTEGER_DIGITS} digits",
    "unit-nodes": f"resources holding more than {UNIT_NODES:,} values in one unit",
    "module-instances": f"more than {MODULE_INSTANCES} module instances under one root module",
    "module-depth": "local module calls nested more than 8 levels deep",
}


class BudgetExceeded(Exception):
    """Raised where a value would exceed a budget; the caller makes it unknown."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_integer(digits: str, base: int = 10) -> int:
    """An integer literal's value; `OVERSIZED_INTEGER` past `INTEGER_DIGITS` digits."""
    if len(digits.lstrip("+-").lstrip("0")) > INTEGER_DIGITS:
        return OVERSIZED_INTEGER
    return int(digits, base)


def integer_ok(value: object) -> bool:
    """False for an integer of more than `INTEGER_DIGITS` digits."""
    return not isinstance(value, int) or isinstance(value, bool) or -_LIMIT < value < _LIMIT


def budget_notice(code: str, loc: Location | None, fallback: str, what: str = "") -> Notice:
    """The notice for a budget hit at `loc` (`fallback` is the file when the spot is unknown)."""
    subject = f" ({shown(what, 60)})" if what else ""
    return Notice("budget", code, loc.path if loc else fallback, loc.line if loc else 1,
                  f"{DESCRIPTIONS[code]}{subject}: analysed as unknown")


class Sizer:
    """Measures values, sharing included, remembering every container it has measured.

    `check` is linear in the containers not measured before, so measuring each
    value as it is stored costs linear time over a whole unit.
    """

    def __init__(self) -> None:
        self._sizes: dict[int, tuple[object, int, int, int]] = {}
        """id of a list, dict or alternatives tuple -> (it, nodes, chars, depth)."""

    def measure(self, val: Val) -> tuple[int, int, int]:
        """(nodes, chars, depth) of `val`, or raise `BudgetExceeded` as soon as one is over."""
        return self._measure(val)

    def measure_all(self, vals: list[Val]) -> None:
        """Raise `BudgetExceeded` when `vals` together exceed a value budget (the
        arguments of one function call: its work is bounded by their size)."""
        nodes = chars = 0
        for val in vals:
            more_nodes, more_chars, _depth = self._measure(val)
            nodes, chars = nodes + more_nodes, chars + more_chars
        if nodes > VALUE_NODES:
            raise BudgetExceeded("value-nodes")
        if chars > VALUE_CHARS:
            raise BudgetExceeded("value-chars")

    def check(self, val: Val) -> str | None:
        """The code of the budget `val` exceeds, or None."""
        try:
            self._measure(val)
        except BudgetExceeded as exc:
            return exc.code
        return None

    def _measure(self, val: Val) -> tuple[int, int, int]:
        if not val.alternatives and not isinstance(val.value, (list, dict)):
            return self._leaf(val)  # most values: a scalar, no walk to set up
        # Iterative post-order over containers: no recursion, whatever the depth.
        stack: list[tuple[object, int, int]] = [(val, 1, -1)]
        results: list[tuple[int, int, int]] = []
        while stack:
            item, level, count = stack.pop()
            if count < 0:
                known = self._known(item)
                if known is not None:
                    results.append(known)
                    continue
                children = self._children(item)
                if children is None:
                    results.append(self._leaf(item))
                    continue
                if level > VALUE_DEPTH:
                    raise BudgetExceeded("value-depth")
                stack.append((item, level, len(children)))
                stack.extend((child, level + 1, -1) for child in children)
                continue
            parts = results[-count:] if count else []
            if count:
                del results[-count:]
            nodes = 1 + sum(p[0] for p in parts)
            chars = sum(p[1] for p in parts) + self._key_chars(item)
            depth = 1 + max((p[2] for p in parts), default=0)
            if nodes > VALUE_NODES:
                raise BudgetExceeded("value-nodes")
            if chars > VALUE_CHARS:
                raise BudgetExceeded("value-chars")
            if depth > VALUE_DEPTH:
                raise BudgetExceeded("value-depth")
            key = self._key(item)
            if key is not None:
                self._sizes[id(key)] = (key, nodes, chars, depth)
            results.append((nodes, chars, depth))
        return results[-1]

    @staticmethod
    def _key(item: object) -> object | None:
        """What identifies a container's size: the list or dict (Vals wrap it anew)."""
        if isinstance(item, Val):
            if item.alternatives:
                return None  # measured through its own wrapper below
            return item.value if isinstance(item.value, (list, dict)) else None
        return item if isinstance(item, tuple) else None

    def _known(self, item: object) -> tuple[int, int, int] | None:
        key = self._key(item)
        if key is None:
            return None
        entry = self._sizes.get(id(key))
        return entry[1:] if entry is not None and entry[0] is key else None

    @staticmethod
    def _children(item: object) -> list | None:
        if isinstance(item, tuple):  # the alternatives of an unknown conditional
            return list(item)
        assert isinstance(item, Val)
        if item.alternatives:
            return [Val(item.value), item.alternatives]
        if isinstance(item.value, dict):
            return list(item.value.values())
        if isinstance(item.value, list):
            return list(item.value)
        return None

    @staticmethod
    def _key_chars(item: object) -> int:
        if isinstance(item, Val) and isinstance(item.value, dict):
            return sum(len(k) for k in item.value)
        return 0

    @staticmethod
    def _leaf(item: object) -> tuple[int, int, int]:
        assert isinstance(item, Val)
        value = item.value
        if isinstance(value, str):
            if len(value) > STRING_CHARS:
                raise BudgetExceeded("string-size")
            return (1, len(value), 1)
        if not integer_ok(value):
            raise BudgetExceeded("integer-digits")
        return (1, len(item.partial or ""), 1)
