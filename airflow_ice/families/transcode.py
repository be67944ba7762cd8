"""Transcode jobs: input and output groups, one sub-job per output group (Submit/GetTranscodeJob),
with ``ClientToken``. ICE names the job ``ParentJobId``; it has no cancel action for these jobs."""

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
    from airflow_ice.models.transcode_request import TranscodeJobRequest

# A job decodes and re-encodes the whole input.
EXPECTED_SECONDS = VIDEO_REWRITE_SECONDS


def _expected_seconds(request: TranscodeJobRequest) -> float:
    return EXPECTED_SECONDS


def _outputs(job: Mapping[str, Any]) -> JobOutputs:
    return JobOutputs.of(items(job.get("output_urls")), items(job.get("output_media_ids")))


def _inputs(request: Mapping[str, Any]) -> list[JobMedia]:
    return [found for item in items(decoded(request.get("InputGroup"))) for found in media_file(item)]


def _requested_outputs(request: Mapping[str, Any]) -> list[JobMedia]:
    groups = items(decoded(request.get("OutputGroup")))
    return [found for group in groups for found in media_file(member(group, "Output"))]


TRANSCODE: JobFamily[TranscodeJobRequest, Any] = JobFamily(
    name="Transcode",
    submit_action="SubmitTranscodeJob",
    submit_envelope="TranscodeParentJob",
    job_id_name="ParentJobId",
    get_action="GetTranscodeJob",
    request_model="airflow_ice.models.transcode_request:TranscodeJobRequest",
    job_model="airflow_ice.models.transcode_job:TranscodeJob",
    output_url_of=first_output_url,
    outputs_of=_outputs,
    outputs_described=(
        "every file written, `output_urls` (each successful sub-job's `OutFileMeta.FileBasicInfo.FileUrl`, "
        "else its `Output.Media`), and `output_media_ids` (outputs to a media asset)"
    ),
    inputs_of=_inputs,
    inputs_described="every `InputGroup` item (an OSS object or a media id)",
    requested_outputs_of=_requested_outputs,
    failure_detail_of=model_failure_detail,
    expected_seconds_of=_expected_seconds,
    client_token=True,
    # Its items lack the sub-jobs (TranscodeJobList, the files): a finished job is read once with its Get.
    # No running_statuses: the filter documents Init only, and its jobs spend their run Processing.
    list_check=ListCheck(action="ListTranscodeJobs", finished_statuses=("Success", "Fail"), list_key="Jobs"),
)
