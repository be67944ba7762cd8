"""A process-wide cache of temporary credentials with single-flight refresh before expiry.

A triggerer runs thousands of triggers, each with its own hook; all of them that use the same
credential source share one :class:`CredentialsCache` (see :func:`shared_cache`), so when the
credentials near their expiry exactly one caller asks STS (or the metadata service) for new ones:

* before :attr:`~TemporaryCredentials.refresh_at`, every caller gets the cached credentials at
  once (no lock is held while anyone waits on the network);
* between ``refresh_at`` and :attr:`~TemporaryCredentials.usable_until`, the first caller
  refreshes and the others keep using the cached credentials meanwhile; if that refresh fails,
  the still-valid credentials are used and the next caller tries again;
* after ``usable_until`` (or before the first fetch), callers wait for the one refresh in flight.

The refresh in flight is a :class:`concurrent.futures.Future`, which threads wait on with
``result()`` and coroutines of any event loop with ``asyncio.wrap_future``; so sync hooks in
worker threads and async hooks on the triggerer's loop share one refresh. A failed refresh is
remembered for :data:`FAILURE_BACKOFF_SECONDS`, so that a broken STS is not asked again by every
one of thousands of callers.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Hashable

from airflow_ice.client.signing import Credentials
from airflow_ice.credentials.base import TemporaryCredentials
from airflow_ice.errors import IceCredentialsError

logger = logging.getLogger(__name__)

FAILURE_BACKOFF_SECONDS = 2.0
# A sync caller waits at most this long for a refresh another caller runs.
WAIT_TIMEOUT_SECONDS = 120.0

Fetch = Callable[[], TemporaryCredentials]
AsyncFetch = Callable[[], Awaitable[TemporaryCredentials]]


class _Retry:
    """Set as a refresh's result when the refreshing caller was cancelled: waiters try again."""


_RETRY = _Retry()
RefreshFuture = concurrent.futures.Future  # of TemporaryCredentials | _Retry


class CredentialsCache:
    """Cached temporary credentials of one source, refreshed by one caller at a time.

    :param source: the credential source, named in errors.
    :param clock: seconds since the epoch (tests pass a clock they move by hand).
    :param failure_backoff: seconds a failed refresh is answered from memory.
    """

    def __init__(
        self,
        source: str,
        clock: Callable[[], float] = time.time,
        failure_backoff: float = FAILURE_BACKOFF_SECONDS,
    ) -> None:
        self.source = source
        self._clock = clock
        self._failure_backoff = failure_backoff
        self._lock = threading.Lock()
        self._current: TemporaryCredentials | None = None
        self._inflight: RefreshFuture | None = None
        self._failure: tuple[IceCredentialsError, float] | None = None
        self.refreshes = 0
        """How many refreshes were started (for tests and diagnostics)."""

    def __repr__(self) -> str:
        current = self._current
        state = f"expires {current.expiration:.0f}" if current else "empty"
        return f"CredentialsCache({self.source}, {state}, refreshes={self.refreshes})"

    @property
    def current(self) -> TemporaryCredentials | None:
        """The cached credentials, if any (possibly near expiry)."""
        return self._current

    def invalidate(self) -> None:
        """Forget the cached credentials and any remembered failure: the next caller refreshes."""
        with self._lock:
            self._current = None
            self._failure = None

    def get(self, fetch: Fetch) -> Credentials:
        """The credentials to sign with now; refreshes with ``fetch`` when needed (blocking).

        :raises IceCredentialsError: no usable credentials and the refresh failed.
        """
        while True:
            fresh, usable, future, leader = self._claim()
            if fresh is not None:
                return fresh.credentials
            assert future is not None
            if not leader:
                if usable is not None:
                    return usable.credentials
                try:
                    outcome = future.result(timeout=WAIT_TIMEOUT_SECONDS)
                except concurrent.futures.TimeoutError:
                    raise IceCredentialsError(
                        self.source,
                        f"no credentials after waiting {WAIT_TIMEOUT_SECONDS:.0f} s for a refresh.",
                    ) from None
                except IceCredentialsError as exc:
                    # A copy: the shared error object would collect every waiter's traceback.
                    raise type(exc)(exc.source, exc.reason, exc.code) from None
                if isinstance(outcome, _Retry):
                    continue
                return outcome.credentials
            try:
                result = fetch()
            except BaseException as exc:
                fallback = self._failed(future, exc, usable)
                if fallback is not None:
                    return fallback.credentials
                raise
            self._succeeded(future, result)
            return result.credentials

    async def aget(self, afetch: AsyncFetch) -> Credentials:
        """Async :meth:`get`: waits without blocking the loop; ``afetch`` runs on this loop.

        :raises IceCredentialsError: no usable credentials and the refresh failed.
        """
        while True:
            fresh, usable, future, leader = self._claim()
            if fresh is not None:
                return fresh.credentials
            assert future is not None
            if not leader:
                if usable is not None:
                    return usable.credentials
                # The future is marked running, so a cancelled waiter cannot cancel it for the others.
                try:
                    outcome = await asyncio.wrap_future(future)
                except IceCredentialsError as exc:
                    raise type(exc)(exc.source, exc.reason, exc.code) from None
                if isinstance(outcome, _Retry):
                    continue
                return outcome.credentials
            try:
                result = await afetch()
            except BaseException as exc:
                fallback = self._failed(future, exc, usable)
                if fallback is not None:
                    return fallback.credentials
                raise
            self._succeeded(future, result)
            return result.credentials

    def _claim(
        self,
    ) -> tuple[TemporaryCredentials | None, TemporaryCredentials | None, RefreshFuture | None, bool]:
        """Decide under the lock: (fresh credentials) or (still-usable ones, the refresh, leading it?).

        :raises IceCredentialsError: a recent refresh failed and nothing usable is cached.
        """
        with self._lock:
            now = self._clock()
            current = self._current
            if current is not None and now < current.refresh_at:
                return current, None, None, False
            usable = current if current is not None and now < current.usable_until else None
            if self._inflight is not None:
                return None, usable, self._inflight, False
            if usable is None and self._failure is not None:
                error, until = self._failure
                if now < until:
                    raise type(error)(error.source, error.reason, error.code)
            future: RefreshFuture = concurrent.futures.Future()
            future.set_running_or_notify_cancel()
            self._inflight = future
            self.refreshes += 1
            return None, usable, future, True

    def _succeeded(self, future: RefreshFuture, result: TemporaryCredentials) -> None:
        with self._lock:
            self._current = result
            self._failure = None
            self._inflight = None
        future.set_result(result)

    def _failed(
        self, future: RefreshFuture, exc: BaseException, usable: TemporaryCredentials | None
    ) -> TemporaryCredentials | None:
        """Settle a failed refresh; the still-usable credentials to fall back on, if any."""
        cancelled = not isinstance(exc, Exception)
        with self._lock:
            self._inflight = None
            now = self._clock()
            if isinstance(exc, IceCredentialsError):
                self._failure = (exc, now + self._failure_backoff)
        if usable is not None and now >= usable.usable_until:
            usable = None  # the refresh took so long that they are too close to expiry now
        if cancelled:
            # The refreshing caller went away (cancelled task, interrupt): let a waiter take over.
            future.set_result(_RETRY)
            return None
        if usable is not None:
            future.set_result(_RETRY)
            logger.warning(
                "Refreshing credentials from %s failed (%s); using the current ones until they expire",
                self.source,
                exc,
            )
            return usable
        future.set_exception(exc)
        return None


_caches: dict[Hashable, CredentialsCache] = {}
_caches_lock = threading.Lock()


def shared_cache(key: Hashable, source: str, clock: Callable[[], float] | None = None) -> CredentialsCache:
    """The process-wide cache for ``key`` (created on first use; later ``clock`` values are ignored).

    :param key: identifies the credentials (a fetcher's ``cache_key``).
    :param source: the credential source, named in errors.
    :param clock: seconds since the epoch, for a new cache.
    """
    with _caches_lock:
        cache = _caches.get(key)
        if cache is None:
            cache = CredentialsCache(source, clock or time.time)
            _caches[key] = cache
        return cache


def clear_shared_caches() -> None:
    """Forget every process-wide cache (tests; a new provider then starts from scratch)."""
    with _caches_lock:
        _caches.clear()
