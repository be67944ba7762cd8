"""The first attempt runs without tenacity; a retryable failure is replayed as tenacity's first attempt."""

from __future__ import annotations

import asyncio

import pytest
from tenacity import AsyncRetrying, RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from airflow_ice.client.retry import acall_with_retries, call_with_retries


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


def test_a_first_success_never_builds_tenacity_state() -> None:
    made: list[int] = []
    assert call_with_retries(lambda: 7, lambda exc: True, lambda: retrying_factory(made, [])) == 7
    assert made == []


def test_a_final_failure_is_raised_at_once() -> None:
    made: list[int] = []

    def attempt() -> int:
        raise ValueError("final")

    with pytest.raises(ValueError, match="final"):
        call_with_retries(attempt, lambda exc: isinstance(exc, Flaky), lambda: retrying_factory(made, []))
    assert made == []


def test_a_retryable_failure_counts_as_tenacitys_first_attempt() -> None:
    calls: list[int] = []
    numbers: list[int] = []

    def attempt() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise Flaky
        return "done"

    retry = lambda: retrying_factory([], numbers).copy(wait=lambda state: 0)  # noqa: E731
    assert call_with_retries(attempt, lambda exc: isinstance(exc, Flaky), retry) == "done"
    assert len(calls) == 3  # the replayed failure sends nothing
    assert numbers == [1, 2]  # attempt numbers as tenacity alone would count them


def test_the_stop_rule_counts_the_first_attempt() -> None:
    calls: list[int] = []

    def attempt() -> str:
        calls.append(1)
        raise Flaky

    retry = lambda: retrying_factory([], [], attempts=2).copy(wait=lambda state: 0)  # noqa: E731
    with pytest.raises(Flaky):
        call_with_retries(attempt, lambda exc: isinstance(exc, Flaky), retry)
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

    assert asyncio.run(acall_with_retries(attempt, lambda exc: isinstance(exc, Flaky), retry)) == "done"
    assert len(calls) == 2
