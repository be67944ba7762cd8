"""The job triggers against the ICE emulator: events, serialisation, deadlines, errors, on_kill."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.triggers.base import TriggerEvent

from airflow_ice.client.engine import IceClient
from airflow_ice.emulator import IceEmulator, ScriptedFault
from airflow_ice.families import family_names
from airflow_ice.hooks.ice import IceHook
from airflow_ice.jobs.events import JobEvent, JobEventStatus
from airflow_ice.triggers.base import IceJobTrigger
from airflow_ice.triggers.iproduction import IceIProductionJobTrigger
from airflow_ice.triggers.yike_storyboard import IceYikeStoryboardJobTrigger
from tests.support.dags import HELD_JOB_SECONDS, requests
from tests.support.emulator import ManualClock
from tests.support.loop_checks import forbid_blocking_calls, until, until_while_running, watch_loop_cpu

COVER = {
    "function_name": "Cover",
    "input": {"Type": "OSS", "Media": "oss://bucket/in/clip.mp4"},
    "output": {"Type": "OSS", "Media": "oss://bucket/out/cover/"},
}
STORYBOARD = {
    "file_url": "oss://bucket/novel.txt",
    "source_type": "Novel",
    "shot_split_mode": "firstPersonNarration",
    "style_id": "RealisticPhotography",
}


def submit_cover(media: str = "oss://bucket/in/clip.mp4") -> str:
    with IceHook() as hook:
        return hook.submit_iproduction_job({**COVER, "input": {"Type": "OSS", "Media": media}})


def submit_storyboard(file_url: str = "oss://bucket/novel.txt") -> str:
    with IceHook() as hook:
        return hook.submit_yike_storyboard_job({**STORYBOARD, "file_url": file_url})


async def run_trigger(trigger: IceJobTrigger) -> list[TriggerEvent]:
    return [event async for event in trigger.run()]


def only_event(events: list[TriggerEvent], job_id: str) -> JobEvent:
    assert len(events) == 1
    return JobEvent.from_payload(events[0].payload, job_id=job_id)


async def test_iproduction_success_event_carries_parsed_job(
    held_ice: IceEmulator, job_clock: ManualClock
) -> None:
    job_id = submit_cover()
    trigger = IceIProductionJobTrigger(job_id=job_id, poll_interval=0.1, deadline=time.time() + 60)

    waiting = asyncio.create_task(run_trigger(trigger))
    # It polled while the job ran, and kept waiting.
    await until_while_running(waiting, lambda: requests(held_ice, "QueryIProductionJob") >= 2)
    job_clock.advance(HELD_JOB_SECONDS)
    event = only_event(await asyncio.wait_for(waiting, 30), job_id)

    assert event.status is JobEventStatus.SUCCESS
    assert event.job is not None
    assert event.job["job_id"] == job_id
    assert event.job["status"] == "Success"
    assert event.job["result"]["kind"] == "Cover"
    assert event.job["output_urls"]


async def test_iproduction_failed_job_gives_failed_event(emulated_ice: IceEmulator) -> None:
    job_id = submit_cover("oss://bucket/in/fail-me.mp4")
    trigger = IceIProductionJobTrigger(job_id=job_id, poll_interval=0.1, deadline=time.time() + 30)

    event = only_event(await run_trigger(trigger), job_id)

    assert event.status is JobEventStatus.FAILED
    assert event.job is not None
    assert event.job["status"] == "Fail"
    assert job_id in event.message
    assert "InputMediaInvalid" in event.message  # what ICE said about the failure


async def test_yike_events_success_and_failure(emulated_ice: IceEmulator) -> None:
    ok_id = submit_storyboard()
    bad_id = submit_storyboard("oss://bucket/fail-novel.txt")

    ok, bad = await asyncio.gather(
        run_trigger(IceYikeStoryboardJobTrigger(job_id=ok_id, poll_interval=0.1, deadline=time.time() + 30)),
        run_trigger(IceYikeStoryboardJobTrigger(job_id=bad_id, poll_interval=0.1, deadline=time.time() + 30)),
    )

    ok_event, bad_event = only_event(ok, ok_id), only_event(bad, bad_id)
    assert ok_event.status is JobEventStatus.SUCCESS
    assert ok_event.job is not None
    assert ok_event.job["output_url"].startswith("https://")
    assert bad_event.status is JobEventStatus.FAILED
    assert bad_event.job is not None
    assert bad_event.job["status"] == "Failed"


async def test_deadline_gives_timeout_event_without_cancelling(held_ice: IceEmulator) -> None:
    job_id = submit_cover()  # runs until the test ends: only the deadline can end the wait
    trigger = IceIProductionJobTrigger(job_id=job_id, poll_interval=0.1, deadline=time.time() + 0.5)

    started = time.monotonic()
    event = only_event(await asyncio.wait_for(run_trigger(trigger), 30), job_id)

    assert event.status is JobEventStatus.TIMEOUT
    assert time.monotonic() - started > 0.4  # not before the deadline (a slow machine only adds)
    # The trigger only reads: cancelling on timeout is the operator's decision.
    assert requests(held_ice, "CancelIProductionJob") == 0


async def test_serialize_is_json_primitives_and_rebuilt_trigger_finishes(emulated_ice: IceEmulator) -> None:
    job_id = submit_cover()
    deadline = time.time() + 30
    trigger = IceIProductionJobTrigger(
        job_id=job_id, poll_interval=0.1, deadline=deadline, cancel_on_kill=False, max_consecutive_failures=3
    )

    classpath, kwargs = trigger.serialize()

    assert classpath == "airflow_ice.triggers.iproduction.IceIProductionJobTrigger"
    assert kwargs == {
        "job_id": job_id,
        "ice_conn_id": "ice_default",
        "poll_interval": 0.1,
        "deadline": deadline,
        "cancel_on_kill": False,
        "max_consecutive_failures": 3,
        "first_poll_at": None,
        "keep_presigned_urls": False,
        "failures_in_a_row": 0,
        "created_at": None,
    }
    assert all(value is None or isinstance(value, (str, int, float, bool)) for value in kwargs.values())
    # What the triggerer does after a restart: import the class path and rebuild from the kwargs.
    module_name, class_name = classpath.rsplit(".", 1)
    module = __import__(module_name, fromlist=[class_name])
    rebuilt = getattr(module, class_name)(**kwargs)
    assert rebuilt.serialize() == (classpath, kwargs)
    event = only_event(await run_trigger(rebuilt), job_id)
    assert event.status is JobEventStatus.SUCCESS
    assert requests(emulated_ice, "SubmitIProductionJob") == 1  # rebuilding never submits


async def test_unknown_job_gives_error_event_at_once(emulated_ice: IceEmulator) -> None:
    trigger = IceIProductionJobTrigger(job_id="no-such-job", poll_interval=0.1, deadline=time.time() + 30)

    event = only_event(await run_trigger(trigger), "no-such-job")

    assert event.status is JobEventStatus.ERROR
    assert event.job is None
    assert "no-such-job" in event.message
    assert requests(emulated_ice, "QueryIProductionJob") == 1


async def test_auth_error_gives_error_event(
    emulated_ice: IceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = submit_cover()
    wrong = {
        "conn_type": "alibaba_ice",
        "login": emulated_ice.access_key_id,
        "password": "wrong-secret",
        "extra": {"endpoint": emulated_ice.url},
    }
    monkeypatch.setenv("AIRFLOW_CONN_ICE_WRONG_SECRET", json.dumps(wrong))
    trigger = IceIProductionJobTrigger(job_id=job_id, ice_conn_id="ice_wrong_secret", poll_interval=0.1)

    event = only_event(await run_trigger(trigger), job_id)

    assert event.status is JobEventStatus.DENIED  # no retry of the task can mend it
    assert "SignatureDoesNotMatch" in event.message
    assert "wrong-secret" not in event.message


async def test_transient_errors_mean_keep_waiting(emulated_ice: IceEmulator) -> None:
    job_id = submit_cover()
    # Each poll is retried once by the hook (max_retries=1): 4 failed requests = 2 failed polls.
    emulated_ice.set_faults(
        scripted=[ScriptedFault(kind="unavailable", action="QueryIProductionJob", count=4)]
    )
    trigger = IceIProductionJobTrigger(job_id=job_id, poll_interval=0.1, max_consecutive_failures=3)

    event = only_event(await run_trigger(trigger), job_id)

    assert event.status is JobEventStatus.SUCCESS
    assert emulated_ice.counters().faults["unavailable"] == 4


async def test_too_many_transient_errors_give_error_event_with_job_id(emulated_ice: IceEmulator) -> None:
    job_id = submit_cover()
    emulated_ice.set_faults(unavailable_rate=1.0, actions=["QueryIProductionJob"])
    trigger = IceIProductionJobTrigger(job_id=job_id, poll_interval=0.05, max_consecutive_failures=2)

    event = only_event(await run_trigger(trigger), job_id)

    assert event.status is JobEventStatus.ERROR
    assert job_id in event.message
    assert "3 failed polls" in event.message
    assert "ServiceUnavailable" in event.message


class _GarbageHook(IceHook):
    async def aget_job(self, family: Any, job_id: str, params: Any = None) -> Any:
        raise KeyError("Status")  # what a wholly unexpected answer could cause


async def test_unexpected_failure_never_crashes_the_trigger(
    emulated_ice: IceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def garbage_hook_class() -> type[_GarbageHook]:
        return _GarbageHook

    monkeypatch.setattr("airflow_ice.triggers.base.load_hook_class", garbage_hook_class)
    trigger = IceIProductionJobTrigger(job_id="job-1", poll_interval=0.1)

    event = only_event(await run_trigger(trigger), "job-1")

    assert event.status is JobEventStatus.ERROR
    assert "KeyError" in event.message
    assert "Status" in event.message


async def test_unusable_answer_gives_error_event_with_raw_body(
    emulated_ice: IceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The engine's read hands over an answer that has no job in it (what a changed ICE could send).
    async def no_job_id(self: IceClient, action: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {"RequestId": "r-1", "Weird": True}

    monkeypatch.setattr(IceClient, "aread", no_job_id)
    trigger = IceYikeStoryboardJobTrigger(job_id="job-2", poll_interval=0.1)

    event = only_event(await run_trigger(trigger), "job-2")

    assert event.status is JobEventStatus.ERROR
    assert "job-2" in event.message
    assert "Weird" in event.message  # the raw detail is kept


class TaskStatesSupervisor:
    """Stands in for the triggerer's supervisor link (only a real triggerer has one): answers
    ``GetTaskStates`` as the API server would, with the given state for the trigger's task."""

    def __init__(self, state: str | None) -> None:
        self.state = state
        self.asked: list[object] = []

    async def asend(self, message: object) -> object:
        from airflow.sdk.execution_time.comms import GetTaskStates, TaskStatesResult

        assert isinstance(message, GetTaskStates)
        self.asked.append(message)
        return TaskStatesResult(task_states={"run-1": {"cover_3": self.state}})


def deferred_task(trigger: IceIProductionJobTrigger) -> IceIProductionJobTrigger:
    trigger.task_instance = SimpleNamespace(dag_id="media", task_id="cover", run_id="run-1", map_index=3)  # type: ignore[assignment]
    return trigger


@pytest.mark.parametrize("state", ["failed", "success", None])
async def test_on_kill_cancels_when_a_user_took_the_task_out_of_deferral(
    held_ice: IceEmulator, monkeypatch: pytest.MonkeyPatch, state: str | None
) -> None:
    from airflow.sdk.execution_time import task_runner

    supervisor = TaskStatesSupervisor(state)
    monkeypatch.setattr(task_runner, "SUPERVISOR_COMMS", supervisor, raising=False)
    job_id = submit_cover()

    await deferred_task(IceIProductionJobTrigger(job_id=job_id, poll_interval=0.1)).on_kill()

    assert len(supervisor.asked) == 1
    assert requests(held_ice, "CancelIProductionJob") == 1
    with IceHook() as hook:
        assert hook.query_iproduction_job(job_id).status_text == "Fail"


async def test_on_kill_never_cancels_when_the_trigger_only_moved(
    held_ice: IceEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Airflow 3.3.2 calls on_kill when a trigger moves to another triggerer (apache/airflow#73454).
    from airflow.sdk.execution_time import task_runner

    monkeypatch.setattr(task_runner, "SUPERVISOR_COMMS", TaskStatesSupervisor("deferred"), raising=False)
    job_id = submit_cover()

    await deferred_task(IceIProductionJobTrigger(job_id=job_id, poll_interval=0.1)).on_kill()

    assert requests(held_ice, "CancelIProductionJob") == 0
    assert "still deferred (the trigger moved)" in capsys.readouterr().out


async def test_on_kill_does_not_cancel_when_the_task_state_is_unknown(held_ice: IceEmulator) -> None:
    job_id = submit_cover()  # no supervisor link here: the state cannot be read

    await deferred_task(IceIProductionJobTrigger(job_id=job_id, poll_interval=0.1)).on_kill()

    assert requests(held_ice, "CancelIProductionJob") == 0


def test_trigger_modules_import_without_the_hook_or_models() -> None:
    # Airflow imports trigger classes on the triggerer's event loop: they must import light.
    modules = ", ".join(f"airflow_ice.triggers.{name}" for name in [*family_names(), "declared"])
    code = (
        "import sys, airflow.triggers.base;"
        f"import {modules};"
        "heavy = [m for m in ('airflow_ice.hooks.ice', 'airflow_ice.models', 'airflow_ice.client.pool')"
        " if m in sys.modules];"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


async def test_on_kill_respects_cancel_on_kill_false(held_ice: IceEmulator) -> None:
    job_id = submit_cover()

    await IceIProductionJobTrigger(job_id=job_id, cancel_on_kill=False).on_kill()

    assert requests(held_ice, "CancelIProductionJob") == 0


async def test_on_kill_of_storyboard_job_only_logs(
    emulated_ice: IceEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    job_id = submit_storyboard()

    await IceYikeStoryboardJobTrigger(job_id=job_id).on_kill()

    # Airflow's task loggers write to stdout.
    assert f"job {job_id} keeps running: ICE has no cancel action" in capsys.readouterr().out
    assert sum(emulated_ice.counters().requests.values()) == 1  # only the submit


async def test_cleanup_never_cancels(emulated_ice: IceEmulator) -> None:
    job_id = submit_cover()
    trigger = IceIProductionJobTrigger(job_id=job_id, poll_interval=0.1, deadline=time.time() + 0.2)
    await run_trigger(trigger)

    await trigger.cleanup()

    assert requests(emulated_ice, "CancelIProductionJob") == 0


async def test_run_never_blocks_the_event_loop(
    held_ice: IceEmulator, job_clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Create the job off the loop under test, then poll it with the blocking calls forbidden on the
    # loop's thread (a blocking wait uses no CPU) and every loop callback's CPU time measured (CPU
    # work is the other way to stall the loop). Neither depends on how loaded the machine is.
    job_id = await asyncio.to_thread(submit_cover)
    forbid_blocking_calls(monkeypatch)
    trigger = IceIProductionJobTrigger(job_id=job_id, poll_interval=0.1, deadline=time.time() + 60)

    with watch_loop_cpu() as watch:
        waiting = asyncio.create_task(run_trigger(trigger))
        await until(lambda: waiting.done() or requests(held_ice, "QueryIProductionJob") >= 3)
        job_clock.advance(HELD_JOB_SECONDS)
        event = only_event(await asyncio.wait_for(waiting, 30), job_id)

    assert event.status is JobEventStatus.SUCCESS
    assert watch.heavy == []
    assert watch.callbacks > 0


def test_many_first_triggers_load_the_hook_class_together() -> None:
    # In a fresh process, hundreds of triggers start at once and all ask for the hook class while
    # it is still being imported: each must get the finished class, never a half-imported module,
    # and they share one import (not one thread-pool job each: 10,000 of those stalled the loop).
    code = (
        "import asyncio\n"
        "from airflow_ice.triggers import hook_loader\n"
        "imports = []\n"
        "real = hook_loader._import_hook_class\n"
        "def counted():\n"
        "    imports.append(1)\n"
        "    return real()\n"
        "hook_loader._import_hook_class = counted\n"
        "async def main():\n"
        "    classes = await asyncio.gather(*(hook_loader.load_hook_class() for _ in range(300)))\n"
        "    print(len({cls.__name__ for cls in classes}), classes[0].__name__, len(imports))\n"
        "asyncio.run(main())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "1 IceHook 1"
