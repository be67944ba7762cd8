"""The process-wide token bucket (``max_requests_per_second``) and throttling absorbed while waiting."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from airflow_ice.client.config import config_from_connection
from airflow_ice.client.pool import EndpointIdentity
from airflow_ice.client.rate_limit import RATE_LIMITERS, RateLimiterRegistry, TokenBucket
from airflow_ice.emulator import IceEmulator
from airflow_ice.hooks.ice import IceHook
from airflow_ice.jobs.events import JobEvent, JobEventStatus
from airflow_ice.triggers.iproduction import IceIProductionJobTrigger
from tests.support.emulator import ManualClock
from tests.support.loop_checks import until_while_running
from tests.support.stub_ice import Answer, StubIce

COVER = {
    "function_name": "Cover",
    "input": {"Type": "OSS", "Media": "oss://bucket/in/clip.mp4"},
    "output": {"Type": "OSS", "Media": "oss://bucket/out/"},
}


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def fresh_buckets() -> Iterator[None]:
    RATE_LIMITERS.clear()
    yield
    RATE_LIMITERS.clear()


def test_bucket_allows_a_burst_then_spaces_callers_in_arrival_order() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=4, clock=clock)
    assert [bucket.reserve() for _ in range(4)] == [0.0] * 4  # burst: one second's worth
    assert [bucket.reserve() for _ in range(3)] == pytest.approx([0.25, 0.5, 0.75])
    clock.now += 2.0  # refills, but never beyond the burst, and pays the debt first
    assert bucket.reserve() == 0.0
    assert [bucket.reserve() for _ in range(4)] == pytest.approx([0.0, 0.0, 0.0, 0.25])


def test_bucket_give_back_returns_an_unused_reservation() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=1, clock=clock)
    assert bucket.reserve() == 0.0
    assert bucket.reserve() == pytest.approx(1.0)
    bucket.give_back()
    assert bucket.reserve() == pytest.approx(1.0)


def test_bucket_rate_change_applies_from_now() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=1, clock=clock)
    bucket.reserve()
    bucket.set_rate(10)
    assert bucket.rate == 10
    assert bucket.reserve() == pytest.approx(0.1)  # no token left: the next comes in 1/10 s
    with pytest.raises(ValueError, match="positive"):
        bucket.set_rate(0)
    with pytest.raises(ValueError, match="positive"):
        TokenBucket(rate=-1)


def test_small_rates_still_allow_one_call() -> None:
    bucket = TokenBucket(rate=0.5, clock=FakeClock())
    assert bucket.reserve() == 0.0
    assert bucket.reserve() == pytest.approx(2.0)


async def test_cancelled_waiter_gives_its_token_back() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=1, clock=clock)
    await bucket.acquire()
    waiter = asyncio.create_task(bucket.acquire())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert bucket.reserve() == pytest.approx(1.0)  # not 2.0: the cancelled slot was returned


def test_registry_shares_buckets_per_key_and_follows_the_latest_rate() -> None:
    registry = RateLimiterRegistry()
    assert registry.limiter_for("a", None) is None
    bucket = registry.limiter_for("a", 5)
    assert bucket is not None
    assert registry.limiter_for("a", 5) is bucket
    assert registry.limiter_for("b", 5) is not bucket
    assert registry.limiter_for("a", 8) is bucket
    assert bucket.rate == 8


def test_connections_of_one_account_share_a_bucket() -> None:
    def identity(**extra: Any) -> EndpointIdentity:
        return EndpointIdentity.of(
            config_from_connection(conn_id="x", login="id", password="pw", extra=extra)
        )

    assert identity(timeout=3) == identity(timeout=9, verify=False)
    assert identity() != identity(endpoint="ice.cn-beijing.aliyuncs.com")


@dataclass
class Reservations:
    """What the process's token buckets were asked for: when the first reservation was made
    (``time.monotonic()``, the buckets' and the stub's clock), by how many calls, on which buckets."""

    first: float | None = None
    count: int = 0
    buckets: set[int] = field(default_factory=set)


@pytest.fixture
def reservations(monkeypatch: pytest.MonkeyPatch) -> Reservations:
    seen = Reservations()
    reserve = TokenBucket.reserve

    def recording(bucket: TokenBucket) -> float:
        if seen.first is None:
            seen.first = time.monotonic()  # read before the bucket reads its clock
        seen.count += 1
        seen.buckets.add(id(bucket))
        return reserve(bucket)

    monkeypatch.setattr(TokenBucket, "reserve", recording)
    return seen


def assert_never_ahead_of_the_bucket(arrivals: list[float], first: float, rate: float, burst: float) -> None:
    """The k-th request to reach the server came no sooner than a bucket full at ``first`` allows:
    ``first + (k - burst) / rate``.

    Measured from the first reservation, not from the first arrival: a slow machine only delays a
    request past its slot, so it can make these gaps longer, never shorter (whereas a late first
    arrival followed by on-time ones would shrink the gap between arrivals).
    """
    for k, arrived in enumerate(sorted(arrivals), start=1):
        earliest = first + max(0.0, k - burst) / rate
        assert arrived >= earliest - 1e-3, f"request {k} arrived {earliest - arrived:.3f} s before its slot"


async def test_hooks_sharing_a_connection_are_capped_together(
    monkeypatch: pytest.MonkeyPatch, reservations: Reservations
) -> None:
    answer = Answer(body={"RequestId": "r", "JobId": "j", "Status": "Queuing"})
    with StubIce(default=answer) as stub:
        monkeypatch.setenv(
            "AIRFLOW_CONN_ICE_DEFAULT",
            json.dumps(
                {
                    "conn_type": "alibaba_ice",
                    "login": "id",
                    "password": "pw",
                    "extra": {"endpoint": stub.url, "max_requests_per_second": 4},
                }
            ),
        )
        hooks = [IceHook() for _ in range(5)]
        await asyncio.gather(
            *(hook.acall("QueryIProductionJob", {"JobId": "j"}) for hook in hooks for _ in range(2))
        )
        for hook in hooks:
            await hook.aclose()
        times = [recorded.time for recorded in stub.requests]
    assert len(times) == 10
    # One bucket for the five hooks (each of its own would let both of its calls through at once)...
    assert (len(reservations.buckets), reservations.count) == (1, 10)
    assert reservations.first is not None
    # ...so 4 at once (the burst), then 4 per second: the last no sooner than 1.5 s after the first.
    # (Few calls at a low rate: the uncapped calls' own pace, or the stub's listen backlog making
    # some connections retry after 1 s, stays well short of these slots.)
    assert_never_ahead_of_the_bucket(times, reservations.first, rate=4, burst=4)


def test_sync_calls_honour_the_cap_too(monkeypatch: pytest.MonkeyPatch, reservations: Reservations) -> None:
    answer = Answer(body={"RequestId": "r", "JobId": "j", "Status": "Queuing"})
    with StubIce(default=answer) as stub:
        monkeypatch.setenv(
            "AIRFLOW_CONN_ICE_DEFAULT",
            json.dumps(
                {
                    "conn_type": "alibaba_ice",
                    "login": "id",
                    "password": "pw",
                    "extra": {"endpoint": stub.url, "max_requests_per_second": 5},
                }
            ),
        )
        with IceHook() as hook:
            for _ in range(15):
                hook.call("QueryIProductionJob", {"JobId": "j"})
        times = [recorded.time for recorded in stub.requests]
    assert len(times) == 15
    assert (len(reservations.buckets), reservations.count) == (1, 15)
    assert reservations.first is not None
    # 5 at once, then 10 more at 5 per second: the last no sooner than 2 s after the first (uncapped,
    # 15 calls in a row take well under a second here).
    assert_never_ahead_of_the_bucket(times, reservations.first, rate=5, burst=5)


def test_no_cap_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    with StubIce() as stub:
        monkeypatch.setenv(
            "AIRFLOW_CONN_ICE_DEFAULT",
            json.dumps(
                {"conn_type": "alibaba_ice", "login": "id", "password": "pw", "extra": {"endpoint": stub.url}}
            ),
        )
        with IceHook() as hook:
            hook.call("QueryIProductionJob", {"JobId": "j"})
    assert RATE_LIMITERS.limiter_for("anything", None) is None


def _submit_jobs(count: int) -> list[str]:
    with IceHook() as hook:
        return [hook.submit_iproduction_job(COVER) for _ in range(count)]


async def _wait_all(job_ids: list[str], deadline: float) -> list[JobEvent]:
    async def wait(job_id: str) -> JobEvent:
        trigger = IceIProductionJobTrigger(job_id=job_id, poll_interval=0.05, deadline=deadline)
        events = [event async for event in trigger.run()]
        assert len(events) == 1
        return JobEvent.from_payload(events[0].payload, job_id=job_id)

    return list(await asyncio.gather(*(wait(job_id) for job_id in job_ids)))


@pytest.mark.parametrize("capped", [False, True])
async def test_the_cap_keeps_many_triggers_under_the_account_limit(
    capped: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """20 triggers polling every 50 ms (400 a second) against a 30-per-second API: uncapped they are
    throttled; capped at 10/s they never are."""
    job_clock = ManualClock(time.time())  # the jobs run until the test has seen enough polls
    faults = {"qps_limits": {"QueryIProductionJob": 30}}
    with IceEmulator(job_seconds=1.0, clock=job_clock, faults=faults) as ice:
        extra: dict[str, Any] = {"max_retries": 1}
        if capped:
            # The emulator's limiter runs on the real clock, so a test process frozen for a while
            # sends its overdue polls in a clump. In any stretch of time the emulator then gets at
            # most the 20 polls in flight (one per trigger) plus the cap's burst of 10 and 10/s:
            # never more than its own burst of 30 plus 30/s, however the machine stalls.
            extra["max_requests_per_second"] = 10
        monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", ice.connection_json(**extra))
        job_ids = _submit_jobs(20)
        waiting = asyncio.create_task(_wait_all(job_ids, time.time() + 120))

        def throttled() -> int:
            return ice.counters().faults.get("qps_limited", 0)

        # Every job still runs meanwhile: nothing may end the waits early.
        if capped:
            # 10 at once, then 2 s of polls at the cap while the triggers want 400 a second.
            await until_while_running(
                waiting, lambda: ice.counters().requests["QueryIProductionJob"] >= 30, 60
            )
        else:
            await until_while_running(waiting, lambda: throttled() > 0, 60)
        job_clock.advance(1)
        events = await asyncio.wait_for(waiting, 60)
    # Throttling while waiting never fails the wait, capped or not.
    assert [event.status for event in events] == [JobEventStatus.SUCCESS] * 20
    assert [event.job_id for event in events] == job_ids
    if capped:
        assert throttled() == 0
    else:
        assert throttled() > 0


async def test_throttling_while_waiting_is_absorbed_until_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with IceEmulator(job_seconds=0.1) as ice:
        monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", ice.connection_json(max_retries=0))
        (job_id,) = _submit_jobs(1)
        ice.set_faults(throttle_rate=1.0, actions=["QueryIProductionJob"])
        trigger = IceIProductionJobTrigger(
            job_id=job_id, poll_interval=0.02, deadline=time.time() + 120, max_consecutive_failures=1
        )

        async def run() -> list[Any]:
            return [event async for event in trigger.run()]

        def polls() -> int:
            return ice.counters().requests["QueryIProductionJob"]

        waiting = asyncio.create_task(run())
        # Far beyond max_consecutive_failures, every poll throttled (no retries), and still waiting.
        await until_while_running(waiting, lambda: polls() >= 5, 60)
        trigger.deadline = time.time()  # now the deadline passes (it is read before every pause)
        events = await asyncio.wait_for(waiting, 30)
    event = JobEvent.from_payload(events[0].payload, job_id=job_id)
    assert len(events) == 1
    assert event.status is JobEventStatus.TIMEOUT
    assert event.job_id == job_id
