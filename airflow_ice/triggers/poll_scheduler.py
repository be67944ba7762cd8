"""One wake-up for many polls: the waits of the triggers of one event loop end together on ticks.

A triggerer waiting for thousands of jobs would otherwise wake its event loop once per poll, and
on a virtual machine a wake-up that does nothing else already costs about 150 µs of CPU. Instead,
each trigger's pause ends on a tick (ticks are multiples of ``tick`` seconds of the loop's clock),
and one timer of the loop wakes every wait due by then at once. So:

- a wait ends at the first tick at or after its due time (at most one tick late, never early), or,
  when it asks (``not_after_due``), at the last tick at or before it (at most one tick early, never
  late: the pauses between polls, whose jitter absorbs that tick, see
  :meth:`~airflow_ice.triggers.base.IceJobTrigger.pause_between_polls`);
- the triggers' own jitter is kept (it only moves a wait to another tick);
- a wait that is cancelled (the trigger finished, timed out or was cancelled) leaves the schedule
  at once; with no wait left the timer is cancelled too;
- a tick that ends many waits ends them :data:`RELEASE_BATCH` at a time, one loop callback each
  (at the tick's time): every woken trigger starts its poll in the loop iteration after it is
  woken, so thousands woken at once would run in one iteration and stall the loop;
- a wait shorter than a tick of its own is not slowed: a trigger asks for a finer tick (a tenth of
  its poll interval, see :data:`TICK_SHARE`), which then only serves waits of that precision.

The tick is ``[alibaba_ice] poll_tick_seconds`` (default :data:`DEFAULT_POLL_TICK_SECONDS`), read when
a loop's scheduler is made; ``0`` turns the shared ticks off (each wait is then a timer of its own,
the behaviour before ticks, e.g. for comparison in the triggerer benchmark). The scheduler is per process and per event loop, like the batched
poller (:mod:`airflow_ice.triggers.batching`), and never blocks its loop.
"""

from __future__ import annotations

import asyncio
import collections
import heapq
import logging
import math
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from airflow_ice.provider_config import DEFAULT_POLL_TICK_SECONDS, POLL_TICK_SECONDS, SECTION

log = logging.getLogger(__name__)

TICK_SHARE = 0.1
"""A trigger's tick is at most this share of its poll interval (about the width of its jitter)."""
RELEASE_BATCH = 50
"""Waits a tick ends per loop callback (the rest in the next ones, so a loop iteration runs at most
about this many triggers' poll starts)."""


class Cancellable(Protocol):
    """A pending timer call (what :meth:`asyncio.loop.call_at` returns)."""

    def cancel(self) -> None:
        """Do not run it."""


class TickTimer(Protocol):
    """The clock and timer the scheduler runs on: the event loop itself, or a test's clock."""

    def time(self) -> float:
        """Now, in the timer's seconds."""

    def call_at(self, when: float, callback: Callable[[], object]) -> Cancellable:
        """Run ``callback`` at ``when``."""


@dataclass
class SchedulerStats:
    """What one scheduler did, for tests and benchmarks.

    :param ticks: wake-ups of its timer at a tick.
    :param woken: waits ended by them.
    :param batches: loop callbacks that ended waits (more than one per tick when a tick ends more
        than :data:`RELEASE_BATCH`).
    """

    ticks: int = 0
    woken: int = 0
    batches: int = 0


class PollScheduler:
    """Ends the waits of many triggers together, on shared ticks of one event loop.

    Get it through :data:`POLL_SCHEDULERS` (:meth:`PollSchedulerRegistry.for_running_loop`).

    :param tick: seconds between ticks; 0: no shared ticks, each wait sleeps on a timer of its own.
    :param timer: the clock and timer (the event loop; a test passes its own clock).
    """

    def __init__(self, tick: float, timer: TickTimer) -> None:
        if not 0 <= tick < math.inf:
            raise ValueError(f"tick must be a positive number of seconds or 0, got {tick!r}")
        self.tick = tick
        self.stats = SchedulerStats()
        self._timer = timer
        # Tick time -> the waits that end then; a heap of those times (emptied buckets are skipped).
        self._buckets: dict[float, set[asyncio.Future[None]]] = {}
        self._times: list[float] = []
        self._waiting = 0
        self._armed: Cancellable | None = None
        self._armed_at = math.inf
        # Waits a tick ended that are not woken yet (at most RELEASE_BATCH per callback).
        self._due: collections.deque[asyncio.Future[None]] = collections.deque()
        self._release_set = False

    def __repr__(self) -> str:
        return f"PollScheduler(tick={self.tick}, waiting={self._waiting})"

    def time(self) -> float:
        """Now on the scheduler's clock (the loop's, unless a test's)."""
        return self._timer.time()

    @property
    def waiting(self) -> int:
        """Waits not ended yet."""
        return self._waiting

    def tick_for(self, poll_interval: float) -> float:
        """The tick a trigger polling every ``poll_interval`` seconds uses: this scheduler's, or finer."""
        return min(self.tick, poll_interval * TICK_SHARE) if poll_interval > 0 else self.tick

    async def sleep(self, delay: float, tick: float | None = None, not_after_due: bool = False) -> None:
        """Wait ``delay`` seconds, ending on the first tick at or after then (or the last before).

        :param delay: seconds to wait; nothing (but a yield) when not positive.
        :param tick: a finer tick for this wait (see :meth:`tick_for`); at most :attr:`tick`.
        :param not_after_due: end on the last tick at or before the due time instead (at most one
            tick early, at once when no tick is left before it), never after it.
        """
        if delay <= 0 or not self.tick:
            await asyncio.sleep(max(delay, 0))
            return
        step = self.tick if tick is None else min(self.tick, tick)
        due = self._timer.time() + delay
        # Ticks are multiples of the step, so that waits of different triggers share them.
        ends = (math.floor if not_after_due else math.ceil)(due / step) * step
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        bucket = self._buckets.get(ends)
        if bucket is None:
            bucket = self._buckets[ends] = set()
            heapq.heappush(self._times, ends)
        bucket.add(future)
        self._waiting += 1
        self._arm()
        try:
            await future
        finally:
            if not future.done() or future.cancelled():
                self._leave(ends, future)

    def _leave(self, ends: float, future: asyncio.Future[None]) -> None:
        """A wait was cancelled before its tick: take it out (and the timer, when none is left)."""
        bucket = self._buckets.get(ends)
        if bucket is None or future not in bucket:
            return
        bucket.discard(future)
        self._waiting -= 1
        if not bucket:
            del self._buckets[ends]
            self._arm()

    def _next_tick(self) -> float:
        while self._times and self._times[0] not in self._buckets:
            heapq.heappop(self._times)
        return self._times[0] if self._times else math.inf

    def _arm(self) -> None:
        """Set the one timer to the earliest tick with waits (or none)."""
        first = self._next_tick()
        if first == self._armed_at:
            return
        if self._armed is not None:
            self._armed.cancel()
            self._armed = None
        self._armed_at = first
        if first < math.inf:
            self._armed = self._timer.call_at(first, self._on_tick)

    def _on_tick(self) -> None:
        # The loop may run a timer up to its clock resolution early: the armed tick counts as now.
        now = max(self._timer.time(), self._armed_at)
        self._armed, self._armed_at = None, math.inf
        self.stats.ticks += 1
        while self._times and self._times[0] <= now:
            self._due.extend(self._buckets.pop(heapq.heappop(self._times), ()))
        if not self._release_set:
            self._release()
        self._arm()

    def _release(self) -> None:
        """Wake the next :data:`RELEASE_BATCH` waits a tick ended; the rest in a callback after."""
        self._release_set = False
        self.stats.batches += 1
        for _ in range(min(RELEASE_BATCH, len(self._due))):
            future = self._due.popleft()
            self._waiting -= 1
            if not future.done():  # a wait cancelled after its tick came is just dropped
                future.set_result(None)
                self.stats.woken += 1
        if self._due:
            self._release_set = True
            self._timer.call_at(self._timer.time(), self._release)


def configured_tick() -> float:
    """``[alibaba_ice] poll_tick_seconds`` (0: no shared ticks), else :data:`DEFAULT_POLL_TICK_SECONDS` (also
    when invalid)."""
    from airflow.configuration import conf

    try:
        tick = conf.getfloat(SECTION, POLL_TICK_SECONDS, fallback=DEFAULT_POLL_TICK_SECONDS)
    except Exception as exc:
        log.warning(
            "[alibaba_ice] poll_tick_seconds is not a number (%s); using %s", exc, DEFAULT_POLL_TICK_SECONDS
        )
        return DEFAULT_POLL_TICK_SECONDS
    if not 0 <= tick < math.inf:
        log.warning(
            "[alibaba_ice] poll_tick_seconds must be positive or 0, got %s; using %s",
            tick,
            DEFAULT_POLL_TICK_SECONDS,
        )
        return DEFAULT_POLL_TICK_SECONDS
    return tick


class PollSchedulerRegistry:
    """The process's schedulers, one per event loop (made on first use)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._schedulers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PollScheduler] = (
            weakref.WeakKeyDictionary()
        )

    def for_running_loop(self) -> PollScheduler:
        """The running loop's scheduler (the loop's own timer, the configured tick)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            scheduler = self._schedulers.get(loop)
            if scheduler is None:
                scheduler = self._schedulers[loop] = PollScheduler(configured_tick(), _LoopTimer(loop))
            return scheduler

    def install(self, loop: asyncio.AbstractEventLoop, scheduler: PollScheduler | None) -> None:
        """Use ``scheduler`` on ``loop`` (e.g. one on a test's clock); None forgets the loop's."""
        with self._lock:
            if scheduler is None:
                self._schedulers.pop(loop, None)
            else:
                self._schedulers[loop] = scheduler


class _LoopTimer:
    """An event loop as a :class:`TickTimer`."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.time = loop.time
        self._loop = loop

    def call_at(self, when: float, callback: Callable[[], object]) -> Cancellable:
        return self._loop.call_at(when, callback)


POLL_SCHEDULERS = PollSchedulerRegistry()
"""The process-wide registry every polling trigger uses."""

__all__ = [
    "POLL_SCHEDULERS",
    "TICK_SHARE",
    "PollScheduler",
    "PollSchedulerRegistry",
    "SchedulerStats",
    "TickTimer",
    "configured_tick",
]
