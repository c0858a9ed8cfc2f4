"""A content-addressed on-disk cache: parsed files and whole analysed units.

Parsed files are keyed by the code fingerprint (tool version, our source files,
the parser libraries), the file's path and its exact text, so a changed file, a
new release or an edited checkout never reads a stale entry. Analysed units
(see `units.py`) are keyed by their inputs and record every file and directory
they read, which are checked before an entry is used. Writes go to a temporary
file that is renamed into place, so concurrent runs never see a partial entry;
an unreadable or foreign entry is a miss. Set `VPCSEC_LINT_CACHE_DIR` to move
it; `--no-cache` (`enabled = False`) neither reads nor writes anything.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from vpcsec_lint import __version__

enabled = True

_LIBRARIES = ("hcl2", "lark", "yaml")
"""Libraries whose output we cache: a new version is a new key."""


def cache_dir() -> str:
    explicit = os.environ.get("VPCSEC_LINT_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "vpcsec-lint")


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """The code that produces cached results: version, our sources, parser libraries.

    Sizes and modification times of our own `.py` files (rules included) make an
    edited development checkout a new key; releases differ by version anyway.
    """
    import sys
    from importlib.util import find_spec

    import vpcsec_lint

    parts = [__version__, sys.version]
    roots = list(vpcsec_lint.__path__)
    try:
        rules = find_spec("vpcsec_lint.rules")
    except (ImportError, ValueError):
        rules = None
    roots += list(rules.submodule_search_locations or []) if rules else []
    for root in sorted(set(roots)):
        for directory, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".py", ".json")):
                    parts.append(_stamp(os.path.join(directory, name)))
    for name in _LIBRARIES:
        try:
            spec = find_spec(name)
        except (ImportError, ValueError):
            spec = None
        parts.append(_stamp(spec.origin) if spec and spec.origin else f"{name}:absent")
    return "\0".join(parts)


def _stamp(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return f"{path}:missing"
    return f"{path}:{st.st_size}:{st.st_mtime_ns}"


def digest(*parts: str | bytes) -> str:
    """A hex digest of the parts (strings are UTF-8 encoded)."""
    import hashlib

    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def file_digest(path: str) -> str:
    """What a unit's dependency `path` is now: `missing`, `special` (not a regular
    file), `unreadable`, or a hash of its size and first `MAX_FILE_BYTES` + 1 bytes.

    Bounded like every read (an 8 GB sparse file costs one limit's worth), and
    nothing that is not a regular file is ever opened (a FIFO would block).
    """
    import hashlib
    import stat

    from vpcsec_lint.sources import MAX_FILE_BYTES, open_regular

    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "unreadable"
    if not stat.S_ISREG(st.st_mode):
        return "directory" if stat.S_ISDIR(st.st_mode) else "special"
    h = hashlib.sha256(f"{st.st_size}\0".encode())
    left = MAX_FILE_BYTES + 1
    try:
        with open_regular(path) as handle:
            while left > 0:
                chunk = handle.read(min(left, 1 << 20))
                if not chunk:
                    break
                h.update(chunk)
                left -= len(chunk)
    except OSError:
        return "unreadable"
    return h.hexdigest()


def _file_entry(kind: str, path: str, text: str) -> str:
    # The path as given is part of the key: cached locations carry it, so the same file
    # named another way (`main.tf` from its directory, `db/main.tf` from above) is a miss.
    return entry_path(kind, digest(fingerprint(), kind, os.path.abspath(path), path, text))


def entry_path(kind: str, key: str) -> str:
    """Where the entry with this hex key lives."""
    return os.path.join(cache_dir(), kind, key[:2], key[2:] + ".pickle")


def load(kind: str, path: str, text: str) -> Any:
    """The cached object for this file text, or None."""
    if not enabled:
        return None
    return load_entry(_file_entry(kind, path, text))


def store(kind: str, path: str, text: str, obj: Any) -> None:
    """Store `obj` for this file text; failures only cost the cache."""
    if not enabled:
        return
    store_entry(_file_entry(kind, path, text), obj)


def load_entry(target: str) -> Any:
    """The object stored at `target`, or None (missing, partial or foreign entries)."""
    if not enabled:
        return None
    import pickle

    try:
        with open(target, "rb") as handle:
            return pickle.load(handle)
    except Exception:  # a missing, partial or foreign entry is a miss
        return None


def store_entry(target: str, obj: Any) -> None:
    """Pickle `obj` to `target` atomically; failures only cost the cache."""
    if not enabled:
        return
    import pickle

    try:
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # unpicklable or too deep: only the cache suffers
        return
    store_bytes(target, data)


def store_bytes(target: str, data: bytes) -> None:
    """Write `data` to `target` atomically (temporary file, then rename)."""
    if not enabled:
        return
    import tempfile

    tmp = None
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except Exception:  # disk full, read-only: only the cache suffers
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
