"""IceYikeAIAppJobOperator run for real (dag.test) against the ICE emulator, and the example DAG's
AI-app step on the media pipeline's outputs."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_ice.emulator import IceEmulator, ScriptedFault
from airflow_ice.operators.yike_ai_app import IceYikeAIAppJobOperator
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
from tests.support.paths import REPO_ROOT
from tests.support.worker_kill import HeldJobWaits, held_task

SUBMIT = "SubmitYikeAIAppJob"
PRECHECK = "PrecheckYikeAIAppJob"
APP_PARAMS = {"LoadImage.1.TargetImage": "oss://media-bucket/in/face.png", "Prompt": "sunset"}


class HeldAIApp(HeldJobWaits, IceYikeAIAppJobOperator):
    """Killed while it waits in the worker, or waits for its job to finish: see HeldJobWaits."""


def run_ai_app(dag_name: str, **kwargs: Any) -> Any:
    return run_operator(IceYikeAIAppJobOperator, dag_name, kwargs)


def run_held(dag_name: str, job_clock: ManualClock, **kwargs: Any) -> Any:
    """Run HeldAIApp in the worker against ``held_ice``: try 1 is killed once it waits for its job."""
    return run_operator(HeldAIApp, dag_name, {**held_task(job_clock), **kwargs})


def run_operator(operator_class: type[IceYikeAIAppJobOperator], dag_name: str, kwargs: dict[str, Any]) -> Any:
    options: dict[str, Any] = {
        "task_id": "ai_app",
        "app_id": "app-highlights",
        "app_params": APP_PARAMS,
        "poll_interval": 0.1,
    }
    options.update(kwargs)
    dag = new_dag(dag_name, params={"prompt": "sunset"})
    with dag:
        operator_class(**options)
    return run_dag(dag)


@pytest.mark.parametrize("deferrable", [True, False], ids=["deferrable", "worker"])
def test_success_returns_the_parsed_job_and_pushes_the_output_link(
    emulated_ice: IceEmulator, deferrable: bool
) -> None:
    run = run_ai_app("ai_app_ok", deferrable=deferrable, folder_id="folder-1", production_id="prod-1")

    assert task_states(run) == {"ai_app": "success"}
    job = xcom_value(run, "ai_app")
    assert job["status"] == "Finished"
    assert job["app_id"] == "app-highlights"
    assert job["app_params"] == APP_PARAMS
    assert (job["folder_id"], job["production_id"]) == ("folder-1", "prod-1")
    assert job["execution_start_time"] <= job["execution_finish_time"]
    video_url = job["video_outputs"][0]["output_url"]
    assert video_url.startswith("https://media-bucket.oss-cn-shanghai.aliyuncs.com/")
    assert job["output_urls"][0] == video_url
    assert xcom_value(run, "ai_app", "ice_job_output_url") == video_url
    assert xcom_value(run, "ai_app", "ice_job_id") == job["job_id"]
    assert submits(emulated_ice, SUBMIT) == 1
    assert requests(emulated_ice, PRECHECK) == 0  # precheck is off by default
    record = emulator_record(emulated_ice, job["job_id"])
    assert (record.folder_id, record.production_id) == ("folder-1", "prod-1")


def test_templated_parameters_are_rendered(emulated_ice: IceEmulator) -> None:
    run = run_ai_app(
        "ai_app_template",
        app_id="{{ 'app-' ~ 'rendered' }}",
        app_params='{"Prompt": "{{ params.prompt }}"}',
        precheck="{{ 'true' }}",
    )

    assert task_states(run) == {"ai_app": "success"}
    job = xcom_value(run, "ai_app")
    assert (job["app_id"], job["app_params"]) == ("app-rendered", {"Prompt": "sunset"})
    assert requests(emulated_ice, PRECHECK) == 1


def test_failed_job_fails_the_task(emulated_ice: IceEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    run = run_ai_app("ai_app_fail", app_params={"Prompt": "fail"}, deferrable=True)

    assert task_states(run) == {"ai_app": "failed"}
    job_id = xcom_value(run, "ai_app", "ice_job_id")
    assert f"Yike AI app job {job_id} failed" in capsys.readouterr().out


def test_precheck_passes_then_submits(emulated_ice: IceEmulator) -> None:
    run = run_ai_app("ai_app_precheck_ok", precheck=True)

    assert task_states(run) == {"ai_app": "success"}
    counters = emulated_ice.counters()
    assert (counters.requests[PRECHECK], counters.jobs_submitted[SUBMIT]) == (1, 1)


def test_rejected_precheck_fails_at_once_and_pays_nothing(
    emulated_ice: IceEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_ai_app(
        "ai_app_precheck_bad",
        precheck=True,
        app_params={"Prompt": "ok", "LoadImage.1.TargetImage": "invalid.png"},
        **FAST_RETRY,
    )

    assert task_states(run) == {"ai_app": "failed"}
    assert task_try_numbers(run) == {"ai_app": 1}  # no retry: the parameters will not get better
    assert submits(emulated_ice, SUBMIT) == 0
    out = capsys.readouterr().out
    assert "the precheck of AppId 'app-highlights' failed" in out
    assert "LoadImage.1.TargetImage: InvalidValue" in out
    assert "Nothing was submitted" in out


def test_retry_reattaches_to_the_running_job_without_a_new_precheck(
    held_ice: IceEmulator, job_clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    # Try 1 is killed while the job runs; try 2 reattaches to the job, still running, and waits for it.
    run = run_held("ai_app_reattach", job_clock, precheck=True, finish_on_try=2, **FAST_RETRY)

    assert task_states(run) == {"ai_app": "success"}
    assert task_try_numbers(run) == {"ai_app": 2}
    counters = held_ice.counters()
    assert (counters.jobs_submitted[SUBMIT], counters.requests[PRECHECK]) == (1, 1)
    job_id = xcom_value(run, "ai_app")["job_id"]
    assert f"Reattaching to Yike AI app job {job_id} submitted by an earlier try" in capsys.readouterr().out


def test_lost_submit_answer_fails_without_retry_and_says_what_to_look_for(
    emulated_ice: IceEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulated_ice.set_faults(scripted=[ScriptedFault(kind="lose_response", action=SUBMIT)])

    run = run_ai_app("ai_app_lost", folder_id="folder-9", **FAST_RETRY)

    assert task_states(run) == {"ai_app": "failed"}
    assert task_try_numbers(run) == {"ai_app": 1}
    assert submits(emulated_ice, SUBMIT) == 1  # ICE did create it: a retry would have paid twice
    out = capsys.readouterr().out
    assert "SubmitYikeAIAppJob: outcome unknown, its answer was lost" in out
    assert "AI-app jobs carry no tag" in out
    assert "AppId 'app-highlights', FolderId 'folder-9' created around" in out
    assert "UserData None" not in out


def test_wait_for_completion_false(emulated_ice: IceEmulator) -> None:
    run = run_ai_app("ai_app_nowait", wait_for_completion=False)

    assert task_states(run) == {"ai_app": "success"}
    assert xcom_value(run, "ai_app") == xcom_value(run, "ai_app", "ice_job_id")
    assert requests(emulated_ice, "GetYikeAIAppJob") == 0


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"app_id": "{{ '  ' }}"}, "app_id"),
        ({"app_params": rendered_at_run_time("[1, 2]")}, "app_params"),
        ({"app_params": rendered_at_run_time("{not json")}, "app_params"),
        ({"precheck": "{{ 'perhaps' }}"}, "precheck"),
    ],
)
def test_invalid_parameters_fail_before_any_call(
    emulated_ice: IceEmulator, kwargs: dict[str, Any], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # With precheck on, to show that not even the free precheck is called.
    run = run_ai_app("ai_app_invalid", **{"precheck": True, **kwargs})

    assert task_states(run) == {"ai_app": "failed"}
    assert sum(emulated_ice.counters().requests.values()) == 0
    out = capsys.readouterr().out
    assert "invalid parameters" in out
    assert named in out


def test_parse_time_checks() -> None:
    with pytest.raises(ValueError, match="precheck must be true or false"):
        IceYikeAIAppJobOperator(task_id="t", app_id="a", precheck="sometimes")
    with pytest.raises(ValueError, match="poll_interval"):
        IceYikeAIAppJobOperator(task_id="t", app_id="a", poll_interval=0)


# The example DAG's last step: an AI app on the media pipeline's outputs.

EXAMPLE_DAGS = REPO_ROOT / "example_dags"


@pytest.mark.parametrize("emulated_ice", [{"job_seconds": 0.3}], indirect=True)
def test_media_pipeline_runs_an_ai_app_on_its_outputs(emulated_ice: IceEmulator) -> None:
    from tests.examples.test_example_dags import dag_bag

    bag = dag_bag()
    assert bag.import_errors == {}
    videos = ["oss://bucket/in/talk.mp4"]

    run = run_dag(
        bag.dags["example_ice_media_pipeline"],
        run_conf={"poll_interval": 0.1, "videos": videos, "ai_app_id": "app-reels"},
    )

    assert task_states(run)["highlight_reel[0]"] == "success"
    summary = xcom_value(run, "summarize")[0]
    reel = xcom_value(run, "highlight_reel", map_index=0)
    assert reel["app_id"] == "app-reels"
    assert reel["app_params"] == {
        "Title": "talk",
        "SummaryVideos": summary["summary_files"],
        "Cover": summary["best_cover"]["url"],
        "Subtitles": summary["caption_files"],
    }
    # The app's outputs land in the pipeline's bucket; its parameters were prechecked first.
    assert reel["output_urls"][0].split("/")[2] == summary["summary_files"][0].split("/")[2]
    assert emulated_ice.counters().requests[PRECHECK] == 1
