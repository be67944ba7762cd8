"""IceBatchMediaProducingJobOperator's own rule, run for real against the ICE emulator: a batch
that finished with failed videos passes only within ``max_failed_videos``, and a retry reuses the
job instead of paying again. What every family does is tests/unit/families/test_every_family.py's."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_ice.emulator import IceEmulator
from airflow_ice.operators.batch_media_producing import IceBatchMediaProducingJobOperator
from tests.support.dags import (
    FAST_RETRY,
    new_dag,
    run_dag,
    submits,
    task_states,
    task_try_numbers,
    xcom_value,
)
from tests.support.family_cases import BATCH_MEDIA_PRODUCING

SUBMIT = "SubmitBatchMediaProducingJob"
# The emulator fails the last video when the MediaURL says "fail" (docs/emulator.md).
ONE_VIDEO_FAILS = {
    "MediaURL": "https://bucket.oss-cn-shanghai.aliyuncs.com/batch/fail_{index}.mp4",
    "Count": 3,
}


def run_batch(dag_name: str, **kwargs: Any) -> Any:
    dag = new_dag(dag_name, default_args=kwargs.pop("default_args", {}))
    with dag:
        IceBatchMediaProducingJobOperator(
            task_id="batch", poll_interval=0.1, **{**BATCH_MEDIA_PRODUCING.kwargs, **kwargs}
        )
    return run_dag(dag)


def test_every_video_is_in_the_result(emulated_ice: IceEmulator) -> None:
    run = run_batch("batch_ok")

    job = xcom_value(run, "batch")
    assert (job["succeeded"], job["failed"]) == (2, 0)
    assert job["output_urls"] == [
        "https://bucket.oss-cn-shanghai.aliyuncs.com/batch/variant_1.mp4",
        "https://bucket.oss-cn-shanghai.aliyuncs.com/batch/variant_2.mp4",
    ]
    assert [video["status"] for video in job["sub_jobs"]] == ["Success", "Success"]


def test_a_failed_video_fails_the_task_and_a_retry_does_not_pay_again(emulated_ice: IceEmulator) -> None:
    run = run_batch("batch_video_failed", output_config=ONE_VIDEO_FAILS, default_args=FAST_RETRY)

    assert task_states(run) == {"batch": "failed"}
    assert task_try_numbers(run) == {"batch": 2}  # retried
    assert submits(emulated_ice, SUBMIT) == 1  # the retry reused the finished job
    assert xcom_value(run, "batch") is None


def test_failed_videos_within_the_allowance_pass(emulated_ice: IceEmulator) -> None:
    run = run_batch("batch_video_allowed", output_config=ONE_VIDEO_FAILS, max_failed_videos=1)

    assert task_states(run) == {"batch": "success"}
    job = xcom_value(run, "batch")
    assert (job["succeeded"], job["failed"]) == (2, 1)
    (failed,) = [video for video in job["sub_jobs"] if video["status"] == "Failed"]
    assert failed["error_code"] == "InvalidParameter.MediaURL"
    assert len(job["output_urls"]) == 2


@pytest.mark.parametrize("allowance", [-1, 1.5, True, "1"])
def test_a_bad_allowance_is_refused_when_the_dag_is_parsed(allowance: Any) -> None:
    with pytest.raises(ValueError, match=r"'batch': max_failed_videos must be a whole number >= 0"):
        IceBatchMediaProducingJobOperator(
            task_id="batch", max_failed_videos=allowance, **BATCH_MEDIA_PRODUCING.kwargs
        )
