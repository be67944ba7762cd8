"""Batch media producing jobs: many videos from one set of materials, scripts or templates
("mass production", Submit/GetBatchMediaProducingJob), with ``ClientToken``. ICE has no cancel
action for them; the result is every video's status, file and error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_ice.jobs.durations import VIDEO_REWRITE_SECONDS
from airflow_ice.jobs.family import JobFamily
from airflow_ice.jobs.list_check import ListCheck
from airflow_ice.jobs.media_readers import addresses_in, first_output_url, model_failure_detail
from airflow_ice.lineage.job_lineage import JobMedia, JobOutputs

if TYPE_CHECKING:
    from airflow_ice.models.batch_media_producing_request import BatchMediaProducingJobRequest

# A job renders several videos, each a timeline of its own: no sooner than one render.
EXPECTED_SECONDS = VIDEO_REWRITE_SECONDS


def _expected_seconds(request: BatchMediaProducingJobRequest) -> float:
    return EXPECTED_SECONDS


def _outputs(job: Mapping[str, Any]) -> JobOutputs:
    videos = [video for video in job.get("sub_jobs") or [] if isinstance(video, Mapping)]
    made = [video for video in videos if video.get("status") == "Success"]
    return JobOutputs.of(
        [video.get("media_url") for video in made], [video.get("media_id") for video in made]
    )


def _inputs(request: Mapping[str, Any]) -> list[JobMedia]:
    return addresses_in(request.get("InputConfig"))


BATCH_MEDIA_PRODUCING: JobFamily[BatchMediaProducingJobRequest, Any] = JobFamily(
    name="Batch media producing",
    submit_action="SubmitBatchMediaProducingJob",
    get_action="GetBatchMediaProducingJob",
    request_model="airflow_ice.models.batch_media_producing_request:BatchMediaProducingJobRequest",
    job_model="airflow_ice.models.batch_media_producing_job:BatchMediaProducingJob",
    output_url_of=first_output_url,
    outputs_of=_outputs,
    outputs_described="every video made, each sub-job's `MediaURL` (its `MediaId` when ICE reports no URL)",
    inputs_of=_inputs,
    inputs_described="the OSS objects named in `InputConfig` (the materials)",
    failure_detail_of=model_failure_detail,
    expected_seconds_of=_expected_seconds,
    client_token=True,
    # Its items lack the videos (SubJobList) and ExtendOutput: a finished job is read once with its Get.
    list_check=ListCheck(
        action="ListBatchMediaProducingJobs",
        finished_statuses=("Finished", "Failed"),
        running_statuses=("Init", "Processing"),
        list_key="EditingBatchJobList",
        start_name="StartTime",
        end_name="EndTime",
        page_size_name="MaxResults",
        page_token_name="NextToken",
        next_token_key="NextToken",
    ),
)
