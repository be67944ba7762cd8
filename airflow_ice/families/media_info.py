"""Media info jobs: a file's format and streams (Submit/GetMediaInfoJob). No ``ClientToken``, no
cancel action, no output file (the result is in XCom)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_ice.jobs.durations import AUDIO_ANALYSIS_SECONDS
from airflow_ice.jobs.family import JobFamily
from airflow_ice.jobs.list_check import ListCheck
from airflow_ice.jobs.media_readers import model_failure_detail, no_output_url, no_outputs, request_input

if TYPE_CHECKING:
    from airflow_ice.models.media_info_request import MediaInfoJobRequest

# A job reads the file's headers.
EXPECTED_SECONDS = AUDIO_ANALYSIS_SECONDS


def _expected_seconds(request: MediaInfoJobRequest) -> float:
    return EXPECTED_SECONDS


MEDIA_INFO: JobFamily[MediaInfoJobRequest, Any] = JobFamily(
    name="Media info",
    submit_action="SubmitMediaInfoJob",
    submit_envelope="MediaInfoJob",
    get_action="GetMediaInfoJob",
    request_model="airflow_ice.models.media_info_request:MediaInfoJobRequest",
    job_model="airflow_ice.models.media_info_job:MediaInfoJob",
    output_url_of=no_output_url,
    outputs_of=no_outputs,
    outputs_described="none (the job writes no file; its result is in XCom)",
    inputs_of=request_input,
    inputs_described="`Input` (an OSS object or a media id)",
    failure_detail_of=model_failure_detail,
    expected_seconds_of=_expected_seconds,
    # Its items carry the whole job (MediaInfoProperty too): no Get for a finished job. ICE's media info
    # jobs have no CreateTime; the window filters on the time SubmitTime reports.
    list_check=ListCheck(
        action="ListMediaInfoJobs",
        finished_statuses=("Success", "Fail"),
        list_key="Jobs",
        created_field="submit_time",
        items_complete=True,
    ),
)
