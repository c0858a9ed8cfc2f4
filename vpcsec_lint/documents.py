"""JSON documents embedded in templates (policies): text -> `Val` tree."""

from __future__ import annotations

import json
from typing import Any

from vpcsec_lint.values import Location, Val

MAX_DOCUMENT_CHARS = 1_000_000


def parse_json_document(text: str, loc: Location | None) -> Val | None:
    """Parse a JSON string into a `Val` tree located at `loc`; None if it is not JSON."""
    if len(text) > MAX_DOCUMENT_CHARS:
        return None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    try:
        return wrap(data, loc)
    except RecursionError:
        return None


def wrap(data: Any, loc: Location | None) -> Val:
    """Wrap plain data in `Val`s that all carry `loc`."""
    if isinstance(data, dict):
        return Val({str(k): wrap(v, loc) for k, v in data.items()}, loc)
    if isinstance(data, list):
        return Val([wrap(v, loc) for v in data], loc)
    return Val(data, loc)


def member(val: Val | None, key: str) -> Val | None:
    """A member of a mapping, matching the key case-insensitively (JSON documents differ)."""
    if val is None or not isinstance(val.value, dict):
        return None
    if key in val.value:
        return val.value[key]
    lowered = key.lower()
    return next((v for k, v in val.value.items() if k.lower() == lowered), None)
