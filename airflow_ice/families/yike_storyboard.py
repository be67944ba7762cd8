"""Yike storyboard jobs: a novel or script into a narrated video (Submit/Get/ResumeYikeStoryboardJob).
ICE has no cancel action for them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_ice.jobs.family import JobFamily
from airflow_ice.jobs.media_readers import output_url
from airflow_ice.lineage.job_lineage import JobMedia, JobOutputs

if TYPE_CHECKING:
    from airflow_ice.models.yike_storyboard_request import YikeStoryboardJobRequest

# A storyboard job writes a script from a novel, then generates and narrates every shot.
EXPECTED_SECONDS = 120.0


def _expected_seconds(request: YikeStoryboardJobRequest) -> float:
    return EXPECTED_SECONDS


def _outputs(job: Mapping[str, Any]) -> JobOutputs:
    return JobOutputs.of([job.get("output_url")])


def _inputs(request: Mapping[str, Any]) -> list[JobMedia]:
    return [JobMedia(str(request["FileURL"]))] if request.get("FileURL") else []


def _failure_detail(job: Any) -> str:
    # A failed storyboard job says what went wrong only in its failed shots' error codes.
    result = getattr(job, "job_result", None)
    shots = getattr(result, "failure_shot_list", None) or []
    codes = sorted({shot.error_code for shot in shots if shot.error_code})
    return f"failed shots: {len(shots)} ({', '.join(codes)})" if shots else ""


YIKE_STORYBOARD: JobFamily[YikeStoryboardJobRequest, Any] = JobFamily(
    name="Yike storyboard",
    submit_action="SubmitYikeStoryboardJob",
    get_action="GetYikeStoryboardJob",
    request_model="airflow_ice.models.yike_storyboard_request:YikeStoryboardJobRequest",
    job_model="airflow_ice.models.yike_storyboard_job:YikeStoryboardJob",
    output_url_of=output_url,
    outputs_of=_outputs,
    outputs_described="the video's `OutputUrl`",
    inputs_of=_inputs,
    inputs_described="`FileURL`, the source text",
    failure_detail_of=_failure_detail,
    expected_seconds_of=_expected_seconds,
)
