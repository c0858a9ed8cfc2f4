"""python-hcl2's Lark parser, built once and stored in our cache directory.

Getting python-hcl2's parser costs more than parsing a file: `import hcl2`
imports its whole API (its formatter, reconstructor, rules...) and Lark then
rebuilds the LALR table and the lexers from its grammar cache at every start
(about 70 ms of CPU together, against 12 ms to unpickle the built parser; see
docs/performance.md). So the parser python-hcl2 builds (`hcl2.parser.parser()`)
is pickled whole into `<cache>/parser/` and loaded from there, with its
post-lexer module loaded from python-hcl2's `postlexer.py` without the rest of
the package.

The entry is keyed by the bytes of python-hcl2's grammar, `parser.py`,
`postlexer.py` and `version.py`, by Lark's version and by Python's: upgrading
either library builds and stores a new one. An entry that is missing,
truncated, altered (it starts with a SHA-256 of the rest), not a Lark parser or
one that fails on a one-line file is ignored and rebuilt; writes are
atomic (`cache.store_entry`). Under `--no-cache` nothing is read or written
and the parser comes from python-hcl2 directly.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import io
import os
import pickle
import sys
from typing import Any

from vpcsec_lint import cache

FORMAT = "1"
"""Bump when what is stored changes shape."""

_KEY_FILES = ("hcl2.lark", "parser.py", "postlexer.py", "version.py")
"""python-hcl2's files that decide the parser it builds."""

_MODULES = ("re", "regex")
"""Modules a built parser refers to (its lexers' regular expression module)."""

_CHECK = 32
"""An entry is the SHA-256 of the pickle, then the pickle."""


def parses_to_tree(text: str) -> Any:
    """Parse HCL2 text into python-hcl2's Lark tree, as `hcl2.parses_to_tree` does."""
    return parser().parse(text + "\n")


@functools.lru_cache(maxsize=1)
def parser() -> Any:
    """python-hcl2's parser: the stored one when it loads, else built (and stored)."""
    if not cache.enabled:
        return _build()
    import_lark()
    package = _hcl2_directory()
    key = _key(package) if package else None
    target = cache.entry_path("parser", key) if key else None
    stored = _load(target, package) if target and package else None
    if stored is not None:
        return stored
    built = _build()
    if target:
        _store(target, built)
    return built


def import_lark() -> None:
    """Import Lark without the third-party `regex` module (about 6 ms of every start).

    Lark imports `regex` whenever it is installed (python-hcl2 requires it), for
    grammars built with `Lark(regex=True)` or using Unicode categories (`\\p{L}`).
    python-hcl2's grammar does neither (it is built with `re`, and a stored parser is
    not compiled again), so Lark is imported with `import regex` failing, and
    `regex` stays importable afterwards. A grammar that uses categories keeps it.
    """
    if "lark" in sys.modules or "regex" in sys.modules:
        return
    package = _hcl2_directory()
    try:
        with open(os.path.join(package or "", "hcl2.lark"), "rb") as handle:
            if b"\\p{" in handle.read():
                return
    except OSError:
        return
    sys.modules["regex"] = None  # type: ignore[assignment]  # `import regex` -> ImportError
    try:
        import lark  # noqa: F401
    finally:
        del sys.modules["regex"]


def _build() -> Any:
    from hcl2.parser import parser as hcl2_parser

    return hcl2_parser()


@functools.lru_cache(maxsize=1)
def _hcl2_directory() -> str | None:
    """python-hcl2's package directory, found without importing the package."""
    try:
        spec = importlib.util.find_spec("hcl2")
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        if all(os.path.isfile(os.path.join(location, name)) for name in _KEY_FILES[:3]):
            return location
    return None


def _key(package: str) -> str | None:
    import lark

    parts: list[str | bytes] = [FORMAT, sys.version, getattr(lark, "__version__", "?")]
    for name in _KEY_FILES:
        try:
            with open(os.path.join(package, name), "rb") as handle:
                parts.append(handle.read())
        except FileNotFoundError:
            parts.append(f"{name}:absent")
        except OSError:
            return None
    return cache.digest(*parts)


def _load(target: str, package: str) -> Any:
    """The parser stored at `target`, or None when there is none or it does not work."""
    try:
        with open(target, "rb") as handle:
            check, data = handle.read(_CHECK), handle.read()
    except OSError:
        return None
    if check != hashlib.sha256(data).digest():  # truncated or damaged on disk
        return None
    try:
        postlexer = _postlexer_module(package)
        built = _Unpickler(io.BytesIO(data), postlexer.PostLexer()).load()
        from lark import Lark

        if not isinstance(built, Lark):
            return None
        built.parse("a = 1\n")  # a damaged table fails here, not on the user's file
        return built
    except Exception:  # truncated, corrupt or foreign: rebuilt from python-hcl2
        return None


def _store(target: str, built: Any) -> None:
    buffer = io.BytesIO()
    try:
        _Pickler(buffer, built.options.postlex).dump(built)
    except Exception:  # a Lark that no longer pickles: build at every start, as before
        return
    data = buffer.getvalue()
    cache.store_bytes(target, hashlib.sha256(data).digest() + data)


def _postlexer_module(package: str) -> Any:
    """python-hcl2's `postlexer.py`, loaded alone (it imports only `lark` and `typing`)."""
    name = "vpcsec_lint.terraform._hcl2_postlexer"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, os.path.join(package, "postlexer.py"))
    if spec is None or spec.loader is None:
        raise ImportError("python-hcl2's postlexer.py cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[name] = module
    return module


def _lark_action(name: str) -> Any:
    """Lark's LALR action `Shift` or `Reduce`, which its parser compares by identity."""
    from lark.parsers import lalr_analysis

    if name not in ("Shift", "Reduce"):
        raise pickle.UnpicklingError(f"not a Lark action: {name!r}")
    return getattr(lalr_analysis, name)


def _module(name: str) -> Any:
    """A module a built parser refers to (the regular expression module of its lexers)."""
    if name not in _MODULES:
        raise pickle.UnpicklingError(f"not a module a parser uses: {name!r}")
    return __import__(name)


class _Pickler(pickle.Pickler):
    """Stores references, not copies, for what must stay the loading process's own.

    Lark's actions and modules are stored as calls (pickle memoises the result: one call
    each when loading); the post-lexer as a reference to the one the loader supplies.
    """

    def __init__(self, file: io.BytesIO, postlex: Any) -> None:
        from lark.parsers.lalr_analysis import Reduce, Shift

        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.postlex = postlex
        self.actions = {id(Shift): "Shift", id(Reduce): "Reduce"}

    def persistent_id(self, obj: Any) -> Any:
        return "postlex" if obj is self.postlex and obj is not None else None

    def reducer_override(self, obj: Any) -> Any:
        if id(obj) in self.actions:
            return _lark_action, (self.actions[id(obj)],)
        if type(obj) is type(sys):
            return _module, (obj.__name__,)
        return NotImplemented


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, postlex: Any) -> None:
        super().__init__(file)
        self.postlex = postlex

    def persistent_load(self, pid: Any) -> Any:
        if pid == "postlex":
            return self.postlex
        raise pickle.UnpicklingError(f"unknown reference {pid!r}")
