"""Every media job family (tests/support/media_families.py) run for real against the ICE emulator: its
operator (deferrable and in the worker), sensor (poke, reschedule, deferrable) and trigger, through
success, failure, timeout, retries that reattach, bad input and ICE's ClientToken."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from typing import Any

import pytest

from airflow_ice.emulator import IceEmulator, ScriptedFault
from airflow_ice.families import all_families
from airflow_ice.hooks.ice import IceHook
from airflow_ice.jobs.events import JobEvent, JobEventStatus
from airflow_ice.jobs.params import is_template
from tests.support.dags import (
    FAST_RETRY,
    HELD_JOB_SECONDS,
    emulator_record,
    new_dag,
    rendered_at_run_time,
    requests,
    run_dag,
    stored_reattach_job_id,
    submits,
    task_states,
    task_try_numbers,
    xcom_value,
)
from tests.support.emulator import ManualClock
from tests.support.family_cases import FAMILIES, NO_TOKEN_FAMILIES, TOKEN_FAMILIES, FamilyCase
from tests.support.loop_checks import until_while_running
from tests.support.worker_kill import HeldJobWaits, held_task

MODES = [
    pytest.param({"mode": "poke"}, id="poke"),
    pytest.param({"mode": "reschedule"}, id="reschedule"),
    pytest.param({"deferrable": True}, id="deferrable"),
]


def run_operator(family: FamilyCase, dag_name: str, operator_class: Any = None, **kwargs: Any) -> Any:
    dag = new_dag(dag_name)
    options: dict[str, Any] = {"task_id": "job", "poll_interval": 0.1, **family.kwargs, **kwargs}
    with dag:
        (operator_class or family.operator)(**options)
    return run_dag(dag)


def held_operator(family: FamilyCase) -> type:
    """The family's operator, killed while it waits in the worker (see HeldJobWaits)."""
    return type(f"Held{family.operator.__name__}", (HeldJobWaits, family.operator), {})


# Operators


@pytest.mark.parametrize("deferrable", [True, False], ids=["deferrable", "worker"])
@pytest.mark.parametrize("family", FAMILIES)
def test_success_returns_the_parsed_job_with_its_output_link(
    emulated_ice: IceEmulator, family: FamilyCase, deferrable: bool
) -> None:
    run = run_operator(family, "media_ok", deferrable=deferrable)

    assert task_states(run) == {"job": "success"}
    job = xcom_value(run, "job")
    assert job["status"] == family.success_status
    assert job["job_id"] == xcom_value(run, "job", "ice_job_id")
    if family.output_url is None:  # no output file: no link
        assert xcom_value(run, "job", "ice_job_output_url") == ""
    else:
        url = family.output_url(job)
        assert url
        assert url.startswith("https://")
        assert xcom_value(run, "job", "ice_job_output_url") == url
    assert submits(emulated_ice, family.submit_action) == 1
    sent = recorded_user_data(emulated_ice, job["job_id"])
    if sent is not None:  # None: the AI app's submit takes no UserData; the storyboard's answer shows none
        tag = json.loads(sent)["airflow_ice"]
        assert (tag["dag"], tag["run"], tag["task"]) == (run.dag_id, run.run_id, "job")
    if family.takes_client_token:
        params = emulator_record(emulated_ice, job["job_id"]).params
        assert params.get("ClientToken") is None  # the emulator keeps tokens apart from the job's params
        assert requests(emulated_ice, family.submit_action) == 1


@pytest.mark.parametrize("deferrable", [True, False], ids=["deferrable", "worker"])
@pytest.mark.parametrize("family", FAMILIES)
def test_failed_job_fails_the_task_with_what_ice_said(
    emulated_ice: IceEmulator, family: FamilyCase, deferrable: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_operator(family, "media_fail", deferrable=deferrable, **family.failing)

    assert task_states(run) == {"job": "failed"}
    job_id = xcom_value(run, "job", "ice_job_id")
    out = capsys.readouterr().out
    assert f"{family.name} job {job_id} failed" in out
    assert family.failure_said in out
    assert submits(emulated_ice, family.submit_action) == 1


@pytest.mark.parametrize("deferrable", [True, False], ids=["deferrable", "worker"])
@pytest.mark.parametrize("family", FAMILIES)
def test_timeout_fails_the_task_and_cancels_the_job_where_ice_can(
    held_ice: IceEmulator, family: FamilyCase, deferrable: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    # The job runs until cancelled or the test ends (held_ice), however slowly the task waits.
    run = run_operator(family, "media_timeout", deferrable=deferrable, timeout=0.5)

    assert task_states(run) == {"job": "failed"}
    out = capsys.readouterr().out
    assert "did not finish within timeout=" in out
    job_id = xcom_value(run, "job", "ice_job_id")
    if family.family.can_cancel:
        assert requests(held_ice, family.family.cancel_action or "") == 1
        with IceHook() as hook:
            assert hook.get_job(family.family, job_id).failed  # cancelled
        assert stored_reattach_job_id(run, "job") is None  # a retry submits a new job
    else:
        assert f"ICE has no cancel action for {family.name} jobs" in out
        with IceHook() as hook:
            assert not hook.get_job(family.family, job_id).is_terminal  # still running
        # Not cancellable, so the job id stays stored: a retry would reattach to the running job.
        assert stored_reattach_job_id(run, "job") == job_id


@pytest.mark.parametrize("family", FAMILIES)
def test_a_kill_in_the_worker_cancels_the_job_where_ice_can(
    held_ice: IceEmulator, job_clock: ManualClock, family: FamilyCase, capsys: pytest.CaptureFixture[str]
) -> None:
    # Airflow's own kill (execution_timeout expiring) calls on_kill(), as a user's kill does.
    run = run_operator(family, "media_kill", held_operator(family), **held_task(job_clock))

    assert task_states(run) == {"job": "failed"}
    job_id = xcom_value(run, "job", "ice_job_id")
    if family.family.can_cancel:
        assert requests(held_ice, family.family.cancel_action or "") == 1
        with IceHook() as hook:
            assert hook.get_job(family.family, job_id).failed  # cancelled
    else:
        assert f"keeps running: ICE has no cancel action for {family.name} jobs" in capsys.readouterr().out
        assert set(held_ice.counters().requests) == {family.submit_action, family.get_action}


@pytest.mark.parametrize("family", FAMILIES)
def test_retry_reattaches_to_the_running_job(
    held_ice: IceEmulator, job_clock: ManualClock, family: FamilyCase, capsys: pytest.CaptureFixture[str]
) -> None:
    # Try 1 is killed while its job runs (not cancelled, where ICE could); try 2 finds the job still
    # running and waits for it.
    run = run_operator(
        family,
        "media_reattach",
        held_operator(family),
        **held_task(job_clock),
        finish_on_try=2,
        cancel_on_kill=False,
        **FAST_RETRY,
    )

    assert task_states(run) == {"job": "success"}
    assert task_try_numbers(run) == {"job": 2}
    assert submits(held_ice, family.submit_action) == 1
    assert requests(held_ice, family.submit_action) == 1
    job = xcom_value(run, "job")
    assert (
        f"Reattaching to {family.name} job {job['job_id']} submitted by an earlier try"
        in capsys.readouterr().out
    )
    assert stored_reattach_job_id(run, "job") is None  # dropped once it succeeded


@pytest.mark.parametrize("family", FAMILIES)
def test_retry_after_a_failed_job_submits_a_new_one(emulated_ice: IceEmulator, family: FamilyCase) -> None:
    # The new job must not be the failed one handed back for a reused ClientToken.
    run = run_operator(family, "media_refail", **family.failing, **FAST_RETRY)

    assert task_states(run) == {"job": "failed"}
    assert task_try_numbers(run) == {"job": 2}
    assert submits(emulated_ice, family.submit_action) == 2


def _bad_inputs(*, parse_time: bool | None = None) -> list[Any]:
    """The families' bad inputs; ``parse_time`` True: only those a DAG file's parse refuses, False:
    only the literal ones left to run time (see :func:`_refused_at_parse_time`)."""
    return [
        pytest.param(case.values[0], changes, named, id=f"{case.id}-{named[:30]}")
        for case in FAMILIES
        for changes, named in case.values[0].bad_inputs
        if parse_time is None
        or (
            _refused_at_parse_time(changes, named)
            if parse_time
            else _literal_left_to_run_time(changes, named)
        )
    ]


# User data's length counts the task's tag, so it is checked once the task runs; every other
# literal value (one field's rules and the rules over several) already when the DAG is parsed.
def _is_literal(changes: dict[str, Any]) -> bool:
    return not any(is_template(value) for value in changes.values())


def _refused_at_parse_time(changes: dict[str, Any], named: str) -> bool:
    return _is_literal(changes) and not _literal_left_to_run_time(changes, named)


def _literal_left_to_run_time(changes: dict[str, Any], named: str) -> bool:
    return _is_literal(changes) and named == "user_data" and isinstance(changes["user_data"], dict)


@pytest.mark.parametrize(("family", "changes", "named"), _bad_inputs())
def test_bad_input_fails_before_any_submit(
    emulated_ice: IceEmulator,
    family: FamilyCase,
    changes: dict[str, Any],
    named: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Literal bad values are refused when the DAG file is parsed (the next test); the run-time check
    # gets them through templates.
    templated = {
        name: value if value is None or is_template(value) else rendered_at_run_time(value)
        for name, value in changes.items()
    }
    run = run_operator(family, "media_bad", retries=2, retry_delay=timedelta(seconds=0), **templated)

    assert task_states(run) == {"job": "failed"}
    assert task_try_numbers(run) == {"job": 1}  # bad input is not retried
    assert sum(emulated_ice.counters().requests.values()) == 0
    out = capsys.readouterr().out
    assert f"{family.operator.__name__} (task 'job'): invalid parameters: " in out
    assert named in out
    model = family.family.request_class.__name__
    assert f"Invalid {model}: {model}:" not in out  # the model is named once
    assert "ValidationError" not in out  # no pydantic traceback repeating the error above it


@pytest.mark.parametrize(("family", "changes", "named"), _bad_inputs(parse_time=True))
def test_a_literal_bad_input_is_refused_when_the_dag_is_parsed(
    family: FamilyCase, changes: dict[str, Any], named: str
) -> None:
    options: dict[str, Any] = {"task_id": "job", **family.kwargs, **changes}
    with pytest.raises(ValueError, match=f"{family.operator.__name__} 'job': ") as refused:
        family.operator(**options)
    assert named in str(refused.value)


@pytest.mark.parametrize(("family", "changes", "named"), _bad_inputs(parse_time=False))
def test_whole_request_rules_and_tagged_user_data_wait_for_the_run(
    family: FamilyCase, changes: dict[str, Any], named: str
) -> None:
    # test_bad_input_fails_before_any_submit refuses them once the task runs; a parse cannot yet.
    family.operator(**{"task_id": "job", **family.kwargs, **changes})


# ClientToken


@pytest.mark.parametrize("family", TOKEN_FAMILIES)
def test_a_lost_submit_answer_is_resent_and_ice_answers_with_the_same_job(
    emulated_ice: IceEmulator, family: FamilyCase
) -> None:
    emulated_ice.set_faults(scripted=[ScriptedFault(kind="lose_response", action=family.submit_action)])

    run = run_operator(family, "media_lost", retries=0)

    assert task_states(run) == {"job": "success"}
    assert task_try_numbers(run) == {"job": 1}
    assert requests(emulated_ice, family.submit_action) == 2  # the client sent it again...
    assert submits(emulated_ice, family.submit_action) == 1  # ...and ICE made one job
    (record,) = emulated_ice.jobs()
    assert record["SubmitAnswerFault"] == "lose_response"
    assert record["JobId"] == xcom_value(run, "job", "ice_job_id")


@pytest.mark.parametrize("family", TOKEN_FAMILIES)
def test_a_try_after_every_answer_was_lost_resends_the_same_token(
    emulated_ice: IceEmulator, family: FamilyCase, capsys: pytest.CaptureFixture[str]
) -> None:
    # max_retries=1: both attempts of try 1 lose their answer; try 2 sends the stored token again.
    lost = ScriptedFault(kind="lose_response", action=family.submit_action)
    emulated_ice.set_faults(scripted=[lost, lost])

    run = run_operator(family, "media_lost_twice", **FAST_RETRY)

    assert task_states(run) == {"job": "success"}
    assert task_try_numbers(run) == {"job": 2}
    assert requests(emulated_ice, family.submit_action) == 3
    assert submits(emulated_ice, family.submit_action) == 1
    assert "got no answer; sending it again with its ClientToken" in capsys.readouterr().out


@pytest.mark.parametrize("family", NO_TOKEN_FAMILIES)
def test_a_lost_submit_answer_without_client_token_fails_without_retry(
    emulated_ice: IceEmulator, family: FamilyCase, capsys: pytest.CaptureFixture[str]
) -> None:
    emulated_ice.set_faults(scripted=[ScriptedFault(kind="lose_response", action=family.submit_action)])

    run = run_operator(family, "media_lost_unsafe", retries=3, retry_delay=timedelta(seconds=0))

    assert task_states(run) == {"job": "failed"}
    assert task_try_numbers(run) == {"job": 1}  # a retry could pay for a second job
    assert requests(emulated_ice, family.submit_action) == 1
    assert "outcome unknown" in capsys.readouterr().out


UNREADABLE_JOB_IDS = ["no_job_id", "non_string_job_id"]


@pytest.mark.parametrize("variant", UNREADABLE_JOB_IDS)
@pytest.mark.parametrize("family", TOKEN_FAMILIES)
def test_a_submit_answer_without_a_usable_job_id_is_resent_with_its_token(
    emulated_ice: IceEmulator, family: FamilyCase, variant: str
) -> None:
    """The fault takes the job id away where the family's answer holds it (Media convert nests
    it in ``Job``): the answer is unknown, so the client sends the submit again with its token."""
    emulated_ice.set_faults(
        scripted=[{"kind": "unreadable_answer", "action": family.submit_action, "variant": variant}]
    )

    run = run_operator(family, "media_unreadable", retries=0)

    assert task_states(run) == {"job": "success"}
    assert requests(emulated_ice, family.submit_action) == 2  # the answer was unusable: sent again...
    assert submits(emulated_ice, family.submit_action) == 1  # ...and ICE answered with the same job
    (record,) = emulated_ice.jobs()
    assert record["SubmitAnswerFault"] == f"unreadable_answer:{variant}"
    assert record["JobId"] == xcom_value(run, "job", "ice_job_id")


@pytest.mark.parametrize("variant", UNREADABLE_JOB_IDS)
@pytest.mark.parametrize("family", NO_TOKEN_FAMILIES)
def test_a_submit_answer_without_a_usable_job_id_fails_without_retry(
    emulated_ice: IceEmulator, family: FamilyCase, variant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The fault takes the job id away where the family's answer holds it (Media info nests it in
    ``MediaInfoJob``): the job exists but its id was not read, so the task fails without retry."""
    emulated_ice.set_faults(
        scripted=[{"kind": "unreadable_answer", "action": family.submit_action, "variant": variant}]
    )

    run = run_operator(family, "media_unreadable_unsafe", retries=3, retry_delay=timedelta(seconds=0))

    assert task_states(run) == {"job": "failed"}
    assert task_try_numbers(run) == {"job": 1}  # a retry could pay for a second job
    assert requests(emulated_ice, family.submit_action) == 1
    (record,) = emulated_ice.jobs()
    assert record["SubmitAnswerFault"] == f"unreadable_answer:{variant}"
    assert "outcome unknown" in capsys.readouterr().out


# Sensors


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("family", FAMILIES)
def test_sensor_returns_the_parsed_job(
    emulated_ice: IceEmulator, family: FamilyCase, mode: dict[str, Any]
) -> None:
    job_id = family.submit_job()
    dag = new_dag("media_sensor", params={"job_id": job_id})
    with dag:
        family.sensor(task_id="wait", job_id="{{ params.job_id }}", poke_interval=0.1, timeout=20, **mode)

    run = run_dag(dag)

    assert task_states(run) == {"wait": "success"}
    job = xcom_value(run, "wait")
    assert (job["job_id"], job["status"]) == (job_id, family.success_status)
    assert submits(emulated_ice, family.submit_action) == 1  # sensors never submit


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("family", FAMILIES)
def test_sensor_fails_on_a_failed_job_even_with_soft_fail(
    emulated_ice: IceEmulator, family: FamilyCase, mode: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    job_id = family.submit_job(fail=True)
    dag = new_dag("media_sensor_fail")
    with dag:
        family.sensor(task_id="wait", job_id=job_id, poke_interval=0.1, timeout=20, soft_fail=True, **mode)

    run = run_dag(dag)

    assert task_states(run) == {"wait": "failed"}
    assert f"{family.name} job {job_id} failed" in capsys.readouterr().out


@pytest.mark.parametrize("mode", [MODES[0], MODES[2]])
@pytest.mark.parametrize("family", FAMILIES)
def test_sensor_timeout_fails(held_ice: IceEmulator, family: FamilyCase, mode: dict[str, Any]) -> None:
    job_id = family.submit_job()
    dag = new_dag("media_sensor_timeout")
    with dag:
        family.sensor(task_id="wait", job_id=job_id, poke_interval=0.1, timeout=0.5, **mode)

    run = run_dag(dag)

    assert task_states(run) == {"wait": "failed"}


# Triggers


@pytest.mark.parametrize("family", FAMILIES)
async def test_trigger_success_event_carries_the_parsed_job(
    held_ice: IceEmulator, job_clock: ManualClock, family: FamilyCase
) -> None:
    job_id = family.submit_job()
    trigger = family.trigger(job_id=job_id, poll_interval=0.1, deadline=time.time() + 60)

    waiting = asyncio.create_task(_events(trigger))
    await until_while_running(waiting, lambda: reads(held_ice, family) >= 2)
    job_clock.advance(HELD_JOB_SECONDS)
    (payload,) = await asyncio.wait_for(waiting, 30)
    event = JobEvent.from_payload(payload, job_id=job_id)

    assert event.status is JobEventStatus.SUCCESS
    assert event.job is not None
    assert (event.job["job_id"], event.job["status"]) == (job_id, family.success_status)
    assert family.output_url is None or family.output_url(event.job)


@pytest.mark.parametrize("family", FAMILIES)
async def test_trigger_failed_and_timeout_events(
    held_ice: IceEmulator, job_clock: ManualClock, family: FamilyCase
) -> None:
    failing = family.submit_job(fail=True)
    running = family.submit_job()
    job_clock.advance(HELD_JOB_SECONDS)  # both end...
    late = family.submit_job()  # ...but this one, which runs until the test ends

    failed_events, late_events = await asyncio.gather(
        _events(family.trigger(job_id=failing, poll_interval=0.1, deadline=time.time() + 30)),
        _events(family.trigger(job_id=late, poll_interval=0.1, deadline=time.time() + 0.5)),
    )

    failed = JobEvent.from_payload(failed_events[0], job_id=failing)
    assert failed.status is JobEventStatus.FAILED
    assert failed.job is not None
    assert failed.job["status"] == family.failure_status
    assert family.failure_said in failed.message
    assert JobEvent.from_payload(late_events[0], job_id=late).status is JobEventStatus.TIMEOUT
    assert running != late


def recorded_user_data(emulator: IceEmulator, job_id: str) -> str | None:
    """The ``UserData`` the emulator holds for a job: as submitted, or in the job's answer."""
    params = getattr(emulator_record(emulator, job_id), "params", None)
    if params is not None:
        return params.get("UserData")
    (answer,) = [job["Answer"] for job in emulator.jobs() if job["JobId"] == job_id]
    found = answer.get("UserData")
    return found if isinstance(found, str) else None


def reads(emulator: IceEmulator, family: FamilyCase) -> int:
    """Status reads of the family's jobs: each job's own, and the batched or listed reads where ICE
    has them."""
    listed = family.family.list_check
    actions = (family.get_action, family.family.batch_get_action, listed and listed.action)
    return sum(requests(emulator, action) for action in actions if action)


def test_every_declared_family_has_a_case() -> None:
    """A family is declared once; this suite then runs it, given one case of test data."""
    modules = {case.values[0].name for case in FAMILIES if case.values[0].declared is None}
    assert modules == {family.name for family in all_families().values()}


async def _events(trigger: Any) -> list[Any]:
    return [event.payload async for event in trigger.run()]
