"""Units of analysis: what to analyse, loading, the unit cache and parallel runs.

A task is one Terraform root module directory or one CloudFormation template.
`run_tasks` analyses every task and returns one `Outcome` per task, in task
order, whatever the number of worker processes, so output never depends on
`--jobs`. A task's outcome is cached on disk (unless `--no-cache`) together
with every file and directory the analysis read (seen through an audit hook:
`.tf` files, child modules, tfvars, `file()` arguments, ...); an entry is used
only when all of them are unchanged.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from vpcsec_lint.raw import Unit
from vpcsec_lint.sources import DEPENDS_EVENT

if TYPE_CHECKING:
    from vpcsec_lint.discovery import Targets
    from vpcsec_lint.engine import Options
    from vpcsec_lint.findings import Finding, Notice

ENTRY_FORMAT = 3
POOL_MIN_TASKS = 4
"""Fewer tasks than this to analyse: no worker processes."""
POOL_MIN_BYTES = 256 * 1024
"""Less work than this (weighted source bytes): starting workers costs more than it saves."""
TF_WEIGHT = 4
"""HCL costs about four times as much per byte as YAML or JSON (python-hcl2's Lark parser)."""
PARSE_MEMO_FILES = 400
"""Parsed files kept in memory for sharing between units; past this, start afresh."""
RACY_NS = 2_000_000_000
"""A file modified this recently may change within one timestamp tick: do not cache on it."""


class Task:
    """One unit to analyse. (Plain classes here: dataclasses cost start-up time.)"""

    __slots__ = ("framework", "path", "report_only", "named", "given")

    def __init__(self, framework: str, path: str, report_only: frozenset[str] | None = None,
                 named: bool = False, given: str | None = None) -> None:
        self.framework = framework
        self.path = path
        """The module directory or the template path."""
        self.report_only = report_only
        """Terraform: the named files to report on (None: everything)."""
        self.named = named
        """CloudFormation: named explicitly (a non-template is then an error)."""
        self.given = given if given is not None else path
        """The PATH the user named that led here (bounds reads outside a repository)."""

    def __reduce__(self) -> tuple:
        return (Task, (self.framework, self.path, self.report_only, self.named, self.given))

    def __repr__(self) -> str:
        return f"Task({self.framework!r}, {self.path!r})"


class Outcome:
    """What one task contributes to the report."""

    __slots__ = ("files", "findings", "notices")

    def __init__(self, files: int = 0, findings: list[Finding] | None = None,
                 notices: list[Notice] | None = None) -> None:
        self.files = files
        self.findings = findings if findings is not None else []
        self.notices = notices if notices is not None else []

    def __reduce__(self) -> tuple:
        return (Outcome, (self.files, self.findings, self.notices))


def plan(targets: Targets) -> list[Task]:
    """The tasks for what discovery found, in the order of a serial run."""
    tasks = [Task("terraform", d, None if only is None else frozenset(only),
                  given=targets.given.get(d))
             for d, only in sorted(targets.tf_modules.items())]
    tasks += [Task("cloudformation", p, None, named, targets.given.get(p))
              for p, named in sorted(targets.templates.items())]
    return tasks


def load_units(targets: Targets, options: Options,
               stdin: tuple[str, str] | None = None) -> Iterator[tuple[Unit, set[str] | None]]:
    """Each unit with the set of files to report on (None: all of them)."""
    analyser = Analyser(options, stdin, use_cache=False)
    for task in plan(targets):
        unit = analyser.load(task)
        if unit is not None:
            yield unit, None if task.report_only is None else set(task.report_only)


# -- One process -------------------------------------------------------------

class Analyser:
    """Loads and lints tasks in one process; parsed files are shared between units."""

    def __init__(self, options: Options, stdin: tuple[str, str] | None = None,
                 use_cache: bool = True) -> None:
        self.options = options
        self.rules = options.enabled_rules()
        self.stdin = stdin
        self.buffer_path = os.path.normpath(stdin[0]) if stdin else None
        self.unit_cache = use_cache and stdin is None
        self._parse_cache: Any = None
        self._key_base: str | None = None
        self._digests: dict[str, str] = {}
        self._listings: dict[str, tuple[str, ...] | None] = {}
        self.started_ns = time.time_ns()

    def read(self, path: str) -> str:
        if self.stdin is not None and os.path.normpath(path) == self.buffer_path:
            return self.stdin[1]
        from vpcsec_lint.sources import read_source

        return read_source(path)

    def load(self, task: Task) -> Unit | None:
        """Read and evaluate one task's unit (None: not CloudFormation after all)."""
        if task.framework == "terraform":
            from vpcsec_lint.terraform.loader import ParseCache, load_module

            if self._parse_cache is None:
                self._parse_cache = ParseCache(self.read)
            # The buffer belongs to its module even when it is not on disk yet.
            return load_module(task.path, self._parse_cache, self.options.var_files,
                               extra=self.stdin[0] if self.stdin is not None else None,
                               given=task.given)
        from vpcsec_lint.cloudformation.loader import load_template

        text = None
        if self.stdin is not None and os.path.normpath(task.path) == self.buffer_path:
            text = self.stdin[1]
        return load_template(task.path, text, named=task.named)

    def analyse(self, task: Task) -> Outcome:
        """Load and lint one task within its time limit, storing the outcome in the unit cache."""
        from vpcsec_lint.engine import internal_error, lint_unit

        recorder = _Reads() if self.unit_cache else None
        limit = unit_seconds()
        try:
            with recording(recorder), time_limit(limit):
                try:
                    unit = self.load(task)
                except Exception as exc:  # a loader bug must not lose the other units: VSL999
                    return Outcome(0, [internal_error(f"the {task.framework} loader", task.path,
                                                      exc, task.framework)])
                outcome = Outcome() if unit is None else Outcome(
                    len(unit.files), lint_unit(unit, self.rules, self.options), unit.notices)
        except UnitTimeout:
            self._parse_cache = None  # it may hold a half-parsed file
            return Outcome(0, [unit_failed(task, f"its analysis took longer than {limit:g} s "
                                                 "and was stopped")])
        if recorder is not None:
            self._store(task, recorder, outcome)
        if self._parse_cache is not None and len(self._parse_cache.texts) > PARSE_MEMO_FILES:
            self._parse_cache = None  # bounds memory; the on-disk cache still shares them
        return outcome

    # -- the unit cache --

    def _entry(self, task: Task) -> str:
        from vpcsec_lint import cache

        if self._key_base is None:
            rule_files = sorted({getattr(sys.modules.get(type(r).__module__), "__file__", "")
                                 or "" for r in self.rules})
            self._key_base = cache.digest(
                cache.fingerprint(), os.getcwd(), *sorted(r.id for r in self.rules),
                *(cache._stamp(f) for f in rule_files if f),
                *(f"{k}={v}" for k, v in sorted(self.options.severity.items())),
                "\0".join(self.options.var_files), repr(self.options.reach))
        return cache.entry_path("unit", cache.digest(self._key_base, task.framework, task.path,
                                                     str(task.named), task.given))

    def cached(self, task: Task) -> Outcome | None:
        """The cached outcome when every file and directory it read is unchanged."""
        if not self.unit_cache:
            return None
        from vpcsec_lint import cache

        entry = cache.load_entry(self._entry(task))
        if not isinstance(entry, dict) or entry.get("format") != ENTRY_FORMAT:
            return None
        try:
            if any(self._digest(p) != d for p, d in entry["deps"]):
                return None
            if any(self._listing(p) != names for p, names in entry["dirs"]):
                return None
            return Outcome(entry["files"], entry["findings"], entry["notices"])
        except (KeyError, TypeError, ValueError):
            return None

    def _store(self, task: Task, reads: _Reads, outcome: Outcome) -> None:
        from vpcsec_lint import cache

        deps = []
        for path in sorted(reads.opened):
            self._digests.pop(path, None)
            deps.append((path, self._digest(path)))
            try:
                if os.stat(path).st_mtime_ns >= self.started_ns - RACY_NS:
                    return  # changed just now: it may change again unseen
            except OSError:
                pass
        dirs = []
        for path in sorted(reads.listed):
            self._listings.pop(path, None)
            dirs.append((path, self._listing(path)))
        cache.store_entry(self._entry(task), {
            "format": ENTRY_FORMAT, "deps": deps, "dirs": dirs, "files": outcome.files,
            "findings": outcome.findings, "notices": outcome.notices})

    def _digest(self, path: str) -> str:
        if path not in self._digests:
            from vpcsec_lint import cache

            self._digests[path] = cache.file_digest(path)
        return self._digests[path]

    def _listing(self, path: str) -> tuple[str, ...] | None:
        if path not in self._listings:
            try:
                self._listings[path] = tuple(sorted(os.listdir(path)))
            except OSError:
                self._listings[path] = None
        return self._listings[path]


# -- Time limit and failures of a unit ------------------------------------------

UNIT_SECONDS = 60.0
"""Time limit of one unit (loading and every rule). Past it, the unit is reported as
VSL999 and the run goes on. `VPCSEC_LINT_UNIT_SECONDS` sets another (0: none)."""


def unit_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get("VPCSEC_LINT_UNIT_SECONDS", UNIT_SECONDS)))
    except ValueError:
        return UNIT_SECONDS


class UnitTimeout(BaseException):
    """A unit's time limit passed. A BaseException, so that the engine's and the
    loaders' `except Exception` (one rule's bug) cannot swallow it."""


def _expired(_signum: int, _frame: object) -> None:
    raise UnitTimeout


class time_limit:
    """Context manager: raise `UnitTimeout` here after `seconds` (a real-time timer and
    SIGALRM). Only the main thread of a process can take signals: elsewhere (the
    language server's worker thread has its own deadline) it does nothing. Python
    code is interrupted between two bytecodes; a single long call into C is not."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.previous: Any = None
        self.previous_timer = (0.0, 0.0)
        self.started = 0.0
        self.armed = False

    def __enter__(self) -> None:
        import signal
        import threading

        self.armed = self.seconds > 0 and hasattr(signal, "setitimer") \
            and threading.current_thread() is threading.main_thread()
        if self.armed:
            self.previous = signal.signal(signal.SIGALRM, _expired)
            self.previous_timer = signal.setitimer(signal.ITIMER_REAL, self.seconds)
            self.started = time.monotonic()

    def __exit__(self, *_exc: object) -> None:
        if self.armed:  # put back whatever timer and handler the host process had
            import signal

            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
            delay, interval = self.previous_timer
            if delay > 0:
                left = max(delay - (time.monotonic() - self.started), 0.001)
                signal.setitimer(signal.ITIMER_REAL, left, interval)


def unit_failed(task: Task, why: str) -> Finding:
    """VSL999 for a unit whose analysis did not finish (`why`), at the unit's path."""
    from vpcsec_lint.engine import run_problem

    what = "module" if task.framework == "terraform" else "template"
    return run_problem(task.path, task.framework,
                       f"This {what} was not analysed: {why}; its findings are missing.")


# -- What a unit read (an audit hook, active only while recording) ----------

class _Reads:
    """The files a unit's analysis opened and the directories it listed."""

    def __init__(self) -> None:
        self.opened: set[str] = set()
        self.listed: set[str] = set()

    def __repr__(self) -> str:
        return f"_Reads(opened={self.opened!r}, listed={self.listed!r})"


_active: _Reads | None = None
_hooked = False
_code_dirs: tuple[str, ...] = ()
_ignored_dirs: tuple[str, ...] = ()
_CODE_SUFFIXES = (".py", ".pyc", ".so", ".pyd")


class recording:
    """Context manager: record the files opened and directories listed into `reads`."""

    def __init__(self, reads: _Reads | None) -> None:
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


# -- Many processes ------------------------------------------------------------

def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def run_tasks(tasks: list[Task], options: Options, stdin: tuple[str, str] | None = None,
              use_cache: bool = True,
              progress: Callable[[int, int], None] | None = None) -> list[Outcome]:
    """Every task's outcome, in task order; cache hits first, then the rest in parallel."""
    analyser = Analyser(options, stdin, use_cache)
    outcomes: list[Outcome | None] = [None] * len(tasks)
    done = 0
    pending = []
    for i, task in enumerate(tasks):
        hit = analyser.cached(task)
        if hit is None:
            pending.append(i)
        else:
            outcomes[i] = hit
            done += 1
    if progress:
        progress(done, len(tasks))
    jobs = min(max(1, options.jobs), len(pending))
    sizes = _sizes(tasks, pending) if jobs > 1 and len(pending) >= POOL_MIN_TASKS else {}
    batches = _batches(tasks, pending, sizes, jobs) if sizes else []
    total = sum(sizes.values())
    if total >= POOL_MIN_BYTES and stdin is None and len(batches) > 1 \
            and sum(sizes[i] for i in batches[0]) < 0.8 * total:
        done = _parallel(tasks, batches, outcomes, jobs, options, use_cache, progress, done)
    for i in pending:
        if outcomes[i] is None:  # serial run, or what a broken pool left
            outcomes[i] = analyser.analyse(tasks[i])
            done += 1
            if progress:
                progress(done, len(tasks))
    return [_report_only(t, o) for t, o in zip(tasks, outcomes, strict=True)]  # type: ignore[arg-type]


def _report_only(task: Task, outcome: Outcome) -> Outcome:
    if task.report_only is None:
        return outcome
    wanted = {os.path.normpath(p) for p in task.report_only}
    return Outcome(outcome.files, [f for f in outcome.findings
                                   if {os.path.normpath(p) for p in f.paths()} & wanted],
                   outcome.notices)


def _sizes(tasks: list[Task], pending: list[int]) -> dict[int, int]:
    """Source bytes per pending task: the cost estimate that orders and batches work."""
    out = {}
    for i in pending:
        task = tasks[i]
        try:
            if task.framework == "cloudformation":
                out[i] = os.stat(task.path).st_size
            else:
                with os.scandir(task.path) as entries:
                    out[i] = TF_WEIGHT * sum(e.stat().st_size for e in entries
                                             if e.name.endswith((".tf", ".tf.json"))
                                             and e.is_file())
        except OSError:
            out[i] = 0
    return out


def _batches(tasks: list[Task], pending: list[int], sizes: dict[int, int],
             jobs: int) -> list[list[int]]:
    """Work for the pool, heaviest batch first (it bounds the run).

    A Terraform module directory goes with the outermost module directory
    above it (a repository's root module, its `examples/` and `modules/`), so
    the local modules they share are parsed once per worker. Templates are
    independent and are grouped only to save round trips.
    """
    tf_dirs = {os.path.normpath(tasks[i].path) for i in pending
               if tasks[i].framework == "terraform"}
    groups: dict[str, list[int]] = {}
    templates: list[int] = []
    for i in pending:
        if tasks[i].framework == "terraform":
            groups.setdefault(_outermost(os.path.normpath(tasks[i].path), tf_dirs),
                              []).append(i)
        else:
            templates.append(i)
    batches = list(groups.values())
    target = max(sum(sizes.values()) // (jobs * 16), 1)
    current: list[int] = []
    weight = 0
    for i in sorted(templates, key=lambda i: (-sizes[i], i)):
        current.append(i)
        weight += sizes[i] + 512  # a task costs something even when tiny
        if weight >= target or len(current) >= 32:
            batches.append(current)
            current, weight = [], 0
    if current:
        batches.append(current)
    return sorted(batches, key=lambda b: (-sum(sizes[i] for i in b), b[0]))


def _outermost(directory: str, module_dirs: set[str]) -> str:
    """The outermost directory of `module_dirs` that contains `directory` (or itself)."""
    best, current = directory, directory
    while True:
        parent = os.path.dirname(current)
        if parent == current or not parent:
            return best
        if parent in module_dirs:
            best = parent
        current = parent


def _parallel(tasks: list[Task], batches: list[list[int]], outcomes: list[Outcome | None],
              jobs: int, options: Options, use_cache: bool,
              progress: Callable[[int, int], None] | None, done: int) -> int:
    """Run the batches in `jobs` worker processes.

    When a worker dies (the kernel's OOM killer, a plugin calling `os._exit`),
    the pool breaks and every batch in flight is lost with it: those units run
    again one at a time in a worker of their own (`_isolated`), so a second
    death names its unit, reported as VSL999. They never run in this process,
    which must survive to write the report.
    """
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    context, initargs = _pool_setup(options, use_cache)
    try:
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker,
                                 initargs=initargs) as pool:
            futures = [pool.submit(_run_batch, [(i, tasks[i]) for i in batch])
                       for batch in batches]
            for future in as_completed(futures):
                for i, outcome in future.result():
                    outcomes[i] = outcome
                    done += 1
                if progress:
                    progress(done, len(tasks))
    except BrokenProcessPool:
        left = [i for batch in batches for i in batch if outcomes[i] is None]
        done = _isolated(tasks, left, outcomes, context, initargs, progress, done)
    return done


def _pool_setup(options: Options, use_cache: bool) -> tuple[Any, tuple]:
    import multiprocessing

    method = "fork" if sys.platform == "linux" else None  # fork: no re-import per worker
    worker_options = replace(options, excluded=None)  # a closure; workers do not filter
    return multiprocessing.get_context(method), (worker_options, use_cache)


def _isolated(tasks: list[Task], left: list[int], outcomes: list[Outcome | None],
              context: Any, initargs: tuple, progress: Callable[[int, int], None] | None,
              done: int) -> int:
    """Each unit of `left` alone in a one-worker pool (a new one after each death)."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pool = None
    try:
        for i in left:
            if pool is None:
                pool = ProcessPoolExecutor(1, mp_context=context, initializer=_init_worker,
                                           initargs=initargs)
            try:
                outcomes[i] = pool.submit(_run_batch, [(i, tasks[i])]).result()[0][1]
            except BrokenProcessPool:
                outcomes[i] = Outcome(0, [unit_failed(
                    tasks[i], "the worker process analysing it died (most likely out of "
                              "memory; try fewer --jobs)")])
                pool.shutdown()
                pool = None
            done += 1
            if progress:
                progress(done, len(tasks))
    finally:
        if pool is not None:
            pool.shutdown()
    return done


_worker: Analyser | None = None


def _init_worker(options: Options, use_cache: bool) -> None:
    global _worker
    from vpcsec_lint import cache

    cache.enabled = use_cache
    _worker = Analyser(options, None, use_cache)


def _run_batch(batch: list[tuple[int, Task]]) -> list[tuple[int, Outcome]]:
    assert _worker is not None
    return [(i, _worker.analyse(task)) for i, task in batch]


# -- Progress ------------------------------------------------------------------

class Progress:
    """`analysed N/M units` on a terminal's standard error, once a run takes a while."""

    def __init__(self, stream: Any = None, delay: float = 1.0) -> None:
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self.delay = delay
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.start < self.delay or (now - self.last < 0.1 and done < total):
            return
        self.last = now
        self.stream.write(f"\rvpcsec-lint: analysed {done}/{total} units")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
