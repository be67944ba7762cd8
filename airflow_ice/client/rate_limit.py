"""Process-wide token buckets capping the calls made to one ICE endpoint with one set of credentials.

ICE throttles per account and API. Thousands of triggers polling from one triggerer add up, so
the connection extra ``max_requests_per_second`` caps what all hooks of a process that share
the endpoint and credentials send together. Off by default.

A bucket hands out reservations: taking a token is a short computation under a thread lock (no
await), and a caller without a token sleeps until its reserved slot. So it works from any event
loop and from threads, and callers are served in arrival order.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Hashable


class TokenBucket:
    """A token bucket: ``rate`` tokens per second, holding at most ``burst``.

    :param rate: tokens added per second (the sustained calls per second).
    :param burst: the most tokens it holds (calls allowed at once after a quiet spell); by
        default one second's worth, at least 1.
    :param clock: monotonic seconds (tests may pass a fake one).
    """

    def __init__(
        self, rate: float, burst: float | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if not rate > 0:
            raise ValueError(f"rate must be a positive number of tokens per second, got {rate!r}")
        self._clock = clock
        self._lock = threading.Lock()
        self._rate = float(rate)
        self._burst = float(burst) if burst is not None else max(1.0, self._rate)
        self._tokens = self._burst
        self._updated = clock()

    def __repr__(self) -> str:
        return f"TokenBucket(rate={self._rate}, burst={self._burst})"

    @property
    def rate(self) -> float:
        """Tokens added per second."""
        return self._rate

    def set_rate(self, rate: float, burst: float | None = None) -> None:
        """Change the rate (and burst) from now on; reservations already made keep their slot."""
        if not rate > 0:
            raise ValueError(f"rate must be a positive number of tokens per second, got {rate!r}")
        with self._lock:
            self._refill()
            self._rate = float(rate)
            self._burst = float(burst) if burst is not None else max(1.0, self._rate)
            self._tokens = min(self._tokens, self._burst)

    def reserve(self) -> float:
        """Take a token now or reserve the next free one; return the seconds to wait before using it."""
        with self._lock:
            self._refill()
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens / self._rate

    def give_back(self) -> None:
        """Return a reserved token that will not be used (its caller gave up waiting)."""
        with self._lock:
            self._refill()
            self._tokens = min(self._burst, self._tokens + 1.0)

    async def acquire(self) -> None:
        """Wait (without blocking the loop) until a call may be made."""
        delay = self.reserve()
        if delay > 0:
            try:
                await asyncio.sleep(delay)
            except asyncio.CancelledError:
                self.give_back()
                raise

    def acquire_blocking(self) -> None:
        """Sleep the thread until a call may be made (for synchronous callers only)."""
        delay = self.reserve()
        if delay > 0:
            time.sleep(delay)

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
        self._updated = now


class RateLimiterRegistry:
    """One :class:`TokenBucket` per key (endpoint and credentials), shared by the whole process."""

    def __init__(self) -> None:
        self._buckets: dict[Hashable, TokenBucket] = {}
        self._lock = threading.Lock()

    def limiter_for(self, key: Hashable, rate: float | None) -> TokenBucket | None:
        """The bucket for ``key`` at ``rate`` calls per second, or None when ``rate`` is None (no cap).

        Connections sharing a key share the bucket; when they ask for different rates, the one
        read last applies (so an edited connection takes effect without a restart).
        """
        if rate is None:
            return None
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(rate)
            elif bucket.rate != rate:
                bucket.set_rate(rate)
            return bucket

    def clear(self) -> None:
        """Forget every bucket (for tests)."""
        with self._lock:
            self._buckets.clear()


RATE_LIMITERS = RateLimiterRegistry()
"""The process-wide registry every :class:`~airflow_ice.hooks.ice.IceHook` takes its bucket from."""


__all__ = ["RATE_LIMITERS", "RateLimiterRegistry", "TokenBucket"]
