"""The Terraform functions the evaluator models; anything else is unknown.

A function may raise `BudgetExceeded` (its result would be over a budget of
`budgets.py`) or an arithmetic error: the evaluator makes the call unknown.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable

from vpcsec_lint import budgets
from vpcsec_lint.budgets import BudgetExceeded
from vpcsec_lint.values import UNKNOWN, Location, Val

FAILED = "(error)"
"""The `symbol` of a value whose evaluation Terraform would reject (an index past the
instances of an expanded resource): `try()` moves on to its next argument."""


def _known(*vals: Val) -> bool:
    return all(v.known for v in vals)


def _str(val: Val) -> str | None:
    plain = val.plain()
    if isinstance(plain, bool) or plain is UNKNOWN or plain is None:
        return None
    if isinstance(plain, (str, int, float)):
        return str(plain)
    return None


def _concat(args: list[Val], loc: Location) -> Val:
    items: list[Val] = []
    for arg in args:
        if not isinstance(arg.value, list):
            return Val(UNKNOWN, loc)
        items.extend(arg.value)
    return Val(items, loc)


def _flatten(args: list[Val], loc: Location) -> Val:
    if len(args) != 1 or not isinstance(args[0].value, list):
        return Val(UNKNOWN, loc)
    out: list[Val] = []
    stack = list(reversed(args[0].value))
    while stack:
        item = stack.pop()
        if isinstance(item.value, list):
            stack.extend(reversed(item.value))
        elif item.value is UNKNOWN:
            return Val(UNKNOWN, loc)
        else:
            out.append(item)
    return Val(out, loc)


def _compact(args: list[Val], loc: Location) -> Val:
    if len(args) != 1 or not isinstance(args[0].value, list):
        return Val(UNKNOWN, loc)
    if any(not v.known for v in args[0].value):
        return Val(UNKNOWN, loc)
    return Val([v for v in args[0].value if v.value not in ("", None)], loc)


def _identity(args: list[Val], loc: Location) -> Val:
    if len(args) != 1:
        return Val(UNKNOWN, loc)
    arg = args[0]
    return Val(arg.value, loc, arg.origins, arg.ref, arg.symbol, arg.alternatives)


def _distinct(args: list[Val], loc: Location) -> Val:
    if len(args) != 1 or not isinstance(args[0].value, list):
        return _identity(args, loc)
    seen: set[str] = set()
    out = []
    for item in args[0].value:
        if not item.known:
            return Val(UNKNOWN, loc)
        key = json.dumps(item.plain(), sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return Val(out, loc)


def _lookup(args: list[Val], loc: Location) -> Val:
    if len(args) < 2:
        return Val(UNKNOWN, loc)
    key = _str(args[1])
    if isinstance(args[0].value, dict) and key is not None:
        if key in args[0].value:
            return args[0].value[key]
        if len(args) > 2:
            return args[2]
    return Val(UNKNOWN, loc)


def _merge(args: list[Val], loc: Location) -> Val:
    out: dict[str, Val] = {}
    for arg in args:
        if not isinstance(arg.value, dict):
            return Val(UNKNOWN, loc)
        out.update(arg.value)
    return Val(out, loc)


def _element(args: list[Val], loc: Location) -> Val:
    if len(args) == 2 and isinstance(args[0].value, list) and isinstance(args[1].value, int):
        items = args[0].value
        if items:
            return items[args[1].value % len(items)]
    return Val(UNKNOWN, loc)


def _join(args: list[Val], loc: Location) -> Val:
    if len(args) < 2 or _str(args[0]) is None:
        return Val(UNKNOWN, loc)
    separator = _str(args[0]) or ""
    parts: list[str] = []
    length = 0
    for arg in args[1:]:
        if not isinstance(arg.value, list):
            return Val(UNKNOWN, loc)
        for item in arg.value:
            text = _str(item)
            if text is None:
                return Val(UNKNOWN, loc)
            parts.append(text)
            length += len(text) + len(separator)
            if length > budgets.STRING_CHARS:
                raise BudgetExceeded("string-size")
    return Val(separator.join(parts), loc)


def _format(args: list[Val], loc: Location) -> Val:
    if not args or _str(args[0]) is None:
        return Val(UNKNOWN, loc)
    fmt = _str(args[0]) or ""
    values = [_str(a) for a in args[1:]]
    if any(v is None for v in values) or fmt.count("%") != fmt.count("%s") + 2 * fmt.count("%%"):
        return Val(UNKNOWN, loc)
    try:
        return Val(fmt % tuple(values), loc)
    except (TypeError, ValueError):
        return Val(UNKNOWN, loc)


def _coalesce(args: list[Val], loc: Location) -> Val:
    for arg in args:
        if not arg.known:
            return Val(UNKNOWN, loc)
        if arg.value not in (None, ""):
            return arg
    return Val(UNKNOWN, loc)


def _try(args: list[Val], loc: Location) -> Val:
    """The first argument that is not an error (`aws_vpc.this[0]` when `count = 0`)."""
    for arg in args:
        if arg.symbol == FAILED:
            continue
        if arg.known or arg.ref is not None:
            return arg  # a reference to a computed attribute (`aws_vpc.this[0].id`) keeps it
        break
    return Val(UNKNOWN, loc)


def _split(args: list[Val], loc: Location) -> Val:
    if len(args) != 2 or not all(isinstance(a.value, str) for a in args) or not args[0].value:
        return Val(UNKNOWN, loc)
    return Val([Val(part, loc) for part in args[1].value.split(args[0].value)], loc)


def _extreme(pick: Callable[..., object]) -> Callable[[list[Val], Location], Val]:
    def fn(args: list[Val], loc: Location) -> Val:
        numbers = [a.value for a in args]
        if not numbers or any(isinstance(n, bool) or not isinstance(n, (int, float))
                              for n in numbers):
            return Val(UNKNOWN, loc)
        return Val(pick(numbers), loc)
    return fn


def _keys(args: list[Val], loc: Location) -> Val:
    if len(args) != 1 or not isinstance(args[0].value, dict):
        return Val(UNKNOWN, loc)
    return Val([Val(k, loc) for k in sorted(args[0].value)], loc)


def _coalescelist(args: list[Val], loc: Location) -> Val:
    for arg in args:
        if not isinstance(arg.value, list):
            return Val(UNKNOWN, loc)
        if arg.value:
            return arg
    return Val(UNKNOWN, loc)


def _length(args: list[Val], loc: Location) -> Val:
    if len(args) == 1 and isinstance(args[0].value, (list, dict, str)):
        return Val(len(args[0].value), loc)
    return Val(UNKNOWN, loc)


def _cidrsubnet(args: list[Val], loc: Location) -> Val:
    if len(args) != 3 or not _known(*args):
        return Val(UNKNOWN, loc)
    try:
        net = ipaddress.ip_network(str(args[0].value), strict=False)
        newbits, num = int(args[1].value), int(args[2].value)
        prefix = net.prefixlen + newbits
        size = 1 << (net.max_prefixlen - prefix)
        base = int(net.network_address) + num * size
        sub = ipaddress.ip_network((base, prefix))
        if not sub.subnet_of(net):  # type: ignore[arg-type]
            return Val(UNKNOWN, loc)
        return Val(str(sub), loc)
    except (ValueError, TypeError):
        return Val(UNKNOWN, loc)


def _case(fn: Callable[[str], str]) -> Callable[[list[Val], Location], Val]:
    def apply(args: list[Val], loc: Location) -> Val:
        text = _str(args[0]) if len(args) == 1 else None
        return Val(fn(text), loc) if text is not None else Val(UNKNOWN, loc)

    return apply


def _tostring(args: list[Val], loc: Location) -> Val:
    text = _str(args[0]) if len(args) == 1 else None
    return Val(text, loc, args[0].origins, args[0].ref, args[0].symbol) if text is not None \
        else _identity(args, loc)


def _tonumber(args: list[Val], loc: Location) -> Val:
    if len(args) == 1 and args[0].known:
        try:
            text = str(args[0].value)
            return Val(float(text) if "." in text else int(text), loc)
        except ValueError:
            pass
    return Val(UNKNOWN, loc)


def _jsondecode(args: list[Val], loc: Location) -> Val:
    if len(args) == 1 and isinstance(args[0].value, str):
        from vpcsec_lint.documents import parse_json_document

        doc = parse_json_document(args[0].value, loc)
        if doc is not None:
            return doc
    return Val(UNKNOWN, loc)


def _jsonencode(args: list[Val], loc: Location) -> Val:
    """Keep the structure: the policy analysis reads documents as structures."""
    if len(args) != 1:
        return Val(UNKNOWN, loc)
    arg = args[0]
    return Val(arg.value, loc, arg.origins, arg.ref, arg.symbol, arg.alternatives)


FUNCTIONS: dict[str, Callable[[list[Val], Location], Val]] = {
    "concat": _concat,
    "flatten": _flatten,
    "compact": _compact,
    "tolist": _identity,
    "toset": _distinct,
    "distinct": _distinct,
    "sort": _identity,
    "tomap": _identity,
    "lookup": _lookup,
    "merge": _merge,
    "element": _element,
    "join": _join,
    "format": _format,
    "coalesce": _coalesce,
    "try": _try,
    "split": _split,
    "max": _extreme(max),
    "min": _extreme(min),
    "keys": _keys,
    "coalescelist": _coalescelist,
    "length": _length,
    "cidrsubnet": _cidrsubnet,
    "lower": _case(str.lower),
    "upper": _case(str.upper),
    "trimspace": _case(str.strip),
    "tostring": _tostring,
    "tonumber": _tonumber,
    "tobool": _identity,
    "jsondecode": _jsondecode,
    "jsonencode": _jsonencode,
}
