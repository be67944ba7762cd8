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
gives its slot back. A slot's time is fixed when it is taken, so the calls let go never exceed the
pace: a cut, or growth by :data:`REGROUP`, starts a new schedule that the waiting calls move to
when they next look (at least every :data:`LOOK_EVERY`); before, a waiter slept to a time set at an
old pace and woke with others to go together, over the pace. The process logs a warning when ICE starts throttling an action, at most one
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
GROWTH = 0.0005
"""The cubic curve's scale, as a share of the throttled pace per second cubed: back to the pace
ICE throttled about 8.4 s after a cut, then flat around it, twice it about 12.6 s later. Slow
enough that two triggerers at 100/s lose under 0.3% of their calls to throttling in
``tests/benchmarks/bench_adaptive_rate.py`` (0.4 calls/s per second cubed, the pace at any
scale, lost 2-11%)."""
LOG_EVERY = 60.0
"""Seconds between warnings while an action goes on being throttled."""
REGROUP = 1.1
"""Once the pace has grown to this many times the pace its schedule was made at, the callers
waiting take new slots at the grown pace (their slots' times were set at the slower one)."""
LOOK_EVERY = 5.0
"""The longest a paced caller sleeps before looking again whether its slot still holds."""


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

    def count(self, now: float) -> float:
        """Count a call at ``now``; the calls in the last second, this one included."""
        self._move_to(now)
        self._current += 1
        return self._in_window(now)

    def per_second(self, now: float) -> float:
        self._move_to(now)
        return self._in_window(now)

    def _in_window(self, now: float) -> float:
        # The previous second weighs as much of it as the window still holds.
        return self._previous * (1.0 - (now - self._second)) + self._current


class PaceSchedule:
    """When calls may go at one pace: each slot taken is due ``1 / rate`` after the one before.

    A slot's time is fixed when it is taken, so a pace that grows never makes the calls already
    waiting due sooner all at once (they would go together, over the pace); a cut replaces the
    schedule instead (:class:`AdaptiveRate`), and its waiters take new slots when they wake.

    :param rate: slots per second.
    :param now: when the schedule starts (its first slot is due then).
    """

    __slots__ = ("_free", "_last_at", "_next_at", "made_at_rate", "rate")

    def __init__(self, rate: float, now: float) -> None:
        self.rate = self.made_at_rate = rate
        self._next_at = now
        self._last_at = now - 1.0
        self._free: list[float] = []

    def take(self, now: float) -> float:
        """The time of a slot: the earliest given back that is still ahead, else the next one
        (due now after a quiet spell: an idle schedule lends no burst)."""
        while self._free:
            at = heapq.heappop(self._free)
            if at > now:
                return at
        at = max(now, self._next_at)
        self._last_at, self._next_at = at, at + 1.0 / self.rate
        return at

    def give_back(self, at: float, now: float) -> None:
        """The slot due at ``at`` will not be used: the next caller takes it if it is still ahead."""
        if at > now:
            heapq.heappush(self._free, at)

    def idle(self, now: float) -> bool:
        """Whether no slot is waiting beyond ``now``."""
        return self._last_at <= now


@dataclass(frozen=True, slots=True)
class Slot:
    """A caller's place: a time in a pace's schedule, or none while the action is unpaced.

    :param schedule: the schedule it was taken from (None: unpaced, go at once).
    :param at: when it falls due (monotonic seconds).
    """

    schedule: PaceSchedule | None
    at: float = 0.0


_UNPACED = Slot(None)


class AdaptiveRate:
    """The pace of one action from this process: unpaced until ICE throttles it, then cut and regrown.

    Each call takes its :class:`Slot` (:meth:`reserve`), waits until it falls due, looking again
    whether it still holds (:meth:`wait_for`, :meth:`recheck`), and is let go (:meth:`went`), which
    hands it the pace's *epoch* (:meth:`acquire` and :meth:`acquire_blocking` do all of it); a
    throttling answer is reported with :meth:`throttled` and that epoch. A cut is from the most the
    process sent in a second since the last cut, never above its pace. Only answers to calls let go since the last cut
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
        self._sent = _CallsLastSecond()
        self._went_at = -math.inf  # when the last call was let go
        self._peak = 0.0  # the most calls let go in a second since the last cut
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

    def recheck(self, slot: Slot) -> Slot:
        """The place to wait for now: ``slot``; a new one if the pace was cut since it was taken (its
        time was set at the old pace); none if the action was unpaced since."""
        if slot.schedule is None:
            return slot
        with self._lock:
            schedule = self._schedule
            if schedule is None:
                return _UNPACED
            if slot.schedule is schedule:
                return slot
            return Slot(schedule, schedule.take(self._clock()))

    def wait_for(self, slot: Slot) -> float:
        """Seconds to sleep before looking at ``slot`` again (:meth:`recheck`), at most
        :data:`LOOK_EVERY`; 0: it is due, go."""
        return 0.0 if slot.schedule is None else min(LOOK_EVERY, max(0.0, slot.at - self._clock()))

    def give_back(self, slot: Slot) -> None:
        """Return a slot that will not be used (its caller gave up waiting)."""
        if slot.schedule is not None:
            with self._lock:
                slot.schedule.give_back(slot.at, self._clock())

    def go_if_unpaced(self) -> int | None:
        """While the action is unpaced, let a call go at once: count it as let go and return the
        pace's epoch (what :meth:`went` does, in one turn of the lock: every call takes this turn
        until ICE throttles the action). None while paced: the caller waits in :meth:`acquire` or
        :meth:`acquire_blocking` instead.

        It is not counted as asked for: that count (the last second's) is read only while paced,
        to unpace, which no pace reaches within a second of its cut."""
        with self._lock:
            if self._schedule is not None:
                return None
            return self._let_go(self._clock())

    async def acquire(self) -> int:
        """Wait, without blocking the loop, until a slot falls due; return the pace's epoch."""
        slot = self.recheck(self.reserve())
        while (wait := self.wait_for(slot)) > 0:
            try:
                await self._asleep(wait)
            except asyncio.CancelledError:
                self.give_back(slot)
                raise
            slot = self.recheck(slot)  # a cut since puts it back in line at the new pace
        return self.went()

    def acquire_blocking(self) -> int:
        """Sleep the thread until a slot falls due (synchronous callers only); return the pace's epoch."""
        slot = self.recheck(self.reserve())
        while (wait := self.wait_for(slot)) > 0:
            self._sleep(wait)
            slot = self.recheck(slot)
        return self.went()

    def went(self) -> int:
        """Count a call let go now (its slot fell due); return the pace's epoch, for
        :meth:`throttled`. :meth:`acquire` and :meth:`acquire_blocking` call it."""
        with self._lock:
            return self._let_go(self._clock())

    def _let_go(self, now: float) -> int:
        # Under the lock: a call let go at ``now``, counted towards the peak a cut starts from.
        self._went_at = now
        sent = self._sent.count(now)
        if sent > self._peak:
            self._peak = sent
        return self._epoch

    def throttled(self, epoch: int) -> None:
        """ICE throttled a call let go in ``epoch``: cut the pace, unless it was cut since.

        :param epoch: what :meth:`acquire` returned for the call.
        """
        with self._lock:
            if epoch != self._epoch:
                return
            now = self._clock()
            schedule = self._schedule
            started = schedule is None
            # What this process sent at most since the last cut: the throttled call went then, and
            # its answer may come seconds later, after a burst (not what was asked for: the calls
            # waiting in line are not reaching ICE).
            was = self._peak if schedule is None else min(self._peak, schedule.rate)
            pace = max(FLOOR, CUT * was)
            # A new schedule, its first slot one step after the last call let go: the callers
            # waiting on the old one take new slots at the new pace.
            self._schedule = PaceSchedule(pace, max(now, self._went_at + 1.0 / pace))
            if started:
                self._paced_since, self._slowest = now, pace
            self._throttled_pace = max(FLOOR, was)
            self._cut_at = now
            self._peak = 0.0
            self._epoch += 1
            self._cuts_unreported += 1
            self._slowest = min(self._slowest, pace)
            if not started and now - self._warned_at < LOG_EVERY:
                return
            cuts, self._cuts_unreported, self._warned_at = self._cuts_unreported, 0, now
        if started:
            log.warning(
                "ICE is throttling %s: this process now sends it at %.1f calls/s (it was sending %.1f/s), "
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
        to_plateau = ((1.0 - CUT) / GROWTH) ** (1.0 / 3.0)
        pace = max(FLOOR, plateau * (1.0 + GROWTH * (now - self._cut_at - to_plateau) ** 3))
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
        if pace >= REGROUP * schedule.made_at_rate and not schedule.idle(now):
            # The waiting callers move to it as they look again.
            self._schedule = PaceSchedule(pace, max(now, self._went_at + 1.0 / pace))
        else:
            schedule.rate = pace  # the slots taken from now on
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
    "LOOK_EVERY",
    "REGROUP",
    "AdaptiveRate",
    "AdaptiveRates",
    "PaceSchedule",
    "Slot",
]
