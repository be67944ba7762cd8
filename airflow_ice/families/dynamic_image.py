"""Animated image jobs: a GIF or WebP preview of a video (Submit/GetDynamicImageJob).
No ``ClientToken`` (a lost submit answer fails the task), no cancel action."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_ice.jobs.durations import VIDEO_ANALYSIS_SECONDS
from airflow_ice.jobs.family import JobFamily
from airflow_ice.jobs.media_readers import model_failure_detail, output_url, request_input, request_output
from airflow_ice.lineage.job_lineage import JobOutputs

if TYPE_CHECKING:
    from airflow_ice.models.dynamic_image_request import DynamicImageJobRequest

# A job decodes the part of the video it animates and encodes a small image from its frames.
EXPECTED_SECONDS = VIDEO_ANALYSIS_SECONDS


def _expected_seconds(request: DynamicImageJobRequest) -> float:
    return EXPECTED_SECONDS


def _outputs(job: Mapping[str, Any]) -> JobOutputs:
    return JobOutputs.of([job.get("output_url")])


DYNAMIC_IMAGE: JobFamily[DynamicImageJobRequest, Any] = JobFamily(
    name="Animated image",
    submit_action="SubmitDynamicImageJob",
    get_action="GetDynamicImageJob",
    request_model="airflow_ice.models.dynamic_image_request:DynamicImageJobRequest",
    job_model="airflow_ice.models.dynamic_image_job:DynamicImageJob",
    output_url_of=output_url,
    outputs_of=_outputs,
    outputs_described="the animated image, `output_url` (ICE's `OutputUrl`)",
    inputs_of=request_input,
    inputs_described="`Input` (an OSS object or a media id)",
    requested_outputs_of=request_output,
    failure_detail_of=model_failure_detail,
    expected_seconds_of=_expected_seconds,
)
