"""Media producing (timeline editing) jobs: render a timeline, a template or a project
(Submit/GetMediaProducingJob), with ``ClientToken``. ICE has no cancel action for them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_ice.jobs.durations import VIDEO_REWRITE_SECONDS
from airflow_ice.jobs.family import JobFamily
from airflow_ice.jobs.list_check import ListCheck
from airflow_ice.jobs.media_readers import addresses_in, decoded, member, model_failure_detail
from airflow_ice.lineage.job_lineage import JobMedia, JobOutputs

if TYPE_CHECKING:
    from airflow_ice.models.media_producing_request import MediaProducingJobRequest

# A job renders a timeline: fetch every clip, compose, encode the whole output.
EXPECTED_SECONDS = VIDEO_REWRITE_SECONDS


def _expected_seconds(request: MediaProducingJobRequest) -> float:
    return EXPECTED_SECONDS


def _output_url(job: Mapping[str, Any]) -> str | None:
    url = job.get("media_url")
    return str(url) if url else None


def _outputs(job: Mapping[str, Any]) -> JobOutputs:
    return JobOutputs.of([job.get("media_url")], [job.get("media_id"), job.get("vod_media_id")])


def _inputs(request: Mapping[str, Any]) -> list[JobMedia]:
    return addresses_in(request.get("Timeline"), request.get("ClipsParam"))


def _requested_outputs(request: Mapping[str, Any]) -> list[JobMedia]:
    url = member(decoded(request.get("OutputMediaConfig")), "MediaURL")
    return [JobMedia(url.strip())] if isinstance(url, str) and url.strip() else []


MEDIA_PRODUCING: JobFamily[MediaProducingJobRequest, Any] = JobFamily(
    name="Media producing",
    submit_action="SubmitMediaProducingJob",
    get_action="GetMediaProducingJob",
    request_model="airflow_ice.models.media_producing_request:MediaProducingJobRequest",
    job_model="airflow_ice.models.media_producing_job:MediaProducingJob",
    output_url_of=_output_url,
    outputs_of=_outputs,
    outputs_described="the rendered file, `MediaURL` (its `MediaId` when ICE reports no URL)",
    inputs_of=_inputs,
    inputs_described="the OSS objects named in `Timeline` or `ClipsParam` (the clips' `MediaURL`)",
    requested_outputs_of=_requested_outputs,
    failure_detail_of=model_failure_detail,
    expected_seconds_of=_expected_seconds,
    client_token=True,
    # Its items lack Progress, VodMediaId and Timeline: a finished job is read once with its Get.
    list_check=ListCheck(
        action="ListMediaProducingJobs",
        finished_statuses=("Success", "Failed"),
        # The filter's documented values leave out Queuing, which GetMediaProducingJob reports: asked
        # anyway (a refusal turns the unfinished lists off; a job they miss is read with its Get).
        running_statuses=("Init", "Queuing", "Processing"),
        list_key="MediaProducingJobList",
        start_name="StartTime",
        end_name="EndTime",
        page_size_name="MaxResults",
        page_token_name="NextToken",
        next_token_key="NextToken",
        # "The maximum time range between EndTime and StartTime cannot exceed 30 days" (the SDK).
        max_window_seconds=30 * 24 * 3600.0,
    ),
)
