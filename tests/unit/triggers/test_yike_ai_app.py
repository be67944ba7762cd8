"""IceYikeAIAppJobTrigger against the ICE emulator: events, serialisation, deadline, errors, on_kill."""

from __future__ import annotations

import asyncio
import time

import pytest
from airflow.triggers.base import TriggerEvent

from airflow_ice.emulator import IceEmulator
from airflow_ice.hooks.ice import IceHook
from airflow_ice.jobs.events import JobEvent, JobEventStatus
from airflow_ice.triggers.batching import BATCHED_POLLERS
from airflow_ice.triggers.yike_ai_app import IceYikeAIAppJobTrigger
from tests.support.dags import HELD_JOB_SECONDS, requests
from tests.support.emulator import ManualClock
from tests.support.loop_checks import until_while_running


def submit(app_params: dict[str, str] | None = None) -> str:
    with IceHook() as hook:
        return hook.submit_yike_ai_app_job({"app_id": "app-1", "app_params": app_params or {"Prompt": "sea"}})


async def only_event(trigger: IceYikeAIAppJobTrigger) -> JobEvent:
    events: list[TriggerEvent] = [event async for event in trigger.run()]
    assert len(events) == 1
    return JobEvent.from_payload(events[0].payload, job_id=trigger.job_id)


async def test_success_event_carries_the_parsed_job(held_ice: IceEmulator, job_clock: ManualClock) -> None:
    job_id = submit()
    waiting = asyncio.create_task(
        only_event(IceYikeAIAppJobTrigger(job_id=job_id, poll_interval=0.1, deadline=time.time() + 60))
    )

    # Polled while the job ran (the loop stops early, and the assertion fails, if the trigger ended).
    await until_while_running(waiting, lambda: requests(held_ice, "GetYikeAIAppJob") >= 2)
    job_clock.advance(HELD_JOB_SECONDS)
    event = await waiting

    assert event.status is JobEventStatus.SUCCESS
    assert event.job is not None
    assert event.job["status"] == "Finished"
    assert event.job["app_params"] == {"Prompt": "sea"}
    assert event.job["output_urls"][0] == event.job["video_outputs"][0]["output_url"]
    # A lone job is read with single gets.
    assert requests(held_ice, "GetYikeAIAppJob") >= 3
    assert requests(held_ice, "BatchGetYikeAIAppJob") == 0
    assert BATCHED_POLLERS.active() == []


async def test_failed_job_gives_failed_event(emulated_ice: IceEmulator) -> None:
    job_id = submit({"Prompt": "fail"})

    event = await only_event(IceYikeAIAppJobTrigger(job_id=job_id, poll_interval=0.1))

    assert event.status is JobEventStatus.FAILED
    assert event.job is not None
    assert event.job["status"] == "Failed"
    assert f"Yike AI app job {job_id} ended with status Failed" in event.message


async def test_deadline_gives_timeout_event(held_ice: IceEmulator) -> None:
    job_id = submit()  # runs until the test ends: only the deadline can end the wait
    started = time.monotonic()
    deadline = time.time() + 0.5

    event = await only_event(IceYikeAIAppJobTrigger(job_id=job_id, poll_interval=0.1, deadline=deadline))

    assert event.status is JobEventStatus.TIMEOUT
    assert time.time() >= deadline
    assert time.monotonic() - started < 10  # at the deadline, not much later
    assert BATCHED_POLLERS.active() == []


async def test_a_long_poll_interval_still_ends_at_the_deadline(held_ice: IceEmulator) -> None:
    job_id = submit()  # runs until the test ends: only the deadline can end the wait
    started = time.monotonic()
    # The first check comes within milliseconds of joining; the deadline is far enough that even a
    # slow machine has counted it by then, and far before the next check (poll interval 60 s).
    deadline = time.time() + 3

    event = await only_event(IceYikeAIAppJobTrigger(job_id=job_id, poll_interval=60, deadline=deadline))

    assert event.status is JobEventStatus.TIMEOUT
    assert time.time() >= deadline
    assert time.monotonic() - started < 30  # at the deadline, not at the next poll (60 s)
    assert requests(held_ice, "GetYikeAIAppJob") == 1  # the first check, then the deadline


async def test_unknown_job_gives_error_event(emulated_ice: IceEmulator) -> None:
    event = await only_event(IceYikeAIAppJobTrigger(job_id="no-such-job", poll_interval=0.1))

    assert event.status is JobEventStatus.ERROR
    assert "no-such-job" in event.message
    assert "JobNotFound" in event.message


async def test_serialize_is_json_primitives_and_rebuilt_trigger_finishes(emulated_ice: IceEmulator) -> None:
    job_id = submit()
    trigger = IceYikeAIAppJobTrigger(
        job_id=job_id, poll_interval=0.1, deadline=time.time() + 30, cancel_on_kill=False, batch_size=7
    )

    classpath, kwargs = trigger.serialize()

    assert classpath == "airflow_ice.triggers.yike_ai_app.IceYikeAIAppJobTrigger"
    assert kwargs["batch_size"] == 7
    assert set(kwargs) == {
        "job_id", "ice_conn_id", "poll_interval", "deadline", "cancel_on_kill", "max_consecutive_failures",
        "batch_size", "first_poll_at", "keep_presigned_urls", "failures_in_a_row", "created_at",
    }  # fmt: skip
    assert all(value is None or isinstance(value, (str, int, float, bool)) for value in kwargs.values())
    rebuilt = IceYikeAIAppJobTrigger(**kwargs)
    assert rebuilt.serialize() == (classpath, kwargs)
    assert (await only_event(rebuilt)).status is JobEventStatus.SUCCESS
    assert IceYikeAIAppJobTrigger(job_id="j").serialize()[1]["batch_size"] is None


@pytest.mark.parametrize("batch_size", [0, -1, 1001, 2.5, "ten", True])
def test_invalid_batch_size_is_refused(batch_size: object) -> None:
    with pytest.raises(ValueError, match="batch_size must be a whole number from 1 to 1000"):
        IceYikeAIAppJobTrigger(job_id="j", batch_size=batch_size)  # type: ignore[arg-type]


async def test_on_kill_only_logs_that_ice_cannot_cancel(
    emulated_ice: IceEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    job_id = submit()

    await IceYikeAIAppJobTrigger(job_id=job_id).on_kill()

    assert f"Yike AI app job {job_id} keeps running: ICE has no cancel action" in capsys.readouterr().out
    assert sum(emulated_ice.counters().requests.values()) == 1  # only the submit
