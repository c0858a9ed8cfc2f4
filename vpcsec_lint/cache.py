"""A content-addressed on-disk cache of parsed files.

Entries are keyed by the tool version, the file's path and its exact text, so a
changed file or a new release never reads a stale entry. Writes go to a
temporary file that is renamed into place, so concurrent runs never see a
partial entry. Set `VPCSEC_LINT_CACHE_DIR` to move it; `--no-cache` bypasses it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from typing import Any

from vpcsec_lint import __version__

enabled = True


def cache_dir() -> str:
    explicit = os.environ.get("VPCSEC_LINT_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "vpcsec-lint")


def _entry(kind: str, path: str, text: str) -> str:
    # The path as given is part of the key: cached locations carry it, so the same file
    # named another way (`main.tf` from its directory, `db/main.tf` from above) is a miss.
    digest = hashlib.sha256(
        f"{__version__}\0{kind}\0{os.path.abspath(path)}\0{path}\0".encode() + text.encode(
            "utf-8", "surrogatepass")).hexdigest()
    return os.path.join(cache_dir(), digest[:2], digest[2:] + ".pickle")


def load(kind: str, path: str, text: str) -> Any:
    """The cached object for this file text, or None."""
    if not enabled:
        return None
    try:
        with open(_entry(kind, path, text), "rb") as handle:
            return pickle.load(handle)
    except Exception:  # a missing, partial or foreign entry is a miss
        return None


def store(kind: str, path: str, text: str, obj: Any) -> None:
    """Store `obj` for this file text; failures only cost the cache."""
    if not enabled:
        return
    target = _entry(kind, path, text)
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(obj, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
    except (OSError, pickle.PicklingError, RecursionError, TypeError):
        try:
            os.unlink(tmp)  # type: ignore[possibly-undefined]
        except (OSError, NameError):
            pass
