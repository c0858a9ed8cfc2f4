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
