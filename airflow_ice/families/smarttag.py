"""Smart tagging jobs: labels, faces, OCR, ASR, ... per a template (SubmitSmarttagJob,
QuerySmarttagJob). No ``ClientToken``, no cancel action, no output file (the tags are in XCom)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_ice.jobs.durations import VIDEO_ANALYSIS_SECONDS
from airflow_ice.jobs.family import JobFamily
from airflow_ice.jobs.media_readers import no_output_url, no_outputs, request_input

if TYPE_CHECKING:
    from airflow_ice.models.smarttag_request import SmarttagJobRequest

# A job runs its template's analyses over the whole video.
EXPECTED_SECONDS = VIDEO_ANALYSIS_SECONDS


def _expected_seconds(request: SmarttagJobRequest) -> float:
    return EXPECTED_SECONDS


SMARTTAG: JobFamily[SmarttagJobRequest, Any] = JobFamily(
    name="Smart tagging",
    submit_action="SubmitSmarttagJob",
    get_action="QuerySmarttagJob",
    # ICE's answer does not name the job.
    answer_names_job=False,
    request_model="airflow_ice.models.smarttag_request:SmarttagJobRequest",
    job_model="airflow_ice.models.smarttag_job:SmarttagJob",
    output_url_of=no_output_url,
    outputs_of=no_outputs,
    outputs_described="none (the job writes no file; its tags are in XCom)",
    inputs_of=request_input,
    inputs_described="`Input` (an OSS object or a media id)",
    expected_seconds_of=_expected_seconds,
)
