"""Speech recognition (speech to text) jobs: SubmitASRJob, read by GetSmartHandleJob (ICE's read of
its smart jobs). No ``ClientToken`` (a lost submit answer fails the task), no cancel action; the
sentences are in the answer, not in a file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_ice.jobs.durations import AUDIO_ANALYSIS_SECONDS
from airflow_ice.jobs.family import JobFamily
from airflow_ice.jobs.media_readers import model_failure_detail, no_output_url, no_outputs
from airflow_ice.lineage.job_lineage import JobMedia

if TYPE_CHECKING:
    from airflow_ice.models.asr_request import AsrJobRequest

# A job listens to the whole (or the chosen part of the) track.
EXPECTED_SECONDS = AUDIO_ANALYSIS_SECONDS


def _expected_seconds(request: AsrJobRequest) -> float:
    return EXPECTED_SECONDS


def input_file(request: Mapping[str, Any]) -> list[JobMedia]:
    """``InputFile``: an OSS address, or else a media id of the content library."""
    value = request.get("InputFile")
    if not isinstance(value, str) or not value.strip():
        return []
    value = value.strip()
    return [JobMedia(value, "OSS" if value.startswith(("oss://", "https://", "http://")) else "Media")]


ASR: JobFamily[AsrJobRequest, Any] = JobFamily(
    name="Speech recognition",
    submit_action="SubmitASRJob",
    get_action="GetSmartHandleJob",
    request_model="airflow_ice.models.asr_request:AsrJobRequest",
    job_model="airflow_ice.models.smart_handle_job:SmartHandleJob",
    output_url_of=no_output_url,
    outputs_of=no_outputs,
    outputs_described="none (the sentences are in XCom's `ai_result`)",
    inputs_of=input_file,
    inputs_described="`InputFile` (an OSS object or a media id)",
    failure_detail_of=model_failure_detail,
    expected_seconds_of=_expected_seconds,
)
