"""One rule for failed polls in all three waiters (worker poll loop, poke-mode sensor, trigger):
throttling never counts, a success resets the count, more than N transient failures in a row end
the wait. Each waiter meets the same scripted faults on a held job and must give up on the same
poll."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from airflow_ice.emulator import IceEmulator, ScriptedFault
from airflow_ice.errors import IceServerError, IceThrottlingError
from airflow_ice.jobs.events import JobEvent, JobEventStatus
from airflow_ice.jobs.waiting import PollFailurePolicy, PollVerdict
from airflow_ice.sensors.iproduction import IceIProductionJobSensor
from airflow_ice.triggers.iproduction import IceIProductionJobTrigger
from tests.support.dags import new_dag, requests, run_dag, task_states
from tests.unit.operators.test_iproduction import run_one
from tests.unit.triggers.test_triggers import submit_cover

QUERY = "QueryIProductionJob"
LIMIT = 2


def answered() -> ScriptedFault:
    """A scripted 'fault' that changes nothing: this query is answered (the job is still running)."""
    return ScriptedFault(kind="latency", action=QUERY, latency_ms=0)


def faults(kind: str, count: int) -> ScriptedFault:
    return ScriptedFault(kind=kind, action=QUERY, count=count)  # type: ignore[arg-type]


# More throttling than LIMIT (never counts), LIMIT failures (tolerated), an answer (resets), LIMIT
# failures again (tolerated only because of the reset), an answer, then LIMIT + 1 failures: give up.
SCRIPT = [
    faults("throttling", LIMIT + 3),
    faults("unavailable", LIMIT),
    answered(),
    faults("unavailable", LIMIT),
    answered(),
    faults("unavailable", LIMIT + 1),
]
POLLS_UNTIL_GIVING_UP = (LIMIT + 3) + LIMIT + 1 + LIMIT + 1 + (LIMIT + 1)


@pytest.fixture
def one_request_per_poll(held_ice: IceEmulator, monkeypatch: pytest.MonkeyPatch) -> IceEmulator:
    # No hook retries: each poll is one request, so the emulator's counter counts polls.
    monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", held_ice.connection_json(max_retries=0, timeout=5))
    return held_ice


def test_the_policy_itself() -> None:
    policy = PollFailurePolicy(1)
    throttled = IceThrottlingError("Throttling", "busy", http_status=429)
    unavailable = IceServerError("ServiceUnavailable", "later", http_status=503)
    assert [policy.failed(throttled) for _ in range(10)] == [PollVerdict.KEEP_WAITING] * 10
    assert policy.failed(unavailable) is PollVerdict.KEEP_WAITING
    policy.succeeded()
    assert policy.failed(unavailable) is PollVerdict.KEEP_WAITING
    assert policy.failed(unavailable) is PollVerdict.GIVE_UP
    assert "after 2 failed polls in a row" in policy.gave_up_message("IProduction", "job-1", unavailable)


def test_worker_poll_loop(one_request_per_poll: IceEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    # The operator's check right after the submit is answered; its waiting loop meets the script.
    one_request_per_poll.set_faults(scripted=[answered(), *SCRIPT])
    run = run_one("policy_worker", deferrable=False, poll_interval=0.01, max_consecutive_poll_failures=LIMIT)

    assert task_states(run) == {"cover": "failed"}
    assert requests(one_request_per_poll, QUERY) == 1 + POLLS_UNTIL_GIVING_UP
    assert f"after {LIMIT + 1} failed polls in a row" in capsys.readouterr().out


def test_poke_mode_sensor(one_request_per_poll: IceEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    job_id = submit_cover()
    one_request_per_poll.set_faults(scripted=SCRIPT)
    dag = new_dag("policy_sensor")
    with dag:
        IceIProductionJobSensor(
            task_id="wait",
            job_id=job_id,
            mode="poke",
            poke_interval=0.01,
            timeout=60,
            max_consecutive_poll_failures=LIMIT,
        )
    run = run_dag(dag)

    assert task_states(run) == {"wait": "failed"}
    assert requests(one_request_per_poll, QUERY) == POLLS_UNTIL_GIVING_UP
    assert f"after {LIMIT + 1} failed polls in a row" in capsys.readouterr().out


def test_trigger(one_request_per_poll: IceEmulator) -> None:
    job_id = submit_cover()
    one_request_per_poll.set_faults(scripted=SCRIPT)
    trigger = IceIProductionJobTrigger(job_id=job_id, poll_interval=0.01, max_consecutive_failures=LIMIT)

    async def run() -> list[Any]:
        return [event async for event in trigger.run()]

    events = asyncio.run(run())

    assert len(events) == 1
    event = JobEvent.from_payload(events[0].payload, job_id=job_id)
    assert event.status is JobEventStatus.ERROR
    assert requests(one_request_per_poll, QUERY) == POLLS_UNTIL_GIVING_UP
    assert f"after {LIMIT + 1} failed polls in a row" in event.message


@pytest.mark.parametrize("value", [-1, 1.5, True, "3"])
def test_the_sensor_refuses_a_bad_limit_naming_it(value: object) -> None:
    with pytest.raises(ValueError, match="max_consecutive_poll_failures"):
        IceIProductionJobSensor(task_id="wait", job_id="j", max_consecutive_poll_failures=value)  # type: ignore[arg-type]


# The check made at once after the submit (before deferring, or the worker's first poll) is the
# first poll: with max_retries=0 one 503 there failed the try.


@pytest.fixture
def finished_at_once(monkeypatch: pytest.MonkeyPatch) -> Iterator[IceEmulator]:
    """Jobs done as soon as they are made: the first answered check ends the wait, however slow
    the machine."""
    with IceEmulator(job_seconds=0) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", emulator.connection_json(max_retries=0, timeout=5))
        yield emulator


@pytest.mark.parametrize("deferrable", [False, True], ids=["worker", "deferrable"])
def test_failures_from_the_first_check_on_are_waited_through(
    finished_at_once: IceEmulator, deferrable: bool
) -> None:
    finished_at_once.set_faults(scripted=[faults("unavailable", LIMIT)])
    run = run_one(
        "first_check_waits",
        deferrable=deferrable,
        poll_interval=0.01,
        expected_duration=0,
        max_consecutive_poll_failures=LIMIT,
    )

    assert task_states(run) == {"cover": "success"}
    # The check at once and the next LIMIT - 1 polls got 503 (the hook retried none), then an answer.
    assert requests(finished_at_once, QUERY) == LIMIT + 1
    assert finished_at_once.counters().faults["unavailable"] == LIMIT


@pytest.mark.parametrize("deferrable", [False, True], ids=["worker", "deferrable"])
def test_the_first_check_counts_toward_the_limit(
    one_request_per_poll: IceEmulator, deferrable: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    one_request_per_poll.set_faults(scripted=[faults("unavailable", LIMIT + 1)])
    run = run_one(
        "first_check_counts",
        deferrable=deferrable,
        poll_interval=0.01,
        expected_duration=0,
        max_consecutive_poll_failures=LIMIT,
    )

    assert task_states(run) == {"cover": "failed"}
    # Deferrable, the trigger went on from the count of the check made before deferring.
    assert requests(one_request_per_poll, QUERY) == LIMIT + 1
    assert f"after {LIMIT + 1} failed polls in a row" in capsys.readouterr().out


def test_the_deferrable_sensors_first_check_counts_toward_the_limit(
    one_request_per_poll: IceEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    job_id = submit_cover()
    one_request_per_poll.set_faults(scripted=[faults("unavailable", LIMIT + 1)])
    dag = new_dag("policy_deferrable_sensor")
    with dag:
        IceIProductionJobSensor(
            task_id="wait",
            job_id=job_id,
            deferrable=True,
            poke_interval=0.01,
            timeout=60,
            max_consecutive_poll_failures=LIMIT,
        )
    run = run_dag(dag)

    assert task_states(run) == {"wait": "failed"}
    assert requests(one_request_per_poll, QUERY) == LIMIT + 1  # not LIMIT + 2: the count went on
    assert f"after {LIMIT + 1} failed polls in a row" in capsys.readouterr().out
