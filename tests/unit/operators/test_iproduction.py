"""IceIProductionJobOperator run for real (dag.test) against the ICE emulator."""

from __future__ import annotations

import inspect
import json
from datetime import timedelta
from typing import Any

import pytest

from airflow_ice.emulator import IceEmulator, ScriptedFault
from airflow_ice.hooks.ice import IceHook
from airflow_ice.operators.base import IceJobOperator
from airflow_ice.operators.iproduction import IceIProductionJobOperator
from tests.support.dags import (
    FAST_RETRY,
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
from tests.support.worker_kill import HeldJobWaits, held_task

INPUT = {"Type": "OSS", "Media": "oss://bucket/in/clip.mp4"}
OUTPUT = {"Type": "OSS", "Media": "oss://bucket/out/cover/"}


class HeldCover(HeldJobWaits, IceIProductionJobOperator):
    """Killed while it waits in the worker, or waits for its job to finish: see HeldJobWaits."""


def cover_operator(
    operator_class: type[IceIProductionJobOperator] = IceIProductionJobOperator, **kwargs: Any
) -> IceIProductionJobOperator:
    options: dict[str, Any] = {
        "task_id": "cover",
        "function_name": "Cover",
        "input": INPUT,
        "output": OUTPUT,
        "poll_interval": 0.1,
    }
    options.update(kwargs)
    return operator_class(**options)


def run_one(dag_name: str, **kwargs: Any) -> Any:
    dag = new_dag(dag_name)
    with dag:
        cover_operator(**kwargs)
    return run_dag(dag)


def run_held(dag_name: str, job_clock: ManualClock, **kwargs: Any) -> Any:
    """Run HeldCover in the worker against ``held_ice``: try 1 is killed once it waits for its job."""
    return run_one(dag_name, operator_class=HeldCover, **held_task(job_clock), **kwargs)


@pytest.mark.parametrize("deferrable", [True, False], ids=["deferrable", "worker"])
def test_success_returns_parsed_job_and_pushes_id_and_link(
    emulated_ice: IceEmulator, deferrable: bool
) -> None:
    run = run_one("ipr_success", deferrable=deferrable)

    assert task_states(run) == {"cover": "success"}
    job = xcom_value(run, "cover")
    assert job["status"] == "Success"
    assert job["function_name"] == "Cover"
    assert [frame["score"] for frame in job["result"]["covers"]]  # parsed, with scores
    assert job["job_id"] == xcom_value(run, "cover", "ice_job_id")
    assert xcom_value(run, "cover", "ice_job_output_url") == job["output_urls"][0]
    assert submits(emulated_ice) == 1
    tag = json.loads(job["user_data"])["airflow_ice"]
    assert tag["dag"] == run.dag_id
    assert tag["run"] == run.run_id
    assert tag["task"] == "cover"
    assert tag["map"] == -1
    assert len(tag["key"]) == 16


@pytest.mark.parametrize("deferrable", [True, False], ids=["deferrable", "worker"])
def test_failed_job_fails_the_task(
    emulated_ice: IceEmulator, deferrable: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_one("ipr_fail", deferrable=deferrable, input={"Type": "OSS", "Media": "oss://bucket/fail.mp4"})

    assert task_states(run) == {"cover": "failed"}
    assert submits(emulated_ice) == 1
    job_id = xcom_value(run, "cover", "ice_job_id")  # pushed before waiting, kept for the user
    out = capsys.readouterr().out
    assert (
        f"IceJobFailedError: IceIProductionJobOperator (task 'cover'): IProduction job {job_id} failed" in out
    )
    assert "InputMediaInvalid" in out  # what ICE said


def test_templated_json_text_parameters(emulated_ice: IceEmulator) -> None:
    dag = new_dag("ipr_templates", params={"media": "oss://bucket/in/templated.mp4", "poll": 0.1})
    with dag:
        cover_operator(
            input='{"Type": "OSS", "Media": "{{ params.media }}"}',
            job_params='{"Model": "{{ \'gif\' }}"}',
            user_data='{"batch": "{{ dag.dag_id }}"}',
            poll_interval="{{ params.poll }}",
            name="cover of {{ params.media }}",
        )

    run = run_dag(dag)

    assert task_states(run) == {"cover": "success"}
    user_data = json.loads(xcom_value(run, "cover")["user_data"])
    assert user_data["batch"] == dag.dag_id
    assert user_data["airflow_ice"]["task"] == "cover"
    with IceHook() as hook:
        job = hook.query_iproduction_job(xcom_value(run, "cover", "ice_job_id"))
    assert job.input is not None
    assert job.input.media == "oss://bucket/in/templated.mp4"
    assert job.name == "cover of oss://bucket/in/templated.mp4"
    assert job.job_params_decoded == {"Model": "gif"}


def test_wait_for_completion_false_returns_job_id_at_once(held_ice: IceEmulator) -> None:
    run = run_one("ipr_nowait", wait_for_completion=False)

    assert task_states(run) == {"cover": "success"}
    job_id = xcom_value(run, "cover")
    assert isinstance(job_id, str)
    assert job_id == xcom_value(run, "cover", "ice_job_id")
    assert requests(held_ice, "QueryIProductionJob") == 0
    with IceHook() as hook:
        assert not hook.query_iproduction_job(job_id).is_terminal  # still running: nobody waited


def test_each_cover_result_carries_its_absolute_url(emulated_ice: IceEmulator) -> None:
    run = run_one("ipr_cover_urls", output={"Type": "OSS", "Media": "oss://bucket/out/2025-01-01/cover/"})

    assert task_states(run) == {"cover": "success"}
    job = xcom_value(run, "cover")
    covers = job["result"]["covers"]
    assert len(covers) == len(job["output_urls"]) > 1
    for cover in covers:
        assert cover["output_url"] in job["output_urls"]
        assert cover["output_url"].endswith("/out/2025-01-01/cover/" + cover["url"].rsplit("/", 1)[-1])
    assert not any("cover/cover/" in path for path in job["output_files"])


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"input": rendered_at_run_time({"Type": "OSS"})}, "input.media"),
        ({"input": rendered_at_run_time('{"Type": "OSS", "Media": ')}, "input"),
        ({"output": rendered_at_run_time({"Type": "Disk", "Media": "oss://b/o"})}, "output.type"),
        ({"function_name": "{{ 'Covers' }}"}, "function_name"),
        ({"schedule_config": rendered_at_run_time({"Priority": 11})}, "schedule_config.priority"),
        ({"user_data": rendered_at_run_time('["not", "an", "object"]')}, "user_data"),
        ({"user_data": {"note": "x" * 200}}, "user_data"),
        ({"name": rendered_at_run_time("n" * 101)}, "name"),
        ({"poll_interval": "{{ 'soon' }}"}, "poll_interval"),
        ({"job_params": "{{ 'not json' }}"}, "job_params"),
    ],
)
def test_invalid_parameters_fail_before_any_submit(
    emulated_ice: IceEmulator, kwargs: dict[str, Any], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_one("ipr_invalid", retries=2, retry_delay=timedelta(seconds=0), **kwargs)

    assert task_states(run) == {"cover": "failed"}
    assert task_try_numbers(run) == {"cover": 1}  # AirflowFailException: no retry of bad input
    assert submits(emulated_ice) == 0
    assert sum(emulated_ice.counters().requests.values()) == 0
    out = capsys.readouterr().out
    assert "IceIProductionJobOperator (task 'cover'): invalid parameters: " in out
    assert named in out


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"function_name": "Covers"}, "function_name 'Covers' is not an ICE IProduction function"),
        ({"poll_interval": 0}, "poll_interval must be a positive number"),
        ({"timeout": "soon"}, "timeout must be a positive number"),
        ({"wait_for_completion": "maybe"}, "wait_for_completion must be true or false"),
    ],
)
def test_non_templated_values_are_checked_when_the_dag_is_parsed(
    kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        cover_operator(**kwargs)


def test_kill_without_cancel_on_kill_leaves_the_job_running(
    held_ice: IceEmulator, job_clock: ManualClock
) -> None:
    run = run_held("ipr_kill_keep", job_clock, cancel_on_kill=False)

    assert task_states(run) == {"cover": "failed"}
    assert requests(held_ice, "CancelIProductionJob") == 0
    with IceHook() as hook:
        assert not hook.query_iproduction_job(xcom_value(run, "cover", "ice_job_id")).is_terminal


def test_durable_has_the_name_and_default_of_airflow_resumable_jobs() -> None:
    # Users of Airflow 3.3's ResumableJobMixin look for `durable`, on by default.
    ours = inspect.signature(IceJobOperator.__init__).parameters
    assert "reattach_on_retry" not in ours
    assert ours["durable"].default is True
    try:
        from airflow.sdk import ResumableJobMixin
    except ImportError:  # Airflow < 3.3 has no resumable jobs
        return
    assert inspect.signature(ResumableJobMixin.__init__).parameters["durable"].default is True


def test_retry_with_durable_off_submits_again(held_ice: IceEmulator, job_clock: ManualClock) -> None:
    # Try 1's job keeps running (not cancelled), yet try 2 submits its own and waits for that one.
    run = run_held(
        "ipr_no_reattach",
        job_clock,
        cancel_on_kill=False,
        durable=False,
        finish_on_try=2,
        **FAST_RETRY,
    )

    assert task_states(run) == {"cover": "success"}
    assert task_try_numbers(run) == {"cover": 2}
    assert submits(held_ice) == 2


def test_retry_after_a_cancelled_job_submits_a_new_one(held_ice: IceEmulator, job_clock: ManualClock) -> None:
    # Try 1 is killed and cancels its job; the cancelled job is not reattached to.
    run = run_held("ipr_resubmit", job_clock, finish_on_try=2, **FAST_RETRY)

    assert task_states(run) == {"cover": "success"}
    assert task_try_numbers(run) == {"cover": 2}
    assert submits(held_ice) == 2
    assert requests(held_ice, "CancelIProductionJob") == 1


def test_lost_submit_answer_fails_without_retry(
    emulated_ice: IceEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulated_ice.set_faults(scripted=[ScriptedFault(kind="lose_response", action="SubmitIProductionJob")])

    run = run_one("ipr_lost", retries=3, retry_delay=timedelta(seconds=0))

    assert task_states(run) == {"cover": "failed"}
    assert task_try_numbers(run) == {"cover": 1}  # not retried: a retry could pay twice
    assert submits(emulated_ice) == 1  # ICE did create the job
    out = capsys.readouterr().out
    assert "outcome unknown" in out
    assert '"airflow_ice"' in out or "airflow_ice" in out  # the tag to find the job by


class CrashAfterSuccessOnFirstTry(IceIProductionJobOperator):
    """Dies on try 1 after its job succeeded, as a worker lost at the worst moment would."""

    def check_succeeded_job(self, job: Any) -> None:
        from airflow.sdk import get_current_context

        if get_current_context()["ti"].try_number == 1:
            raise RuntimeError("worker lost after the job succeeded")


@pytest.mark.parametrize("deferrable", [True, False], ids=["deferrable", "worker"])
def test_retry_returns_the_earlier_successful_job_as_is(emulated_ice: IceEmulator, deferrable: bool) -> None:
    dag = new_dag("ipr_reuse")
    with dag:
        CrashAfterSuccessOnFirstTry(
            task_id="cover",
            function_name="Cover",
            input=INPUT,
            output=OUTPUT,
            poll_interval=0.1,
            deferrable=deferrable,
            **FAST_RETRY,
        )

    run = run_dag(dag)

    assert task_states(run) == {"cover": "success"}
    assert task_try_numbers(run) == {"cover": 2}
    assert submits(emulated_ice) == 1
    job = xcom_value(run, "cover")
    assert job["status"] == "Success"
    assert job["job_id"] == xcom_value(run, "cover", "ice_job_id")


def test_stored_job_id_is_dropped_once_the_job_succeeded(emulated_ice: IceEmulator) -> None:
    # So clearing a finished task later submits a new job instead of returning the old one.
    run = run_one("ipr_forget")

    assert task_states(run) == {"cover": "success"}
    assert stored_reattach_job_id(run, "cover") is None


def test_stored_job_id_is_kept_while_the_job_may_still_run(
    held_ice: IceEmulator, job_clock: ManualClock
) -> None:
    run = run_held("ipr_keep", job_clock, cancel_on_kill=False)

    assert task_states(run) == {"cover": "failed"}
    assert stored_reattach_job_id(run, "cover") == xcom_value(run, "cover", "ice_job_id")
