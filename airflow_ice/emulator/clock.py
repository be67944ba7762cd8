"""The emulator's job clock, which a test can hold: while held, no job moves on.

A deployment test holds it until the planned number of tasks is deferred, kills a process, then
releases it, so that the kill happens while jobs are running however slow the machine is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class HoldableClock:
    """Seconds since the epoch from ``source``, minus the time spent held.

    :param source: the underlying clock (``time.time``, or a test's manual clock).
    """

    def __init__(self, source: Callable[[], float]) -> None:
        self._source = source
        self._lock = threading.Lock()
        self._lag = 0.0
        self._held_at: float | None = None

    def __call__(self) -> float:
        with self._lock:
            if self._held_at is not None:
                return self._held_at - self._lag
            return self._source() - self._lag

    @property
    def held(self) -> bool:
        """Whether the clock is held now."""
        with self._lock:
            return self._held_at is not None

    def hold(self) -> None:
        """Stop the clock (no-op when already held)."""
        with self._lock:
            if self._held_at is None:
                self._held_at = self._source()

    def release(self) -> None:
        """Let the clock go on from where it was held (no-op when not held)."""
        with self._lock:
            if self._held_at is not None:
                self._lag += self._source() - self._held_at
                self._held_at = None
