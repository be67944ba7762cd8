"""How long to wait between attempts, and running a call's attempts with tenacity.

Which failures may be retried is not decided here but by each attempt's
:class:`~airflow_ice.client.outcome.Verdict`; this module only runs the attempts.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from airflow_ice.client.deadline import seconds_left

if TYPE_CHECKING:
    from tenacity import AsyncRetrying, RetryCallState, Retrying

T = TypeVar("T")

MAX_RETRY_AFTER = 300.0


class BackoffWait:
    """Tenacity wait: the server's ``x-acs-retry-after`` when given, else exponential backoff with
    jitter; never past the deadline the call runs under (:mod:`airflow_ice.client.deadline`).

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
            wait = min(float(retry_after), MAX_RETRY_AFTER)
        else:
            exponential = self.initial * 2 ** (retry_state.attempt_number - 1)
            # Full jitter keeps thousands of waiting triggers from retrying in lock step.
            wait = min(self.maximum, exponential) * random.uniform(0.5, 1.0)
        left = seconds_left()
        return wait if left is None else max(0.0, min(wait, left))


def retried_after(first: BaseException, attempt: Callable[[], T], retrying: Callable[[], Retrying]) -> T:
    """Go on with a call whose first attempt failed with ``first``, a failure that may be retried.

    Most calls succeed at once, and building tenacity's retry state costs more CPU than a poll's
    own bookkeeping; so a caller runs its first attempt bare and calls this only when it failed.
    That failure is replayed as tenacity's first attempt, so attempt numbers, waits, retry logs and
    the stop rule are exactly tenacity's.

    :param first: what the first attempt raised.
    :param attempt: one attempt of the call.
    :param retrying: makes the ``Retrying`` to continue with (``reraise=True``).
    """
    pending = [first]

    def again() -> T:
        if pending:
            raise pending.pop()
        return attempt()

    return retrying()(again)


async def aretried_after(
    first: BaseException, attempt: Callable[[], Awaitable[T]], retrying: Callable[[], AsyncRetrying]
) -> T:
    """Async :func:`retried_after`.

    :param first: what the first attempt raised.
    :param attempt: one attempt of the call.
    :param retrying: makes the ``AsyncRetrying`` to continue with (``reraise=True``).
    """
    pending = [first]

    async def again() -> T:
        if pending:
            raise pending.pop()
        return await attempt()

    result: T = await retrying()(again)
    return result


__all__ = ["MAX_RETRY_AFTER", "BackoffWait", "aretried_after", "retried_after"]
