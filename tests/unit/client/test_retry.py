"""A call's retryable first failure is replayed as tenacity's first attempt (the engine runs that
first attempt without tenacity: tests/unit/hooks/test_ice.py)."""

from __future__ import annotations

import asyncio

import pytest
from tenacity import AsyncRetrying, RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from airflow_ice.client.retry import aretried_after, retried_after


class Flaky(Exception):
    pass


def retrying_factory(made: list[int], numbers: list[int], attempts: int = 3) -> Retrying:
    made.append(1)

    def record(state: RetryCallState) -> None:
        numbers.append(state.attempt_number)

    return Retrying(
        stop=stop_after_attempt(attempts),
        retry=retry_if_exception(lambda exc: isinstance(exc, Flaky)),
        reraise=True,
        before_sleep=record,
    )


def test_a_retryable_failure_counts_as_tenacitys_first_attempt() -> None:
    calls: list[int] = []
    numbers: list[int] = []

    def attempt() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise Flaky
        return "done"

    retry = lambda: retrying_factory([], numbers).copy(wait=lambda state: 0)  # noqa: E731
    with pytest.raises(Flaky) as first:
        attempt()
    assert retried_after(first.value, attempt, retry) == "done"
    assert len(calls) == 3  # the replayed failure sends nothing
    assert numbers == [1, 2]  # attempt numbers as tenacity alone would count them


def test_the_stop_rule_counts_the_first_attempt() -> None:
    calls: list[int] = []

    def attempt() -> str:
        calls.append(1)
        raise Flaky

    retry = lambda: retrying_factory([], [], attempts=2).copy(wait=lambda state: 0)  # noqa: E731
    with pytest.raises(Flaky) as first:
        attempt()
    with pytest.raises(Flaky):
        retried_after(first.value, attempt, retry)
    assert len(calls) == 2


def test_async_retries_the_same_way() -> None:
    calls: list[int] = []

    async def attempt() -> str:
        calls.append(1)
        if len(calls) < 2:
            raise Flaky
        return "done"

    def retry() -> AsyncRetrying:
        return AsyncRetrying(
            stop=stop_after_attempt(3),
            retry=retry_if_exception(lambda exc: isinstance(exc, Flaky)),
            reraise=True,
        )

    async def call() -> str:
        try:
            return await attempt()
        except Flaky as first:
            return await aretried_after(first, attempt, retry)

    assert asyncio.run(call()) == "done"
    assert len(calls) == 2
