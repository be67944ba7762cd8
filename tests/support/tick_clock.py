"""A clock for :class:`~airflow_ice.triggers.poll_scheduler.PollScheduler` that moves only when the
test moves it, so tests count ticks and measure lateness without racing the wall clock (no tests
here)."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable


class _Call:
    def __init__(self, callback: Callable[[], object]) -> None:
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class TestClock:
    """A :class:`~airflow_ice.triggers.poll_scheduler.TickTimer` on virtual seconds.

    :param start: the virtual time to start at.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self._calls: list[tuple[float, int, _Call]] = []
        self._order = itertools.count()

    def time(self) -> float:
        return self.now

    def call_at(self, when: float, callback: Callable[[], object]) -> _Call:
        call = _Call(callback)
        heapq.heappush(self._calls, (when, next(self._order), call))
        return call

    @property
    def pending(self) -> int:
        """Timer calls set and not cancelled."""
        return sum(not call.cancelled for _, _, call in self._calls)

    def run_next(self) -> float:
        """Move to the next timer call and run it; returns the new time.

        :raises AssertionError: no call is set (the test expected one).
        """
        while self._calls:
            when, _, call = heapq.heappop(self._calls)
            if call.cancelled:
                continue
            self.now = max(self.now, when)
            call.callback()
            return self.now
        raise AssertionError("no timer call is set")
