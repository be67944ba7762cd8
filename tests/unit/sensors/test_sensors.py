"""The job sensors in poke, reschedule and deferrable modes, run for real against the ICE emulator."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_ice.emulator import IceEmulator
from airflow_ice.hooks.ice import IceHook
from airflow_ice.sensors.base import IceJobSensor
from airflow_ice.sensors.iproduction import IceIProductionJobSensor
from airflow_ice.sensors.yike_storyboard import IceYikeStoryboardJobSensor
from tests.support.dags import new_dag, run_dag, task_states, xcom_value

MODES = [
    pytest.param({"mode": "poke"}, id="poke"),
    pytest.param({"mode": "reschedule"}, id="reschedule"),
    pytest.param({"deferrable": True}, id="deferrable"),
]


def submit_cover(media: str = "oss://bucket/in/clip.mp4") -> str:
    with IceHook() as hook:
        return hook.submit_iproduction_job(
            {
                "function_name": "Cover",
                "input": {"Type": "OSS", "Media": media},
                "output": {"Type": "OSS", "Media": "oss://bucket/out/"},
            }
        )


def submit_storyboard(file_url: str = "oss://bucket/novel.txt") -> str:
    with IceHook() as hook:
        return hook.submit_yike_storyboard_job(
            {
                "file_url": file_url,
                "source_type": "Novel",
                "shot_split_mode": "firstPersonNarration",
                "style_id": "Cartoon3D",
            }
        )


def run_sensor(sensor_cls: type[IceJobSensor], job_id: str, **kwargs: Any) -> Any:
    # The job id comes in through a templated param, as from a run's conf.
    dag = new_dag("sensor", params={"job_id": job_id})
    options: dict[str, Any] = {
        "task_id": "wait",
        "job_id": "{{ params.job_id }}",
        "poke_interval": 0.1,
        "timeout": 20,
    }
    options.update(kwargs)
    with dag:
        sensor_cls(**options)
    return run_dag(dag)


@pytest.mark.parametrize("mode", MODES)
def test_iproduction_sensor_returns_the_parsed_job(emulated_ice: IceEmulator, mode: dict[str, Any]) -> None:
    job_id = submit_cover()

    run = run_sensor(IceIProductionJobSensor, job_id, **mode)

    assert task_states(run) == {"wait": "success"}
    job = xcom_value(run, "wait")
    assert job["job_id"] == job_id
    assert job["status"] == "Success"
    assert job["result"]["kind"] == "Cover"
    assert emulated_ice.counters().jobs_submitted["SubmitIProductionJob"] == 1  # sensors never submit


@pytest.mark.parametrize("mode", MODES)
def test_yike_sensor_returns_the_parsed_job(emulated_ice: IceEmulator, mode: dict[str, Any]) -> None:
    job_id = submit_storyboard()

    run = run_sensor(IceYikeStoryboardJobSensor, job_id, **mode)

    assert task_states(run) == {"wait": "success"}
    job = xcom_value(run, "wait")
    assert job["job_id"] == job_id
    assert job["output_url"].startswith("https://")


@pytest.mark.parametrize("mode", MODES)
def test_failed_job_fails_the_sensor_even_with_soft_fail(
    emulated_ice: IceEmulator, mode: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    job_id = submit_cover("oss://bucket/in/fail.mp4")

    run = run_sensor(IceIProductionJobSensor, job_id, soft_fail=True, **mode)

    assert task_states(run) == {"wait": "failed"}
    assert f"IProduction job {job_id} failed" in capsys.readouterr().out


# Reschedule mode is left out here: Airflow 3.1.0's own reschedule timeout check crashes
# (datetime minus str in BaseSensorOperator); its poke logic is covered by the tests above.
@pytest.mark.parametrize("emulated_ice", [{"job_seconds": 30}], indirect=True)
@pytest.mark.parametrize("mode", [MODES[0], MODES[2]])
def test_timeout_with_soft_fail_skips(emulated_ice: IceEmulator, mode: dict[str, Any]) -> None:
    job_id = submit_storyboard()

    run = run_sensor(IceYikeStoryboardJobSensor, job_id, soft_fail=True, timeout=0.5, **mode)

    assert task_states(run) == {"wait": "skipped"}


@pytest.mark.parametrize("emulated_ice", [{"job_seconds": 30}], indirect=True)
@pytest.mark.parametrize("mode", [MODES[0], MODES[2]])
def test_timeout_without_soft_fail_fails_and_leaves_the_job_alone(
    emulated_ice: IceEmulator, mode: dict[str, Any]
) -> None:
    job_id = submit_cover()

    run = run_sensor(IceIProductionJobSensor, job_id, timeout=0.5, **mode)

    assert task_states(run) == {"wait": "failed"}
    assert emulated_ice.counters().requests["CancelIProductionJob"] == 0


@pytest.mark.parametrize("mode", [MODES[0], MODES[2]])
def test_unknown_job_fails_the_sensor(emulated_ice: IceEmulator, mode: dict[str, Any]) -> None:
    run = run_sensor(IceIProductionJobSensor, "no-such-job", soft_fail=True, **mode)

    assert task_states(run) == {"wait": "failed"}
