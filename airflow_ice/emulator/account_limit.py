"""ICE's account limit as the emulator enforces it: calls per second per action, one budget per
action for the whole emulator (every client, connection and thread), as ICE counts an Alibaba Cloud
account and all its RAM users together.

Alibaba Cloud publishes its media services' limits as "QPS per user": the calls per second of one
action by an account and its RAM users together, mostly 100 (some 50), e.g. ApsaraVideo Media
Processing's table, https://www.alibabacloud.com/help/en/mps/developer-reference/qps-limits. The
emulator applies :data:`DEFAULT_ACTION_QPS` to every action unless told otherwise
(:class:`~airflow_ice.emulator.faults.FaultConfig` ``qps_limit`` / ``qps_limits``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

DEFAULT_ACTION_QPS = 100.0
"""Calls per second each action allows by default (ICE's published per-action limit)."""


class QpsLimiter:
    """A token bucket per action: ``limit`` tokens per second, bursts up to ``max(1, limit)``.

    Not locked itself: its owner (:class:`~airflow_ice.emulator.faults.FaultInjector`) calls it
    under its lock, so every request of every client draws on the same buckets.

    :param clock: monotonic seconds the buckets refill by; a test holds it (a clock moved by hand)
        so that which call is throttled never depends on the machine's speed.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, action: str, limit: float) -> bool:
        """Take a token for ``action``; False when none is left."""
        now = self._clock()
        capacity = max(1.0, limit)
        tokens, last = self._buckets.get(action, (capacity, now))
        tokens = min(capacity, tokens + (now - last) * limit)
        allowed = tokens >= 1.0
        self._buckets[action] = (tokens - 1.0 if allowed else tokens, now)
        return allowed

    def clear(self) -> None:
        """Refill every bucket."""
        self._buckets.clear()
