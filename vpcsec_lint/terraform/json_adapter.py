"""Terraform JSON syntax (`*.tf.json`) -> the same `syntax` tree as HCL files."""

from __future__ import annotations

from vpcsec_lint.terraform.hcl_adapter import parse_template
from vpcsec_lint.terraform.syntax import (
    Attribute,
    Block,
    Body,
    Expr,
    Literal,
    ObjectExpr,
    ParseFailure,
    TupleExpr,
)
from vpcsec_lint.values import Location, Val
from vpcsec_lint.yamlnodes import DocumentError, load_document

# How many labels each top-level block type takes in JSON syntax.
_LABELS = {"resource": 2, "data": 2, "variable": 1, "output": 1, "module": 1, "provider": 1,
           "locals": 0, "terraform": 0}
_NESTED_BLOCKS = {"ingress", "egress", "route", "vpc_config", "entry", "vpc",
                  "node_group_configuration", "content"}


def parse_tf_json(text: str, path: str) -> Body:
    """Parse a `.tf.json` document; raise `ParseFailure` when it is not valid JSON."""
    try:
        doc = load_document(text, path, is_json=True)
    except DocumentError as exc:
        raise ParseFailure(exc.message, exc.line, exc.column) from None
    body = Body()
    if doc is None or not isinstance(doc.value, dict):
        return body
    for kind, content in doc.value.items():
        labels = _LABELS.get(kind)
        if labels is None:
            continue
        for entry_labels, entry in _unfold(content, labels):
            if isinstance(entry.value, dict):
                body.blocks.append(_block(kind, entry_labels, entry, path))
    return body


def _unfold(val: Val, depth: int) -> list[tuple[list[str], Val]]:
    if depth == 0:
        return [([], item) for item in (val.value if isinstance(val.value, list) else [val])]
    out = []
    if isinstance(val.value, dict):
        for key, inner in val.value.items():
            for labels, entry in _unfold(inner, depth - 1):
                out.append(([key, *labels], entry))
    return out


def _block(kind: str, labels: list[str], val: Val, path: str) -> Block:
    loc = val.loc or Location(path, 1)
    body = Body()
    for key, item in val.value.items():
        if key in _NESTED_BLOCKS and isinstance(item.value, (list, dict)):
            for member in (item.value if isinstance(item.value, list) else [item]):
                if isinstance(member.value, dict):
                    body.blocks.append(_block(key, [], member, path))
            continue
        attr_loc = item.loc or loc
        body.attributes[key] = Attribute(key, _expr(item, attr_loc, path), attr_loc)
    return Block(kind, labels, body, loc, loc.end_line or loc.line)


def _expr(val: Val, loc: Location, path: str) -> Expr:
    loc = val.loc or loc
    if isinstance(val.value, str):
        return parse_template(val.value, loc, path) if "${" in val.value else Literal(
            val.value, loc)
    if isinstance(val.value, list):
        return TupleExpr([_expr(v, loc, path) for v in val.value], loc)
    if isinstance(val.value, dict):
        return ObjectExpr([(Literal(k, loc), _expr(v, loc, path)) for k, v in val.value.items()],
                          loc)
    return Literal(val.value, loc)
