"""`analysed N/M units` on a terminal while a long run goes on."""

from __future__ import annotations

import sys
import time
from typing import Any


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
