"""Run one command and measure its wall time and memory.

Wall time is taken around `os.wait4`, which also gives the child's own peak
resident set (`ru_maxrss`: the largest of the process and the descendants it
waited for). Worker pools run several processes at once, so a sampler thread
also adds up the resident sets of the whole process tree every few
milliseconds (an upper bound: pages shared after `fork` are counted in every
process).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass


@dataclass
class Sample:
    """One run of one command."""

    wall: float
    """Seconds from start to exit."""
    max_rss_mb: float
    """Peak resident set of the largest single process (from wait4), MiB."""
    tree_rss_mb: float
    """Peak of the summed resident sets of the process tree (sampled), MiB."""
    cpu: float
    """User plus system CPU seconds of the process and its reaped descendants."""
    returncode: int


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                out.extend(int(p) for p in handle.read().split())
        except OSError:
            continue
    return out


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(root: int) -> int:
    """The summed resident sets of `root` and all its descendants, KiB."""
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _rss_kb(pid)
        stack.extend(_children(pid))
    return total


def run(argv: list[str], env: dict[str, str] | None = None, cwd: str | None = None,
        interval: float = 0.02) -> Sample:
    """Run `argv` with output discarded; measure wall time and memory."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, env=env, cwd=cwd)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_kb(proc.pid))
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    max_rss = usage.ru_maxrss / 1024  # Linux reports KiB
    cpu = usage.ru_utime + usage.ru_stime
    return Sample(wall, max_rss, max(peak[0] / 1024, max_rss), cpu, proc.returncode)
