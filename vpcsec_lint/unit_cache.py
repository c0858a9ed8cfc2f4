"""The unit cache: a task's outcome on disk with every file and directory it read.

An entry is used only when all of them are unchanged. What a unit read is seen
through an audit hook (`recording`): `.tf` files, child modules, tfvars,
`file()` arguments, the directories listed... A unit may also depend on a
digest of something derived from many files (`depends_on_derived`: the exports
of a directory of templates), checked by computing it again.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from vpcsec_lint.sources import DEPENDS_EVENT
from vpcsec_lint.tasks import Outcome

if TYPE_CHECKING:
    from vpcsec_lint.session import Session
    from vpcsec_lint.tasks import Task

ENTRY_FORMAT = 4
RACY_NS = 2_000_000_000
"""A file modified this recently may change within one timestamp tick: do not cache on it."""


class UnitCache:
    """The outcomes of one session's tasks, stored and checked."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._key_base: str | None = None
        self._digests: dict[str, str] = {}
        self._listings: dict[str, tuple[str, ...] | None] = {}
        self.started_ns = time.time_ns()


    def _entry(self, task: Task) -> str:
        from vpcsec_lint import cache

        if self._key_base is None:
            rule_files = sorted({getattr(sys.modules.get(type(r).__module__), "__file__", "")
                                 or "" for r in self.session.rules})
            self._key_base = cache.digest(
                cache.fingerprint(), os.getcwd(), *sorted(r.id for r in self.session.rules),
                *(cache.stamp(f) for f in rule_files if f),
                *(f"{k}={v}" for k, v in sorted(self.session.options.severity.items())),
                "\0".join(self.session.options.var_files), repr(self.session.options.reach))
        return cache.entry_path("unit", cache.digest(self._key_base, task.framework, task.path,
                                                     str(task.named), task.given))

    def cached(self, task: Task) -> Outcome | None:
        """The cached outcome when every file and directory it read is unchanged."""
        from vpcsec_lint import cache

        entry = cache.load_entry(self._entry(task))
        if not isinstance(entry, dict) or entry.get("format") != ENTRY_FORMAT:
            return None
        try:
            if not Snapshot(entry["deps"], entry["dirs"]).holds(self._digest, self._listing):
                return None
            if self.session.charting and entry["chart"] is None:
                return None  # stored by a run that drew no picture
            return Outcome(entry["files"], entry["findings"], entry["notices"], entry["chart"])
        except (KeyError, TypeError, ValueError):
            return None

    def store(self, task: Task, reads: Reads, outcome: Outcome) -> None:
        from vpcsec_lint import cache

        for path in reads.opened:
            self._digests.pop(path, None)
        for path in reads.listed:
            self._listings.pop(path, None)
        snapshot = Snapshot.taken(reads, self.started_ns, self._digest, self._listing)
        if snapshot is None:
            return
        cache.store_entry(self._entry(task), {
            "format": ENTRY_FORMAT, "deps": snapshot.files, "dirs": snapshot.dirs,
            "files": outcome.files, "findings": outcome.findings, "notices": outcome.notices,
            "chart": outcome.chart})

    def _digest(self, path: str) -> str:
        if path not in self._digests:
            self._digests[path] = current_digest(path)
        return self._digests[path]

    def _listing(self, path: str) -> tuple[str, ...] | None:
        if path not in self._listings:
            self._listings[path] = current_listing(path)
        return self._listings[path]


# -- What an analysis read, as it was ------------------------------------------

def current_digest(path: str) -> str:
    """A file's digest now, or a derived dependency's (`_DERIVED_PREFIX` + its key)."""
    if path.startswith(_DERIVED_PREFIX):
        return _derived_digest(path[len(_DERIVED_PREFIX):])
    from vpcsec_lint import cache

    return cache.file_digest(path)


def current_listing(path: str) -> tuple[str, ...] | None:
    """A directory's names now, sorted; None when it cannot be listed."""
    try:
        return tuple(sorted(os.listdir(path)))
    except OSError:
        return None


class Snapshot:
    """Each file an analysis read with its digest (a derived dependency with the digest it
    had, under `_DERIVED_PREFIX`), and each directory it listed with its names. The unit
    cache stores one with each entry; the language server keeps one with its last lint."""

    __slots__ = ("files", "dirs")

    def __init__(self, files: list[tuple[str, str]],
                 dirs: list[tuple[str, tuple[str, ...] | None]]) -> None:
        self.files = files
        self.dirs = dirs

    @classmethod
    def taken(cls, reads: Reads, started_ns: int, digest: Callable[[str], str] = current_digest,
              listing: Callable[[str], tuple[str, ...] | None] = current_listing) \
            -> Snapshot | None:
        """What `reads` names, now; None when a file it read changed so recently (since
        `started_ns` - `RACY_NS`) that a later change could keep its timestamp."""
        for path in reads.opened:
            try:
                if os.stat(path).st_mtime_ns >= started_ns - RACY_NS:
                    return None
            except OSError:
                pass
        files = [(path, digest(path)) for path in sorted(reads.opened)]
        files += [(_DERIVED_PREFIX + key, value) for key, value in sorted(reads.derived.items())]
        return cls(files, [(path, listing(path)) for path in sorted(reads.listed)])

    def holds(self, digest: Callable[[str], str] = current_digest,
              listing: Callable[[str], tuple[str, ...] | None] = current_listing) -> bool:
        """Whether reading again now would read exactly this."""
        return all(digest(path) == value for path, value in self.files) \
            and all(listing(path) == names for path, names in self.dirs)


# -- What a unit read (an audit hook, active only while recording) ----------

class Reads:
    """The files a unit's analysis opened and the directories it listed."""

    def __init__(self) -> None:
        self.opened: set[str] = set()
        self.listed: set[str] = set()
        self.derived: dict[str, str] = {}
        """Derived dependency -> its digest when the unit used it (`depends_on_derived`)."""

    def __repr__(self) -> str:
        return f"Reads(opened={self.opened!r}, listed={self.listed!r}, " \
               f"derived={self.derived!r})"


_DERIVED_PREFIX = "\0derived:"
"""Marks a derived dependency among an entry's files (no file name holds a NUL)."""


def depends_on_derived(key: str, digest: str) -> None:
    """Declare that the unit being analysed used what `key` names, as `digest` says it was.

    Instead of depending on every file it was derived from (a directory of
    2,000 templates would make every importing unit depend on 2,000 files), the
    entry keeps `digest`; a later run computes it again (`_derived_digest`)
    and the entry holds only while it is the same.
    """
    if _active is not None:
        _active.derived[key] = digest


def _derived_digest(key: str) -> str:
    from vpcsec_lint.cloudformation.stacks import EXPORTS_DEPENDENCY, exports_digest

    if key.startswith(EXPORTS_DEPENDENCY):
        return exports_digest(key[len(EXPORTS_DEPENDENCY):])
    return "unknown"


class not_recorded:
    """Context manager: what is read inside it is not recorded (a derived dependency's
    own inputs, covered by its digest)."""

    def __enter__(self) -> None:
        global _active
        self.saved = _active
        _active = None

    def __exit__(self, *_exc: object) -> None:
        global _active
        _active = self.saved


_active: Reads | None = None
_hooked = False
_code_dirs: tuple[str, ...] = ()
_ignored_dirs: tuple[str, ...] = ()
_CODE_SUFFIXES = (".py", ".pyc", ".so", ".pyd")


class recording:
    """Context manager: record the files opened and directories listed into `reads`."""

    def __init__(self, reads: Reads | None) -> None:
        self.reads = reads

    def __enter__(self) -> None:
        global _active, _ignored_dirs
        if self.reads is not None:
            from vpcsec_lint import cache

            _install_hook()
            _ignored_dirs = (*_code_dirs, os.path.join(os.path.abspath(cache.cache_dir()), ""))
            _active = self.reads

    def __exit__(self, *_exc: object) -> None:
        global _active
        _active = None


def _install_hook() -> None:
    global _hooked, _code_dirs
    if _hooked:
        return
    from importlib.util import find_spec

    import vpcsec_lint
    from vpcsec_lint import cache

    cache.fingerprint()  # it walks our sources: not something a unit read
    ignored = list(vpcsec_lint.__path__)
    for name in ("vpcsec_lint.rules", "hcl2", "lark", "yaml"):  # code and its data files
        spec = find_spec(name)
        if spec is not None and spec.origin:
            ignored.append(os.path.dirname(spec.origin))
        ignored += list(spec.submodule_search_locations or []) if spec else []
    _code_dirs = tuple(sorted({os.path.join(os.path.abspath(d), "") for d in ignored}))
    sys.addaudithook(_audit)
    _hooked = True


def _audit(event: str, args: tuple) -> None:
    reads = _active
    if reads is None:
        return
    if event == "open":
        path = args[0]
        if isinstance(path, (str, bytes)):
            path = os.fsdecode(path)
            if not path.endswith(_CODE_SUFFIXES) and \
                    not os.path.abspath(path).startswith(_ignored_dirs):
                reads.opened.add(path)
    elif event == DEPENDS_EVENT:  # looked at, maybe not read (`sources.depends_on`)
        reads.opened.add(os.fsdecode(args[0]))
    elif event == "os.scandir":  # how modules are listed (imports use os.listdir)
        path = args[0] if args and args[0] is not None else "."
        if isinstance(path, (str, bytes)):
            path = os.fsdecode(path)
            if not os.path.join(os.path.abspath(path), "").startswith(_ignored_dirs):
                reads.listed.add(path)
