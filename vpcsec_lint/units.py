"""Units of analysis: what to analyse, time limits and parallel runs.

A task is one Terraform root module directory or one CloudFormation template.
`run_tasks` analyses every task and returns one `Outcome` per task, in task
order, whatever the number of worker processes, so output never depends on
`--jobs`. A task's outcome is kept in the unit cache (`unit_cache.py`, unless
`--no-cache`).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from vpcsec_lint.tasks import Outcome, Task

if TYPE_CHECKING:
    from vpcsec_lint.findings import Finding
    from vpcsec_lint.reach.graph import UnitChart
    from vpcsec_lint.session import Session
    from vpcsec_lint.unit_cache import UnitCache

POOL_MIN_TASKS = 4
"""Fewer tasks than this to analyse: no worker processes."""
POOL_MIN_BYTES = 256 * 1024
"""Less work than this (weighted source bytes): starting workers costs more than it saves."""
TF_WEIGHT = 4
"""HCL costs about four times as much per byte as YAML or JSON (python-hcl2's Lark parser)."""
PARSE_MEMO_FILES = 400
"""Parsed files kept in memory for sharing between units; past this, start afresh."""


# -- One process -------------------------------------------------------------

class Analyser:
    """Loads and lints a session's tasks in one process; parsed files are shared between
    units, and each task's outcome is kept in the unit cache."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.options = session.options
        self.rules = session.rules
        self.buffer = session.overlay.paths[0] if session.overlay else None
        """A buffer (standard input): it belongs to its module even when not on disk."""
        self.unit_cache: UnitCache | None = None
        if session.use_cache and not session.overlay:
            from vpcsec_lint.unit_cache import UnitCache

            self.unit_cache = UnitCache(session)

    def analyse(self, task: Task) -> Outcome:
        """Load and lint one task within its time limit, storing the outcome in the unit cache."""
        from vpcsec_lint.engine import internal_error
        from vpcsec_lint.unit_cache import Reads, recording

        recorder = Reads() if self.unit_cache is not None else None
        limit = unit_seconds()
        try:
            with recording(recorder), time_limit(limit):
                try:
                    unit = self.session.load(task, self.buffer)
                except Exception as exc:  # a loader bug must not lose the other units: VSL999
                    return Outcome(0, [internal_error(f"the {task.framework} loader", task.path,
                                                      exc, task.framework)])
                charts: list[UnitChart] | None = None
                if self.session.charting:  # nothing to draw (not a template...) is a part too
                    from vpcsec_lint.reach.graph import UnitChart

                    charts = [UnitChart()]
                outcome = Outcome() if unit is None else Outcome(
                    len(unit.files), self.session.lint_unit(unit, charts), unit.notices)
                outcome.chart = charts[-1] if charts else None
        except UnitTimeout:
            self.session.parse_cache = None  # it may hold a half-parsed file
            return Outcome(0, [unit_failed(task, f"its analysis took longer than {limit:g} s "
                                                 "and was stopped")])
        if self.unit_cache is not None and recorder is not None:
            self.unit_cache.store(task, recorder, outcome)
        parsed = self.session.parse_cache
        if parsed is not None and len(parsed.texts) > PARSE_MEMO_FILES:
            self.session.parse_cache = None  # bounds memory; the on-disk cache still shares them
        return outcome


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

        self.armed = False
        if self.seconds <= 0 or not hasattr(signal, "setitimer"):
            return
        try:
            self.previous = signal.signal(signal.SIGALRM, _expired)
        except ValueError:  # not the main thread (found without importing threading)
            return
        self.armed = True
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

# -- Many processes ------------------------------------------------------------

def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def run_tasks(tasks: list[Task], session: Session,
              progress: Callable[[int, int], None] | None = None) -> list[Outcome]:
    """Every task's outcome, in task order; cache hits first, then the rest in parallel."""
    from vpcsec_lint.cloudformation.stacks import one_run

    with one_run():  # worker processes fork inside it, so they share its view
        return _run_tasks(tasks, session, progress)


def _run_tasks(tasks: list[Task], session: Session,
               progress: Callable[[int, int], None] | None) -> list[Outcome]:
    options = session.options
    analyser = Analyser(session)
    outcomes: list[Outcome | None] = [None] * len(tasks)
    done = 0
    pending = []
    for i, task in enumerate(tasks):
        hit = analyser.unit_cache.cached(task) if analyser.unit_cache is not None else None
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
    if total >= POOL_MIN_BYTES and not session.overlay and len(batches) > 1 \
            and sum(sizes[i] for i in batches[0]) < 0.8 * total:
        done = _parallel(tasks, batches, outcomes, jobs, session, progress, done)
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
                   outcome.notices, outcome.chart)


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
              jobs: int, session: Session,
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

    context, initargs = _pool_setup(session)
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


def _pool_setup(session: Session) -> tuple[Any, tuple]:
    import multiprocessing

    method = "fork" if sys.platform == "linux" else None  # fork: no re-import per worker
    return multiprocessing.get_context(method), (session.for_workers(),)


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


def _init_worker(session: Session) -> None:
    global _worker
    _worker = Analyser(session)


def _run_batch(batch: list[tuple[int, Task]]) -> list[tuple[int, Outcome]]:
    assert _worker is not None
    return [(i, _worker.analyse(task)) for i, task in batch]
