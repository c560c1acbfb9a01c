"""A progress bar on stderr; silent when disabled or when stderr is not wanted."""
from __future__ import annotations

import sys
import time


class Progress:
    """``bar = Progress(total, "scanning")``; ``bar.advance(n)``; ``bar.close()``.

    Redraws at most ten times a second. Disabled bars cost nothing, so algorithms can always
    create one and let the caller decide (``progress=False`` in the API, ``--quiet`` in the CLI).
    """

    def __init__(self, total: int, description: str, *, enabled: bool = True, stream=None):
        self.total = max(int(total), 1)
        self.description = description
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.done = 0
        self.started = time.perf_counter()
        self._drawn = 0.0

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self.enabled and (time.perf_counter() - self._drawn > 0.1 or self.done >= self.total):
            self._draw()

    def _draw(self) -> None:
        self._drawn = time.perf_counter()
        fraction = min(self.done / self.total, 1.0)
        filled = int(fraction * 30)
        elapsed = self._drawn - self.started
        self.stream.write(f"\r{self.description} [{'#' * filled}{'.' * (30 - filled)}] "
                          f"{self.done}/{self.total} {elapsed:5.1f}s")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()
