"""What a task does with each outcome of its calls: unknown submits and refused credentials fail
without Airflow retries, and a job cancelled on timeout is forgotten (dag.test, real HTTP)."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any, ClassVar, NoReturn

import pytest

from airflow_ice.emulator import IceEmulator
from airflow_ice.hooks.ice import IceHook
from airflow_ice.operators.iproduction import IceIProductionJobOperator
from airflow_ice.sensors.iproduction import IceIProductionJobSensor
from tests.support.dags import (
    new_dag,
    requests,
    run_dag,
    stored_reattach_job_id,
    submits,
    task_states,
    task_try_numbers,
    xcom_value,
)
from tests.support.misbehaving_ice import MisbehavingIce, answer
from tests.unit.hooks.test_ice import set_connection
from tests.unit.operators.test_iproduction import run_one

RETRIES = {"retries": 3, "retry_delay": timedelta(seconds=0)}


def wrong_secret(monkeypatch: pytest.MonkeyPatch, emulator: IceEmulator) -> None:
    conn = json.loads(emulator.connection_json(max_retries=1))
    conn["password"] = "not-the-secret"
    monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", json.dumps(conn))


@pytest.mark.parametrize("deferrable", [True, False], ids=["deferrable", "worker"])
def test_an_unreadable_submit_answer_fails_the_task_once_naming_its_tag(
    misbehaving_ice: MisbehavingIce,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    deferrable: bool,
) -> None:
    # A 200 whose body was cut: ICE may well have created the job.
    misbehaving_ice.serve(answer(200, b'{"RequestId": "r", "JobId": '))
    set_connection(monkeypatch, misbehaving_ice.url, max_retries=3)
    run = run_one("lifecycle_unreadable", deferrable=deferrable, **RETRIES)

    assert task_states(run) == {"cover": "failed"}
    assert task_try_numbers(run) == {"cover": 1}  # Airflow did not retry it
    assert len(misbehaving_ice.received) == 1  # and the hook did not resend it
    out = capsys.readouterr().out
    assert "outcome unknown" in out
    assert run.run_id in out  # the UserData tag names the task instance


@pytest.mark.parametrize("deferrable", [True, False], ids=["deferrable", "worker"])
def test_refused_credentials_fail_the_task_without_retry(
    emulated_ice: IceEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    deferrable: bool,
) -> None:
    wrong_secret(monkeypatch, emulated_ice)
    run = run_one("lifecycle_auth", deferrable=deferrable, **RETRIES)

    assert task_states(run) == {"cover": "failed"}
    assert task_try_numbers(run) == {"cover": 1}
    assert submits(emulated_ice) == 0
    assert "failed without retry" in capsys.readouterr().out


def test_refused_credentials_while_deferred_fail_without_retry(
    emulated_ice: IceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The job exists; the credentials stop working while the trigger waits (a rotated key).
    with IceHook() as hook:
        job_id = hook.submit_iproduction_job(
            {
                "function_name": "Cover",
                "input": {"Type": "OSS", "Media": "oss://bucket/in/clip.mp4"},
                "output": {"Type": "OSS", "Media": "oss://bucket/out/"},
            }
        )
    wrong_secret(monkeypatch, emulated_ice)
    dag = new_dag("lifecycle_auth_sensor")
    with dag:
        IceIProductionJobSensor(task_id="wait", job_id=job_id, deferrable=True, poke_interval=0.1, **RETRIES)
    run = run_dag(dag)

    assert task_states(run) == {"wait": "failed"}
    assert task_try_numbers(run) == {"wait": 1}


@pytest.mark.parametrize("deferrable", [True, False], ids=["deferrable", "worker"])
def test_a_job_cancelled_on_timeout_is_forgotten(held_ice: IceEmulator, deferrable: bool) -> None:
    # The job runs until cancelled (held_ice); once cancelled, a retry must not reattach to it.
    run = run_one("lifecycle_timeout", deferrable=deferrable, timeout=0.5)

    assert task_states(run) == {"cover": "failed"}
    assert requests(held_ice, "CancelIProductionJob") == 1
    assert xcom_value(run, "cover", "ice_job_id")
    assert stored_reattach_job_id(run, "cover") is None


def test_a_timeout_whose_cancel_failed_keeps_the_job_for_the_retry(
    held_ice: IceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Cancels fail: the job may still run, so the retry reattaches instead of paying again.
    held_ice.set_faults(drop_actions=["CancelIProductionJob"], drop_rate=1.0)
    run = run_one("lifecycle_cancel_failed", deferrable=False, timeout=0.5)

    assert task_states(run) == {"cover": "failed"}
    stored: Any = stored_reattach_job_id(run, "cover")
    assert stored == xcom_value(run, "cover", "ice_job_id")


class DeadlineFiresAtOnce(IceIProductionJobOperator):
    """Records the trigger's deadline when it defers, then moves that deadline to now, as if it had
    passed: the wait ends by its deadline without the test waiting for the wall clock."""

    deferrals: ClassVar[list[dict[str, Any]]] = []

    def defer(self, *, trigger: Any, method_name: str, kwargs: Any = None, timeout: Any = None) -> NoReturn:
        from airflow.sdk import get_current_context

        self.deferrals.append(
            {
                "deadline": trigger.deadline,
                "started": get_current_context()["ti"].start_date.timestamp(),
                "deferred_at": time.time(),
                "defer_timeout": timeout,
            }
        )
        trigger.deadline = time.time()
        super().defer(trigger=trigger, method_name=method_name, kwargs=kwargs, timeout=timeout)


def test_a_deferred_wait_ends_at_the_execution_timeout_and_cancels_the_job(
    held_ice: IceEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    # execution_timeout (60 s) ends before timeout (1 h): Airflow does not apply it to a deferral,
    # so the trigger's deadline must, and the job is cancelled when it passes.
    DeadlineFiresAtOnce.deferrals.clear()
    run = run_one(
        "lifecycle_exec_timeout",
        operator_class=DeadlineFiresAtOnce,
        deferrable=True,
        timeout=3600,
        execution_timeout=timedelta(seconds=60),
    )

    [deferral] = DeadlineFiresAtOnce.deferrals
    assert deferral["deadline"] == deferral["started"] + 60  # absolute: the try's start + execution_timeout
    # Airflow's own deferral timeout comes after the trigger's deadline (so the task can cancel).
    assert timedelta(seconds=300) < deferral["defer_timeout"] <= timedelta(seconds=60 + 300)
    assert task_states(run) == {"cover": "failed"}
    assert requests(held_ice, "CancelIProductionJob") == 1
    job_id = xcom_value(run, "cover", "ice_job_id")
    with IceHook() as hook:
        assert hook.query_iproduction_job(job_id).status_text == "Fail"
    out = capsys.readouterr().out
    assert f"IProduction job {job_id} did not finish within its deadline" in out
    assert "execution_timeout=60s" in out
    assert "the job was cancelled" in out


def test_a_deferred_wait_keeps_its_timeout_when_that_ends_first(held_ice: IceEmulator) -> None:
    DeadlineFiresAtOnce.deferrals.clear()
    run = run_one(
        "lifecycle_own_timeout",
        operator_class=DeadlineFiresAtOnce,
        deferrable=True,
        timeout=60,
        execution_timeout=timedelta(hours=1),
    )

    [deferral] = DeadlineFiresAtOnce.deferrals
    # timeout counts from the check just before deferring: after the start, before the deferral.
    assert deferral["started"] + 60 <= deferral["deadline"] <= deferral["deferred_at"] + 60
    assert task_states(run) == {"cover": "failed"}
    assert requests(held_ice, "CancelIProductionJob") == 1
