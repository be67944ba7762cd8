"""IceYikeStoryboardJobOperator run for real (dag.test) against the ICE emulator."""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_ice.emulator import IceEmulator
from airflow_ice.operators.yike_storyboard import IceYikeStoryboardJobOperator
from tests.support.dags import (
    FAST_RETRY,
    emulator_record,
    new_dag,
    rendered_at_run_time,
    requests,
    run_dag,
    submits,
    task_states,
    task_try_numbers,
    xcom_value,
)
from tests.support.emulator import ManualClock
from tests.support.worker_kill import HeldJobWaits, held_task

SUBMIT = "SubmitYikeStoryboardJob"


class HeldStoryboard(HeldJobWaits, IceYikeStoryboardJobOperator):
    """Killed while it waits in the worker, or waits for its job to finish: see HeldJobWaits."""


def run_storyboard(dag_name: str, **kwargs: Any) -> Any:
    return run_operator(IceYikeStoryboardJobOperator, dag_name, kwargs)


def run_held(dag_name: str, job_clock: ManualClock, **kwargs: Any) -> Any:
    """Run HeldStoryboard in the worker against ``held_ice``: try 1 is killed once it waits for its job."""
    return run_operator(HeldStoryboard, dag_name, {**held_task(job_clock), **kwargs})


def run_operator(
    operator_class: type[IceYikeStoryboardJobOperator], dag_name: str, kwargs: dict[str, Any]
) -> Any:
    options: dict[str, Any] = {
        "task_id": "storyboard",
        "file_url": "oss://bucket/novels/chapter-1.txt",
        "source_type": "Novel",
        "shot_split_mode": "firstPersonNarration",
        "style_id": "Ghibli",
        "title": "Chapter 1",
        "aspect_ratio": "9:16",
        "resolution": "1080P",
        "model_params": {"AudioEnable": False},
        "exec_mode": "FullPipeline",
        "poll_interval": 0.1,
    }
    options.update(kwargs)
    dag = new_dag(dag_name)
    with dag:
        operator_class(**options)
    return run_dag(dag)


@pytest.mark.parametrize("deferrable", [True, False], ids=["deferrable", "worker"])
def test_success_returns_output_url_and_storyboards(emulated_ice: IceEmulator, deferrable: bool) -> None:
    run = run_storyboard(
        "yike_ok", deferrable=deferrable, user_data={"NotifyAddress": "https://example.com/hook"}
    )

    assert task_states(run) == {"storyboard": "success"}
    job = xcom_value(run, "storyboard")
    assert job["status"] == "Succeeded"
    assert job["title"] == "Chapter 1"
    assert job["output_url"].startswith("https://")
    assert job["success_storyboard_list"]
    assert job["failure_shot_list"] == []
    assert job["exception_storyboard_ids"] == []
    assert xcom_value(run, "storyboard", "ice_job_output_url") == job["output_url"]
    assert xcom_value(run, "storyboard", "ice_job_id") == job["job_id"]
    assert submits(emulated_ice, SUBMIT) == 1


def test_failed_job_fails_the_task(emulated_ice: IceEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    run = run_storyboard("yike_fail", file_url="oss://bucket/novels/fail.txt", deferrable=True)

    assert task_states(run) == {"storyboard": "failed"}
    job_id = xcom_value(run, "storyboard", "ice_job_id")
    assert f"Yike storyboard job {job_id} failed" in capsys.readouterr().out


def test_partial_success_succeeds_with_a_warning(
    emulated_ice: IceEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_storyboard("yike_partial", file_url="oss://bucket/novels/partial.txt")

    assert task_states(run) == {"storyboard": "success"}
    job = xcom_value(run, "storyboard")
    assert job["failure_shot_list"]
    assert job["exception_storyboard_ids"]
    out = capsys.readouterr().out
    assert (
        f"Yike storyboard job {job['job_id']} succeeded with {len(job['failure_shot_list'])} failed shot(s)"
        in out
    )
    assert job["exception_storyboard_ids"][0] in out


def test_partial_success_fails_with_fail_on_failed_shots_and_retry_does_not_pay_again(
    emulated_ice: IceEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_storyboard(
        "yike_partial_strict",
        file_url="oss://bucket/novels/partial.txt",
        fail_on_failed_shots=True,
        **FAST_RETRY,
    )

    assert task_states(run) == {"storyboard": "failed"}
    assert task_try_numbers(run) == {"storyboard": 2}
    # ICE calls the job succeeded: the retry reuses it (and fails the same way) instead of paying again.
    assert submits(emulated_ice, SUBMIT) == 1
    out = capsys.readouterr().out
    assert "failing because fail_on_failed_shots=True" in out
    # Named like every other failure of the operator.
    assert "IceYikeStoryboardJobOperator (task 'storyboard'): Yike storyboard job " in out


def test_wait_for_completion_false(emulated_ice: IceEmulator) -> None:
    run = run_storyboard("yike_nowait", wait_for_completion=False)

    assert task_states(run) == {"storyboard": "success"}
    assert xcom_value(run, "storyboard") == xcom_value(run, "storyboard", "ice_job_id")
    assert requests(emulated_ice, "GetYikeStoryboardJob") == 0


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"aspect_ratio": rendered_at_run_time("1:1")}, "aspect_ratio"),
        ({"resolution": rendered_at_run_time("8K")}, "resolution"),
        ({"title": rendered_at_run_time("題" * 50)}, "title"),
        ({"model_params": rendered_at_run_time("{not json")}, "model_params"),
        ({"fail_on_failed_shots": "{{ 'perhaps' }}"}, "fail_on_failed_shots"),
        ({"user_data": {"NotifyAddress": "https://example.com/" + "x" * 200}}, "user_data"),
    ],
)
def test_invalid_parameters_fail_before_any_submit(
    emulated_ice: IceEmulator, kwargs: dict[str, Any], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_storyboard("yike_invalid", **kwargs)

    assert task_states(run) == {"storyboard": "failed"}
    assert sum(emulated_ice.counters().requests.values()) == 0
    out = capsys.readouterr().out
    assert "invalid parameters" in out
    assert named in out


def test_user_data_is_kept_and_tagged(emulated_ice: IceEmulator) -> None:
    run = run_storyboard("yike_tag", user_data='{"NotifyAddress": "https://example.com/hook"}')

    job_id = xcom_value(run, "storyboard", "ice_job_id")
    # GetYikeStoryboardJob does not return UserData: read what the emulator received.
    received = emulator_record(emulated_ice, job_id).user_data
    user_data = json.loads(received)
    assert user_data["NotifyAddress"] == "https://example.com/hook"
    assert user_data["airflow_ice"]["task"] == "storyboard"
    assert len(received) <= 256
