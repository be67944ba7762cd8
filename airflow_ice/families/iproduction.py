"""IProduction jobs: covers, clips, captions, logo and subtitle removal, audio demixing, quality
checks, ... one ``FunctionName`` each (Submit/Query/CancelIProductionJob)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_ice.jobs.durations import (
    AUDIO_ANALYSIS_SECONDS,
    AUDIO_PROCESSING_SECONDS,
    VIDEO_ANALYSIS_SECONDS,
    VIDEO_REWRITE_SECONDS,
)
from airflow_ice.jobs.family import JobFamily
from airflow_ice.jobs.media_readers import first_output_url, items, request_input, request_output
from airflow_ice.lineage.job_lineage import JobOutputs

if TYPE_CHECKING:
    from airflow_ice.models.iproduction_request import IProductionJobRequest

EXPECTED_SECONDS: Mapping[str, float] = {
    "AudioBeatDetection": AUDIO_ANALYSIS_SECONDS,
    "AudioQualityAssessment": AUDIO_ANALYSIS_SECONDS,
    "MusicSegmentDetect": AUDIO_ANALYSIS_SECONDS,
    "SpeechDenoise": AUDIO_PROCESSING_SECONDS,
    "AudioMixing": AUDIO_PROCESSING_SECONDS,
    "MusicDemix": AUDIO_PROCESSING_SECONDS,
    "Cover": VIDEO_ANALYSIS_SECONDS,
    "VideoClip": VIDEO_ANALYSIS_SECONDS,
    "CaptionExtraction": VIDEO_ANALYSIS_SECONDS,
    "VideoDelogo": VIDEO_REWRITE_SECONDS,
    "VideoDetext": VIDEO_REWRITE_SECONDS,
    "VideoGreenScreenMatting": VIDEO_REWRITE_SECONDS,
    "FaceBeauty": VIDEO_REWRITE_SECONDS,
    "VideoH2V": VIDEO_REWRITE_SECONDS,
}
"""Expected minimum seconds per ``FunctionName`` (a function not listed: 0)."""


def _expected_seconds(request: IProductionJobRequest) -> float:
    return EXPECTED_SECONDS.get(request.function_name, 0.0)


def _outputs(job: Mapping[str, Any]) -> JobOutputs:
    return JobOutputs.of(items(job.get("output_urls")), items(job.get("output_media_ids")))


def _failure_detail(job: Any) -> str:
    # A failed job's Result holds ICE's error (e.g. ErrorCode, ErrorMessage), not the function's result.
    raw = getattr(job, "result_raw", None)
    return f"Result: {raw[:500]}" if raw else ""


IPRODUCTION: JobFamily[IProductionJobRequest, Any] = JobFamily(
    name="IProduction",
    submit_action="SubmitIProductionJob",
    get_action="QueryIProductionJob",
    cancel_action="CancelIProductionJob",
    request_model="airflow_ice.models.iproduction_request:IProductionJobRequest",
    job_model="airflow_ice.models.iproduction_job:IProductionJob",
    output_url_of=first_output_url,
    outputs_of=_outputs,
    outputs_described="`OutputUrls` (and `OutputMediaIds` when ICE reports no URL)",
    inputs_of=request_input,
    inputs_described="`Input` (an OSS object or a media id)",
    requested_outputs_of=request_output,
    failure_detail_of=_failure_detail,
    expected_seconds_of=_expected_seconds,
)
