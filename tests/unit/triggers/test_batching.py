"""The batched poller: many AI-app triggers in one event loop share BatchGetYikeAIAppJob calls.

Jobs run on a hand-moved emulator clock, so they stay running while the triggers poll for a few
rounds and all end the moment the test says. Calls are counted by the emulator; rounds are counted
by the triggers themselves (how many checks each one received), so neither side grades itself.
Tests wait for rounds to happen (not for a fixed time), so a slow machine only makes them slower.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Iterator
from typing import Any

import pytest
from airflow.triggers.base import TriggerEvent

from airflow_ice.emulator import IceEmulator, ScriptedFault
from airflow_ice.hooks.ice import IceHook
from airflow_ice.jobs.events import JobEvent, JobEventStatus
from airflow_ice.jobs.family import IceJob
from airflow_ice.triggers.batching import BATCHED_POLLERS, BatchedJobPoller
from airflow_ice.triggers.yike_ai_app import IceYikeAIAppJobTrigger
from tests.support.emulator import ManualClock
from tests.support.loop_checks import forbid_blocking_calls, until, until_while_running, watch_loop_cpu

POLL = 0.1
JOB_SECONDS = 3600.0
BATCH = "BatchGetYikeAIAppJob"
SINGLE = "GetYikeAIAppJob"


class CountingTrigger(IceYikeAIAppJobTrigger):
    """Counts the checks it receives: one per polling round it took part in."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checks = 0

    async def poll_job(self, hook: IceHook, remaining: float | None) -> IceJob | None:
        job = await super().poll_job(hook, remaining)
        self.checks += job is not None
        return job


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(time.time())


@pytest.fixture
def ice(
    request: pytest.FixtureRequest, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[IceEmulator]:
    """An emulator on the hand-moved clock; ``ice_default`` points at it (extras from the param)."""
    extra: dict[str, Any] = {"max_retries": 1, "timeout": 5, **(getattr(request, "param", None) or {})}
    limit = extra.pop("emulator_batch_limit", 20)
    with IceEmulator(job_seconds=JOB_SECONDS, clock=clock, ai_app_batch_limit=limit) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", emulator.connection_json(**extra))
        yield emulator


def submit_jobs(count: int, params: Any = None) -> list[str]:
    with IceHook() as hook:
        return [
            hook.submit_yike_ai_app_job(
                {"app_id": "app-1", "app_params": params(n) if callable(params) else {"n": n}}
            )
            for n in range(count)
        ]


async def collect(trigger: IceYikeAIAppJobTrigger) -> list[TriggerEvent]:
    return [event async for event in trigger.run()]


def event_of(events: list[TriggerEvent], job_id: str) -> JobEvent:
    assert len(events) == 1
    return JobEvent.from_payload(events[0].payload, job_id=job_id)


async def wait_then_finish(
    triggers: list[CountingTrigger], clock: ManualClock, rounds: int
) -> list[list[TriggerEvent]]:
    """Let every trigger get ``rounds`` checks of its running job, end every job, and return each
    trigger's events (they then get one more check: the finished job)."""
    tasks = [asyncio.create_task(collect(trigger)) for trigger in triggers]
    done = asyncio.gather(*tasks)
    # Fails fast if a trigger ended while its job was still running.
    await until_while_running(done, lambda: min(trigger.checks for trigger in triggers) >= rounds)
    clock.advance(JOB_SECONDS)
    return await done


def calls(emulator: IceEmulator, action: str) -> int:
    return emulator.counters().requests[action]


def rounds_of(triggers: list[CountingTrigger]) -> int:
    """The polling rounds the triggers saw. The jobs' end may fall between the batches of the last
    round: then some triggers are done after it and the others need one more round (partial)."""
    checks = [trigger.checks for trigger in triggers]
    assert max(checks) - min(checks) <= 1
    return max(checks)


def assert_calls_per_round(emulator: IceEmulator, triggers: list[CountingTrigger], per_round: int) -> None:
    """``per_round`` batch calls in every round (the last one may be partial), no single call."""
    rounds = rounds_of(triggers)
    assert rounds >= 2
    assert per_round * (rounds - 1) < calls(emulator, BATCH) <= per_round * rounds
    assert calls(emulator, SINGLE) == 0


async def test_n_triggers_make_about_n_over_batch_size_calls_per_round(
    ice: IceEmulator, clock: ManualClock
) -> None:
    job_ids = submit_jobs(45)
    triggers = [CountingTrigger(job_id=job_id, poll_interval=POLL) for job_id in job_ids]

    results = await wait_then_finish(triggers, clock, 3)

    assert rounds_of(triggers) >= 4
    # ceil(45 / 20) = 3 calls per round, where polling alone makes one call per job (45).
    assert_calls_per_round(ice, triggers, math.ceil(45 / 20))
    assert [event_of(events, job_id).status for events, job_id in zip(results, job_ids, strict=True)] == [
        JobEventStatus.SUCCESS
    ] * 45


async def test_each_trigger_gets_its_own_job_and_a_failing_job_disturbs_no_other(
    ice: IceEmulator, clock: ManualClock
) -> None:
    job_ids = submit_jobs(12, lambda n: {"n": n, "mood": "fail" if n == 5 else "fine"})
    triggers = [CountingTrigger(job_id=job_id, poll_interval=POLL) for job_id in job_ids]

    results = await wait_then_finish(triggers, clock, 1)

    for n, (events, job_id) in enumerate(zip(results, job_ids, strict=True)):
        event = event_of(events, job_id)
        assert event.job is not None
        assert event.job["job_id"] == job_id
        assert event.job["app_params"] == {"n": n, "mood": "fail" if n == 5 else "fine"}
        if n == 5:
            assert event.status is JobEventStatus.FAILED
            assert event.job["status"] == "Failed"
        else:
            assert event.status is JobEventStatus.SUCCESS
            assert event.job["video_outputs"]


async def test_a_job_missing_from_the_batch_answer_is_read_alone(
    ice: IceEmulator, clock: ManualClock
) -> None:
    job_ids = submit_jobs(6, lambda n: {"n": n, "note": "unlisted" if n == 2 else ""})
    triggers = [CountingTrigger(job_id=job_id, poll_interval=POLL) for job_id in job_ids]

    results = await wait_then_finish(triggers, clock, 2)

    assert all(event_of(events, job_id).succeeded for events, job_id in zip(results, job_ids, strict=True))
    listed = [trigger for n, trigger in enumerate(triggers) if n != 2]
    # One batch call per round for the five listed jobs, one single call per round for the missing job.
    assert calls(ice, BATCH) == rounds_of(listed) >= 2
    assert calls(ice, SINGLE) == triggers[2].checks >= 2


async def test_two_triggers_waiting_for_one_job_share_its_place_in_the_batch(
    ice: IceEmulator, clock: ManualClock
) -> None:
    job_ids = submit_jobs(3)
    triggers = [CountingTrigger(job_id=job_id, poll_interval=POLL) for job_id in [*job_ids, job_ids[0]]]

    results = await wait_then_finish(triggers, clock, 2)

    jobs = [event_of(events, trigger.job_id).job for events, trigger in zip(results, triggers, strict=True)]
    assert [job and job["job_id"] for job in jobs] == [*job_ids, job_ids[0]]
    assert calls(ice, BATCH) == triggers[0].checks == triggers[3].checks


async def test_leaving_triggers_leave_the_batch_and_the_last_stops_the_poller(
    ice: IceEmulator, clock: ManualClock
) -> None:
    short, long = submit_jobs(2)
    # The deadline only has to come after the first shared check, which takes milliseconds.
    deadline = time.time() + 3
    leaving_trigger = CountingTrigger(job_id=short, poll_interval=POLL, deadline=deadline)
    staying_trigger = CountingTrigger(job_id=long, poll_interval=POLL)
    leaving = asyncio.create_task(collect(leaving_trigger))
    staying = asyncio.create_task(collect(staying_trigger))
    await until(lambda: leaving_trigger.checks >= 1 and staying_trigger.checks >= 1)
    (poller,) = BATCHED_POLLERS.active()
    assert poller.job_ids == {short, long}
    assert poller.stats.single_calls == 0  # both are read in every round's batch

    timed_out = event_of(await leaving, short)
    # Counted by the poller before it sends, so a batch still on the wire is in this figure.
    batches_when_left = poller.stats.batch_calls
    await until(lambda: calls(ice, SINGLE) >= 2)

    assert timed_out.status is JobEventStatus.TIMEOUT
    assert time.time() >= deadline
    assert poller.job_ids == {long}
    # The one job left is read alone: no batch call after the other left. Every round is over
    # before the next starts, so the emulator has seen each batch call the poller made.
    assert poller.stats.batch_calls == batches_when_left == calls(ice, BATCH)
    staying.cancel()
    with pytest.raises(asyncio.CancelledError):
        await staying
    assert BATCHED_POLLERS.active() == []
    await until(lambda: not poller.running)  # the poller's task ends once its cancellation has run


async def test_transient_batch_failures_mean_keep_waiting_for_every_member(
    ice: IceEmulator, clock: ManualClock
) -> None:
    job_ids = submit_jobs(5)
    # max_retries=1: four failed requests are two failed batch polls; throttling never counts.
    ice.set_faults(
        scripted=[
            ScriptedFault(kind="unavailable", action=BATCH, count=2),
            ScriptedFault(kind="throttling", action=BATCH, count=2),
        ]
    )
    triggers = [
        CountingTrigger(job_id=job_id, poll_interval=POLL, max_consecutive_failures=1) for job_id in job_ids
    ]

    # The faults come first: a check that arrives means the failed and throttled polls are over.
    results = await wait_then_finish(triggers, clock, 1)

    assert all(event_of(events, job_id).succeeded for events, job_id in zip(results, job_ids, strict=True))
    assert ice.counters().faults == {"unavailable": 2, "throttling": 2}


async def test_too_many_transient_failures_end_each_member_with_its_own_error(
    ice: IceEmulator, clock: ManualClock
) -> None:
    job_ids = submit_jobs(3)
    ice.set_faults(unavailable_rate=1.0, actions=[BATCH])
    triggers = [
        CountingTrigger(job_id=job_id, poll_interval=POLL, max_consecutive_failures=1) for job_id in job_ids
    ]

    results = await asyncio.gather(*(collect(trigger) for trigger in triggers))

    for events, job_id in zip(results, job_ids, strict=True):
        event = event_of(events, job_id)
        assert event.status is JobEventStatus.ERROR
        assert job_id in event.message
        assert "2 failed polls" in event.message
        assert "ServiceUnavailable" in event.message


async def test_an_auth_error_reaches_each_member(
    ice: IceEmulator, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_ids = submit_jobs(25)
    wrong = {
        "conn_type": "alibaba_ice",
        "login": ice.access_key_id,
        "password": "wrong-secret",
        "extra": {"endpoint": ice.url},
    }
    monkeypatch.setenv("AIRFLOW_CONN_ICE_WRONG", json.dumps(wrong))
    triggers = [
        IceYikeAIAppJobTrigger(job_id=job_id, ice_conn_id="ice_wrong", poll_interval=POLL)
        for job_id in job_ids
    ]

    results = await asyncio.gather(*(collect(trigger) for trigger in triggers))

    for events, job_id in zip(results, job_ids, strict=True):
        event = event_of(events, job_id)
        assert event.status is JobEventStatus.DENIED
        assert "SignatureDoesNotMatch" in event.message
        assert "wrong-secret" not in event.message
    assert calls(ice, BATCH) == 2  # one round: ceil(25 / 20) calls, never retried
    assert calls(ice, SINGLE) == 0


@pytest.mark.parametrize("ice", [{"emulator_batch_limit": 5}], indirect=True)
async def test_a_refused_batch_is_read_alone_then_batches_shrink(
    ice: IceEmulator, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    job_ids = submit_jobs(12)
    triggers = [CountingTrigger(job_id=job_id, poll_interval=POLL, batch_size=10) for job_id in job_ids]
    caplog.set_level(logging.WARNING, logger="airflow_ice.triggers.batching")

    results = await wait_then_finish(triggers, clock, 2)

    assert all(event_of(events, job_id).succeeded for events, job_id in zip(results, job_ids, strict=True))
    assert ice.counters().errors["InvalidParameter"] == 1  # only the first batch of 10 was refused
    assert "using batches of at most 5" in caplog.text
    rounds = rounds_of(triggers)
    assert rounds >= 3
    # Round 1: batches of 10 (refused, then 10 single gets) and 2; then batches of 5, 5 and 2.
    assert 2 + 3 * (rounds - 2) < calls(ice, BATCH) <= 2 + 3 * (rounds - 1)
    assert calls(ice, SINGLE) == 10


@pytest.mark.parametrize("ice", [{"ai_app_batch_size": "5"}], indirect=True)
async def test_batch_size_from_the_connection_extra(ice: IceEmulator, clock: ManualClock) -> None:
    job_ids = submit_jobs(12)
    triggers = [CountingTrigger(job_id=job_id, poll_interval=POLL) for job_id in job_ids]

    await wait_then_finish(triggers, clock, 2)

    assert_calls_per_round(ice, triggers, 3)  # 5 + 5 + 2


async def test_the_smallest_batch_size_a_trigger_asks_for_wins(ice: IceEmulator, clock: ManualClock) -> None:
    job_ids = submit_jobs(8)
    sizes = [None, 4, 6, None, None, None, None, None]
    triggers = [
        CountingTrigger(job_id=job_id, poll_interval=POLL, batch_size=size)
        for job_id, size in zip(job_ids, sizes, strict=True)
    ]

    await wait_then_finish(triggers, clock, 2)

    assert_calls_per_round(ice, triggers, 2)  # 4 + 4


async def test_pollers_are_per_connection_and_loop(ice: IceEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_ICE_OTHER", ice.connection_json())
    first, second = submit_jobs(2)
    tasks = [
        asyncio.create_task(collect(IceYikeAIAppJobTrigger(job_id=first, poll_interval=POLL))),
        asyncio.create_task(
            collect(IceYikeAIAppJobTrigger(job_id=second, poll_interval=POLL, ice_conn_id="ice_other"))
        ),
    ]
    await asyncio.sleep(0.05)

    pollers = sorted(BATCHED_POLLERS.active(), key=lambda poller: poller.conn_id)
    on_other_loop = await asyncio.to_thread(asyncio.run, _pollers_seen_on_a_new_loop(first))

    assert [(p.conn_id, p.job_ids) for p in pollers] == [("ice_default", {first}), ("ice_other", {second})]
    assert on_other_loop not in pollers
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert BATCHED_POLLERS.active() == []


async def _pollers_seen_on_a_new_loop(job_id: str) -> BatchedJobPoller:
    task = asyncio.create_task(collect(IceYikeAIAppJobTrigger(job_id=job_id, poll_interval=POLL)))
    await asyncio.sleep(0.05)
    mine = [poller for poller in BATCHED_POLLERS.active() if poller.loop is asyncio.get_running_loop()]
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    (poller,) = mine
    return poller


async def test_batched_waiting_never_blocks_the_event_loop(
    ice: IceEmulator, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_ids = await asyncio.to_thread(submit_jobs, 30)
    # Waiting calls (sleeping, sync HTTP or connection reads) fail on the loop's thread; heavy
    # computation shows as a callback's CPU time, which a loaded machine does not change.
    forbid_blocking_calls(monkeypatch)

    with watch_loop_cpu() as watch:
        triggers = [CountingTrigger(job_id=job_id, poll_interval=POLL) for job_id in job_ids]
        results = await wait_then_finish(triggers, clock, 2)

    assert all(event_of(events, job_id).succeeded for events, job_id in zip(results, job_ids, strict=True))
    assert watch.heavy == []
    assert watch.callbacks > 0
