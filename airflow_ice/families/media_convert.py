"""Media convert jobs: transcode and package (Submit/GetMediaConvertJob), with ``ClientToken``.
ICE has no cancel action for them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_ice.jobs.durations import VIDEO_REWRITE_SECONDS
from airflow_ice.jobs.family import JobFamily
from airflow_ice.jobs.list_check import ListCheck
from airflow_ice.jobs.media_readers import (
    decoded,
    first_output_url,
    items,
    media_file,
    member,
    model_failure_detail,
)
from airflow_ice.lineage.job_lineage import JobMedia, JobOutputs

if TYPE_CHECKING:
    from airflow_ice.models.media_convert_request import MediaConvertJobRequest

# A job decodes and re-encodes the whole input.
EXPECTED_SECONDS = VIDEO_REWRITE_SECONDS


def _expected_seconds(request: MediaConvertJobRequest) -> float:
    return EXPECTED_SECONDS


def _outputs(job: Mapping[str, Any]) -> JobOutputs:
    return JobOutputs.of(items(job.get("output_urls")))


def _inputs(request: Mapping[str, Any]) -> list[JobMedia]:
    config = decoded(request.get("Config"))
    return [
        found for item in items(member(config, "Inputs")) for found in media_file(member(item, "InputFile"))
    ]


def _requested_outputs(request: Mapping[str, Any]) -> list[JobMedia]:
    config = decoded(request.get("Config"))
    outputs = items(member(config, "Outputs"))
    outputs += [
        output
        for group in items(member(config, "OutputGroups"))
        for output in items(member(group, "Outputs"))
    ]
    return [found for output in outputs for found in media_file(member(output, "OutputFile"))]


MEDIA_CONVERT: JobFamily[MediaConvertJobRequest, Any] = JobFamily(
    name="Media convert",
    submit_action="SubmitMediaConvertJob",
    submit_envelope="Job",
    get_action="GetMediaConvertJob",
    request_model="airflow_ice.models.media_convert_request:MediaConvertJobRequest",
    job_model="airflow_ice.models.media_convert_job:MediaConvertJob",
    output_url_of=first_output_url,
    outputs_of=_outputs,
    outputs_described="every written file, `output_urls` (single outputs, then the output groups')",
    inputs_of=_inputs,
    inputs_described="every input's `InputFile` (an OSS object or a media id)",
    requested_outputs_of=_requested_outputs,
    failure_detail_of=model_failure_detail,
    expected_seconds_of=_expected_seconds,
    client_token=True,
    # Its items lack OutputDetails and OutputGroupDetails (the files): a finished job is read once
    # with its Get. The filter's values are the SDK's (Inited, Running, Complete, Error): a job
    # Cancelled is found by its Get once it is older than the list window.
    list_check=ListCheck(
        action="ListMediaConvertJobs",
        finished_statuses=("Complete", "Error"),
        running_statuses=("Inited", "Running"),
        list_key="Jobs",
    ),
)
