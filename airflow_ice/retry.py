"""Which failed ICE calls may be retried, and how long to wait.

ICE submits carry no idempotency token, so the rule depends on whether ICE could have acted on
the request. A request that surely never reached ICE's business logic (connection refused,
throttled, 503) is safe to send again; one whose answer was lost (read timeout, dropped
connection, 500) may have created a paid job, so only reads and cancels are retried then.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
from tenacity import AsyncRetrying, RetryCallState, Retrying

from airflow_ice.errors import IceCredentialsUnavailableError, IceServerError, IceThrottlingError

T = TypeVar("T")


class Outcome(enum.Enum):
    """What a failed attempt says about the request."""

    NOT_TAKEN = "not taken"
    """ICE surely did not act on it: any call may be retried."""
    UNKNOWN = "unknown"
    """ICE may have acted on it: only idempotent calls may be retried."""
    FINAL = "final"
    """Retrying cannot help (auth, parameters, not found, a bug)."""


def classify(exc: BaseException) -> Outcome:
    """Classify a failed attempt."""
    if isinstance(exc, (IceThrottlingError, IceCredentialsUnavailableError)):
        # STS or the metadata service was unreachable: the ICE request was never sent.
        return Outcome.NOT_TAKEN
    if isinstance(exc, IceServerError):
        return Outcome.NOT_TAKEN if exc.http_status == 503 else Outcome.UNKNOWN
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return Outcome.NOT_TAKEN
    if isinstance(exc, httpx.TransportError):
        # Read/write timeouts, dropped connections, protocol errors: the request may have arrived.
        return Outcome.UNKNOWN
    return Outcome.FINAL


def describe(exc: BaseException) -> str:
    """A short, secret-free description of a failed attempt, for logs and errors."""
    if isinstance(exc, httpx.TransportError):
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return str(exc)


MAX_RETRY_AFTER = 300.0


class BackoffWait:
    """Tenacity wait: the server's ``x-acs-retry-after`` when given, else exponential backoff with jitter.

    :param initial: the first wait, in seconds.
    :param maximum: the largest wait, in seconds.
    """

    def __init__(self, initial: float = 0.5, maximum: float = 20.0) -> None:
        self.initial = initial
        self.maximum = maximum

    def __call__(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            # The server knows best how long to wait; the cap only guards against absurd values.
            return min(float(retry_after), MAX_RETRY_AFTER)
        exponential = self.initial * 2 ** (retry_state.attempt_number - 1)
        # Full jitter keeps thousands of waiting triggers from retrying in lock step.
        return min(self.maximum, exponential) * random.uniform(0.5, 1.0)


def _replaying(first: BaseException, attempt: Callable[[], T]) -> Callable[[], T]:
    """``attempt``, except that its first call raises ``first`` again (the failure already seen)."""
    pending = [first]

    def again() -> T:
        if pending:
            raise pending.pop()
        return attempt()

    return again


def call_with_retries(
    attempt: Callable[[], T], retryable: Callable[[BaseException], bool], retrying: Callable[[], Retrying]
) -> T:
    """Run ``attempt``; only if it fails in a ``retryable`` way, let tenacity retry it.

    Most calls succeed at once, and building tenacity's retry state costs more CPU than a poll's
    own bookkeeping; so the first attempt runs bare. Its failure is replayed as tenacity's first
    attempt, so attempt numbers, waits, retry logs and the stop rule are exactly tenacity's.

    :param attempt: one attempt of the call.
    :param retryable: whether a failure may be retried (tenacity's ``retry`` predicate).
    :param retrying: makes the ``Retrying`` to continue with (``reraise=True``).
    """
    try:
        return attempt()
    except BaseException as exc:
        if not retryable(exc):
            raise
        first = exc
    return retrying()(_replaying(first, attempt))


async def acall_with_retries(
    attempt: Callable[[], Awaitable[T]],
    retryable: Callable[[BaseException], bool],
    retrying: Callable[[], AsyncRetrying],
) -> T:
    """Async :func:`call_with_retries`.

    :param attempt: one attempt of the call.
    :param retryable: whether a failure may be retried (tenacity's ``retry`` predicate).
    :param retrying: makes the ``AsyncRetrying`` to continue with (``reraise=True``).
    """
    try:
        return await attempt()
    except BaseException as exc:
        if not retryable(exc):
            raise
        first = exc
    pending = [first]

    async def again() -> T:
        if pending:
            raise pending.pop()
        return await attempt()

    result: T = await retrying()(again)
    return result
