"""IceYikeAIAppJobSensor in poke, reschedule and deferrable modes, run for real against the ICE emulator."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_ice.emulator import IceEmulator
from airflow_ice.hooks.ice import IceHook
from airflow_ice.sensors.yike_ai_app import IceYikeAIAppJobSensor
from tests.support.dags import new_dag, run_dag, task_states, xcom_value

MODES = [
    pytest.param({"mode": "poke"}, id="poke"),
    pytest.param({"mode": "reschedule"}, id="reschedule"),
    pytest.param({"deferrable": True}, id="deferrable"),
]


def submit(prompt: str = "sea") -> str:
    with IceHook() as hook:
        return hook.submit_yike_ai_app_job({"app_id": "app-1", "app_params": {"Prompt": prompt}})


def run_sensor(job_id: str, **kwargs: Any) -> Any:
    # The job id comes in through a templated param, as from a run's conf.
    dag = new_dag("ai_app_sensor", params={"job_id": job_id})
    options: dict[str, Any] = {
        "task_id": "wait",
        "job_id": "{{ params.job_id }}",
        "poke_interval": 0.1,
        "timeout": 20,
    }
    options.update(kwargs)
    with dag:
        IceYikeAIAppJobSensor(**options)
    return run_dag(dag)


@pytest.mark.parametrize("mode", MODES)
def test_sensor_returns_the_parsed_job(emulated_ice: IceEmulator, mode: dict[str, Any]) -> None:
    job_id = submit()

    run = run_sensor(job_id, **mode)

    assert task_states(run) == {"wait": "success"}
    job = xcom_value(run, "wait")
    assert job["job_id"] == job_id
    assert job["status"] == "Finished"
    assert job["app_params"] == {"Prompt": "sea"}
    assert job["video_outputs"]
    assert emulated_ice.counters().jobs_submitted["SubmitYikeAIAppJob"] == 1  # sensors never submit


@pytest.mark.parametrize("mode", MODES)
def test_failed_job_fails_the_sensor_even_with_soft_fail(
    emulated_ice: IceEmulator, mode: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    job_id = submit("fail")

    run = run_sensor(job_id, soft_fail=True, **mode)

    assert task_states(run) == {"wait": "failed"}
    assert f"Yike AI app job {job_id} failed" in capsys.readouterr().out


# Reschedule mode is left out of the timeouts: Airflow 3.1.0's own reschedule timeout check
# crashes (as in tests/unit/sensors/test_sensors.py); its poke logic is covered above.
@pytest.mark.parametrize("emulated_ice", [{"job_seconds": 30}], indirect=True)
@pytest.mark.parametrize("mode", [MODES[0], MODES[2]])
def test_timeout_with_soft_fail_skips(emulated_ice: IceEmulator, mode: dict[str, Any]) -> None:
    job_id = submit()

    run = run_sensor(job_id, soft_fail=True, timeout=0.5, **mode)

    assert task_states(run) == {"wait": "skipped"}


@pytest.mark.parametrize("emulated_ice", [{"job_seconds": 30}], indirect=True)
@pytest.mark.parametrize("mode", [MODES[0], MODES[2]])
def test_timeout_without_soft_fail_fails(emulated_ice: IceEmulator, mode: dict[str, Any]) -> None:
    job_id = submit()

    run = run_sensor(job_id, timeout=0.5, **mode)

    assert task_states(run) == {"wait": "failed"}


@pytest.mark.parametrize("mode", [MODES[0], MODES[2]])
def test_unknown_job_fails_the_sensor(emulated_ice: IceEmulator, mode: dict[str, Any]) -> None:
    run = run_sensor("no-such-job", soft_fail=True, **mode)

    assert task_states(run) == {"wait": "failed"}
