"""Adaptive pacing per ICE action: slow down when ICE throttles, speed up again while it does not.

ICE limits each action's calls per second for a whole account, across every process and system
calling it. A process cannot see the others, but it hears ICE: each throttling answer cuts the pace
at which this process sends that action to :data:`CUT` of what it was sending, and time without
one lets the pace grow back along a cubic curve (as TCP CUBIC and the AWS SDKs' adaptive retry
mode do): slowly near the pace that was throttled, faster beyond it. Several triggerers that each
do this converge under the account's limit without talking to each other.

A limiter starts unpaced: a process that is never throttled only counts its calls. Once the pace
has grown past twice the one throttled and twice what the process asks for, it is unpaced again.
Calls wait for their slot (the event loop is never blocked) rather than fail, and a cancelled waiter
gives its slot back. The process logs a warning when ICE starts throttling an action, at most one
per :data:`LOG_EVERY` while it goes on, and a line when the action is unpaced again.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from airflow_ice.client.pool import EndpointIdentity

log = logging.getLogger("airflow_ice.client")

CUT = 0.7
"""A throttling answer sets the pace to this share of what was being sent (multiplicative decrease)."""
FLOOR = 0.5
"""The slowest pace, in calls per second: a poll is late, never stuck."""
GROWTH = 0.4
"""The cubic curve's scale (calls per second, per second cubed): from a pace throttled at 100/s,
back to 100/s after about 4 s without throttling, 200/s after about 10 s."""
LOG_EVERY = 60.0
"""Seconds between warnings while an action goes on being throttled."""


class _CallsLastSecond:
    """How many calls were asked for in the last second: the current second's count plus the
    previous second's, weighted by how much of it still falls inside the window."""

    __slots__ = ("_current", "_previous", "_second")

    def __init__(self) -> None:
        self._second = 0
        self._current = 0
        self._previous = 0

    def _move_to(self, now: float) -> None:
        second = math.floor(now)
        if second != self._second:
            self._previous = self._current if second == self._second + 1 else 0
            self._current = 0
            self._second = second

    def count(self, now: float) -> None:
        self._move_to(now)
        self._current += 1

    def per_second(self, now: float) -> float:
        self._move_to(now)
        return self._previous * (1.0 - (now - self._second)) + self._current


class PaceSchedule:
    """When numbered slots fall due at a pace: slot ``n`` at ``anchor_at + (n - anchor_n) / rate``.

    Waiters hold a slot number, not a time, so a cut moves every slot not yet due later at once
    (each waiter sees it when it wakes) instead of letting the calls booked at the old pace go.

    :param rate: slots per second.
    :param now: when the schedule starts (its first slot is due then).
    """

    __slots__ = ("_anchor_at", "_anchor_n", "_free", "_next_n", "rate")

    def __init__(self, rate: float, now: float) -> None:
        self.rate = rate
        self._anchor_n = 0.0
        self._anchor_at = now
        self._next_n = 0
        self._free: list[int] = []

    def due_at(self, number: int) -> float:
        """When slot ``number`` falls due."""
        return self._anchor_at + (number - self._anchor_n) / self.rate

    def take(self, now: float) -> int:
        """The first slot given back that is still ahead, else the next one (due now after a quiet
        spell: an idle schedule lends no burst)."""
        while self._free:
            number = heapq.heappop(self._free)
            if self.due_at(number) > now:
                return number
        if self.due_at(self._next_n) < now:
            self._anchor_n, self._anchor_at = float(self._next_n), now
        number = self._next_n
        self._next_n += 1
        return number

    def give_back(self, number: int, now: float) -> None:
        """Slot ``number`` will not be used: the next caller takes it if it is still ahead."""
        if self.due_at(number) > now:
            heapq.heappush(self._free, number)

    def set_rate(self, rate: float, now: float) -> None:
        """From ``now`` on, the slots not yet due follow at ``rate``."""
        self._anchor_n += (now - self._anchor_at) * self.rate
        self._anchor_at = now
        self.rate = rate

    def idle(self, now: float) -> bool:
        """Whether no slot is waiting beyond ``now``."""
        return self.due_at(self._next_n - 1) <= now


@dataclass(frozen=True, slots=True)
class Slot:
    """A caller's place: a number in a pace's schedule, or none while the action is unpaced.

    :param schedule: the schedule it was taken from (None: unpaced, go at once).
    :param number: its number there.
    """

    schedule: PaceSchedule | None
    number: int = 0


_UNPACED = Slot(None)


class AdaptiveRate:
    """The pace of one action from this process: unpaced until ICE throttles it, then cut and regrown.

    Each call takes its :class:`Slot` and waits until it falls due (:meth:`acquire` and
    :meth:`acquire_blocking` do both), and is handed the pace's *epoch*; a throttling answer is
    reported with :meth:`throttled` and that epoch. Only answers to calls let go since the last cut
    cut again: the calls already in flight when ICE began to throttle went at the old pace, and
    their answers say nothing new.

    :param label: what the log lines name, e.g. ``GetMediaProducingJob at https://ice...``.
    :param clock: monotonic seconds (tests hold one).
    :param sleep: how a synchronous caller waits for its slot.
    :param asleep: how an asynchronous caller waits for its slot.
    """

    def __init__(
        self,
        label: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        asleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.label = label
        self._clock = clock
        self._sleep = sleep
        self._asleep = asleep
        self._lock = threading.Lock()
        self._asked = _CallsLastSecond()
        self._schedule: PaceSchedule | None = None  # None: unpaced
        self._epoch = 0
        self._cut_at = 0.0
        self._throttled_pace = 0.0  # the pace ICE throttled at the last cut (the cubic's plateau)
        self._paced_since = 0.0
        self._slowest = 0.0
        self._warned_at = 0.0
        self._cuts_unreported = 0

    def __repr__(self) -> str:
        schedule = self._schedule
        return f"AdaptiveRate({self.label}, {'unpaced' if schedule is None else f'{schedule.rate:.1f}/s'})"

    @property
    def pace(self) -> float | None:
        """The calls per second this process allows itself now, or None while unpaced."""
        with self._lock:
            recovered = self._grow(self._clock())
            schedule = self._schedule
        if recovered is not None:
            log.info(*recovered)
        return None if schedule is None else schedule.rate

    @property
    def epoch(self) -> int:
        """How many times the pace was cut: what a call let go now reports to :meth:`throttled`."""
        return self._epoch

    def reserve(self) -> Slot:
        """Take a place in line (the call counts as asked for now)."""
        with self._lock:
            now = self._clock()
            self._asked.count(now)
            if self._schedule is None:
                return _UNPACED
            recovered = self._grow(now)
            schedule = self._schedule
            if schedule is not None:
                return Slot(schedule, schedule.take(now))
        log.info(*recovered)
        return _UNPACED

    def wait_for(self, slot: Slot) -> float:
        """Seconds before ``slot`` falls due under the pace as it is now (0: go)."""
        if slot.schedule is None:
            return 0.0
        with self._lock:
            if slot.schedule is not self._schedule:
                return 0.0  # unpaced since it was taken
            return max(0.0, slot.schedule.due_at(slot.number) - self._clock())

    def give_back(self, slot: Slot) -> None:
        """Return a slot that will not be used (its caller gave up waiting)."""
        if slot.schedule is not None:
            with self._lock:
                slot.schedule.give_back(slot.number, self._clock())

    async def acquire(self) -> int:
        """Wait, without blocking the loop, until a slot falls due; return the pace's epoch."""
        slot = self.reserve()
        wait = self.wait_for(slot)
        while wait > 0:
            try:
                await self._asleep(wait)
            except asyncio.CancelledError:
                self.give_back(slot)
                raise
            wait = self.wait_for(slot)  # a cut since moved it later
        return self._epoch

    def acquire_blocking(self) -> int:
        """Sleep the thread until a slot falls due (synchronous callers only); return the pace's epoch."""
        slot = self.reserve()
        wait = self.wait_for(slot)
        while wait > 0:
            self._sleep(wait)
            wait = self.wait_for(slot)
        return self._epoch

    def throttled(self, epoch: int) -> None:
        """ICE throttled a call let go in ``epoch``: cut the pace, unless it was cut since.

        :param epoch: what :meth:`acquire` returned for the call.
        """
        with self._lock:
            if epoch != self._epoch:
                return
            now = self._clock()
            asked = self._asked.per_second(now)
            schedule = self._schedule
            started = schedule is None
            was = asked if schedule is None else min(asked, schedule.rate)
            pace = max(FLOOR, CUT * was)
            if schedule is None:
                self._schedule = PaceSchedule(pace, now)
                self._paced_since, self._slowest = now, pace
            else:
                schedule.set_rate(pace, now)
            self._throttled_pace = max(FLOOR, was)
            self._cut_at = now
            self._epoch += 1
            self._cuts_unreported += 1
            self._slowest = min(self._slowest, pace)
            if not started and now - self._warned_at < LOG_EVERY:
                return
            cuts, self._cuts_unreported, self._warned_at = self._cuts_unreported, 0, now
        if started:
            log.warning(
                "ICE is throttling %s: this process now sends it at %.1f calls/s (it asked for %.1f/s), "
                "and speeds up again while ICE allows",
                self.label,
                pace,
                was,
            )
        else:
            log.warning(
                "ICE is still throttling %s: this process sends it at %.1f calls/s (%d cuts in %.0f s)",
                self.label,
                pace,
                cuts,
                now - self._paced_since,
            )

    def _grow(self, now: float) -> tuple[str, str, float, float] | None:
        """Move the pace along the cubic curve to ``now`` (lock held); unpace once it no longer
        limits, returning the log line's arguments to say so."""
        schedule = self._schedule
        if schedule is None:
            return None
        plateau = self._throttled_pace
        # The curve starts at CUT * plateau at the cut, flattens at the plateau, then climbs.
        to_plateau = ((plateau * (1.0 - CUT)) / GROWTH) ** (1.0 / 3.0)
        pace = max(FLOOR, GROWTH * (now - self._cut_at - to_plateau) ** 3 + plateau)
        # No longer limiting: well past the pace ICE throttled, nobody waiting, and asked for less
        # than half of it.
        if pace >= 2 * plateau and schedule.idle(now) and pace >= 2 * self._asked.per_second(now):
            self._schedule = None
            return (
                "ICE no longer throttles %s: unpaced again after %.0f s (slowest pace %.1f calls/s)",
                self.label,
                now - self._paced_since,
                self._slowest,
            )
        if pace != schedule.rate:
            schedule.set_rate(pace, now)
        return None


class AdaptiveRates:
    """One :class:`AdaptiveRate` per endpoint identity and action, shared by the whole process.

    :param clock: monotonic seconds for every limiter made (tests hold one).
    :param sleep: how synchronous callers wait.
    :param asleep: how asynchronous callers wait.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        asleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._asleep = asleep
        self._rates: dict[tuple[EndpointIdentity, str], AdaptiveRate] = {}
        self._lock = threading.Lock()

    def for_action(self, identity: EndpointIdentity, action: str) -> AdaptiveRate:
        """The pace of ``action`` for the endpoint and credentials of ``identity``.

        :param identity: who calls where (ICE limits per account; connections sharing an identity
            share the pace).
        :param action: the API action.
        """
        key = (identity, action)
        rate = self._rates.get(key)
        if rate is not None:
            return rate
        with self._lock:
            return self._rates.setdefault(
                key,
                AdaptiveRate(
                    f"{action} at {identity.base_url}",
                    clock=self._clock,
                    sleep=self._sleep,
                    asleep=self._asleep,
                ),
            )

    def clear(self) -> None:
        """Forget every pace (for tests)."""
        with self._lock:
            self._rates.clear()


ADAPTIVE_RATES = AdaptiveRates()
"""The process-wide paces every :class:`~airflow_ice.client.engine.IceClient` takes its actions' from."""


__all__ = [
    "ADAPTIVE_RATES",
    "CUT",
    "FLOOR",
    "GROWTH",
    "LOG_EVERY",
    "AdaptiveRate",
    "AdaptiveRates",
    "PaceSchedule",
    "Slot",
]
