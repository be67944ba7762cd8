"""Triggerers sharing one account's per-action limit, each pacing itself with its own
:class:`~airflow_ice.client.adaptive_rate.AdaptiveRate`, simulated on virtual seconds (no tests
here; used by a test and by ``tests/benchmarks/bench_adaptive_rate.py``).

Each triggerer waits on ``jobs_each`` jobs, polling each every ``poll_interval`` after its last
answer; a due poll takes its slot from its triggerer's pace, reaches the account's limit (a token
bucket of ``limit`` calls a second, bursts up to ``limit``, like ICE's and the emulator's) at that
slot, and is answered ``rtt`` later. A throttled poll cuts its triggerer's pace and is tried again
after ``retry_wait``. The triggerers never talk to each other. Deterministic for a seed.
"""

from __future__ import annotations

import heapq
import itertools
import random
from dataclasses import dataclass, field

from airflow_ice.client.adaptive_rate import AdaptiveRate, Slot

# What happens next to a poll: it falls due, wakes to see whether its slot has, is answered, or
# is throttled.
DUE, WAKE, ANSWERED, THROTTLED = range(4)


class _VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class _AccountLimit:
    """The server side: one action's calls per second for the whole account."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self._tokens = limit
        self._at = 0.0

    def allow(self, now: float) -> bool:
        self._tokens = min(self.limit, self._tokens + (now - self._at) * self.limit)
        self._at = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


@dataclass
class Window:
    """What one stretch of the run saw.

    :param start: the window's first second.
    :param accepted: calls answered (not throttled) per triggerer.
    :param throttled: calls throttled per triggerer.
    :param paces: each triggerer's pace at the window's end (None: unpaced).
    """

    start: float
    accepted: list[int]
    throttled: list[int]
    paces: list[float | None] = field(default_factory=list)


@dataclass
class Simulation:
    """A run's figures, window by window.

    :param limit: the account's calls per second.
    :param window: seconds per window.
    :param windows: the windows in order.
    """

    limit: float
    window: float
    windows: list[Window]

    def after(self, warm_up: float) -> tuple[list[int], list[int]]:
        """Accepted and throttled calls per triggerer from ``warm_up`` seconds on."""
        kept = [w for w in self.windows if w.start >= warm_up]
        triggerers = len(self.windows[0].accepted)
        accepted = [sum(w.accepted[i] for w in kept) for i in range(triggerers)]
        throttled = [sum(w.throttled[i] for w in kept) for i in range(triggerers)]
        return accepted, throttled

    def seconds_after(self, warm_up: float) -> float:
        """Seconds covered from ``warm_up`` on."""
        return self.window * sum(w.start >= warm_up for w in self.windows)


def simulate(
    *,
    triggerers: int = 2,
    jobs_each: int = 5_000,
    poll_interval: float = 30.0,
    limit: float = 100.0,
    seconds: float = 600.0,
    rtt: float = 0.05,
    retry_wait: float = 1.0,
    window: float = 30.0,
    seed: int = 7,
) -> Simulation:
    """Run the triggerers for ``seconds`` of virtual time against a ``limit`` per second.

    :param triggerers: processes, each with its own pace (they never talk to each other).
    :param jobs_each: jobs each triggerer waits on.
    :param poll_interval: seconds from a poll's answer to the job's next poll.
    :param limit: the account's calls per second for the action.
    :param seconds: how long to run.
    :param rtt: seconds from a call reaching ICE to its answer.
    :param retry_wait: seconds before a throttled poll is tried again.
    :param window: seconds per reported window.
    :param seed: seed of the first polls' spread.
    """
    clock = _VirtualTime()
    server = _AccountLimit(limit)
    paces = [AdaptiveRate(f"triggerer {i}", clock=clock) for i in range(triggerers)]
    draw = random.Random(seed)
    order = itertools.count()
    # (time, order, kind, triggerer, slot key or epoch)
    events: list[tuple[float, int, int, int, int]] = []
    for triggerer in range(triggerers):
        for _ in range(jobs_each):
            heapq.heappush(events, (draw.uniform(0, poll_interval), next(order), DUE, triggerer, 0))
    windows: list[Window] = []

    def window_at(now: float) -> Window:
        while not windows or now >= windows[-1].start + window:
            if windows:
                windows[-1].paces = [pace.pace for pace in paces]
            start = len(windows) * window
            windows.append(Window(start, [0] * triggerers, [0] * triggerers))
        return windows[-1]

    slots: dict[int, Slot] = {}
    while events and events[0][0] < seconds:
        now, _, kind, triggerer, ticket = heapq.heappop(events)
        clock.now = now
        pace = paces[triggerer]
        if kind == DUE:
            ticket = next(order)
            slots[ticket] = pace.reserve()
            kind = WAKE
        if kind == WAKE:
            slots[ticket] = slot = pace.recheck(slots[ticket])
            wait = pace.wait_for(slot)
            if wait > 0:
                heapq.heappush(events, (now + wait, next(order), WAKE, triggerer, ticket))
                continue
            del slots[ticket]
            epoch = pace.went()
            answer = ANSWERED if server.allow(now) else THROTTLED
            heapq.heappush(events, (now + rtt, next(order), answer, triggerer, epoch))
            continue
        current = window_at(now)
        if kind == ANSWERED:
            current.accepted[triggerer] += 1
            heapq.heappush(events, (now + poll_interval, next(order), DUE, triggerer, 0))
        else:
            current.throttled[triggerer] += 1
            pace.throttled(ticket)  # here the epoch the call went in
            heapq.heappush(events, (now + retry_wait, next(order), DUE, triggerer, 0))
    clock.now = seconds
    windows[-1].paces = [pace.pace for pace in paces]
    return Simulation(limit, window, windows)


__all__ = ["Simulation", "Window", "simulate"]
