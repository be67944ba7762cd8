"""Smart segmentation (shot splitting): SubmitSegmentationJob, read by GetSmartHandleJob (ICE's read
of its smart jobs). Takes ``ClientToken`` (a lost submit answer is resent safely); no cancel action;
the segments are in the answer (``ai_result``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_ice.jobs.durations import VIDEO_ANALYSIS_SECONDS
from airflow_ice.jobs.family import JobFamily
from airflow_ice.jobs.media_readers import media_file, model_failure_detail, no_output_url, result_addresses
from airflow_ice.lineage.job_lineage import JobMedia

if TYPE_CHECKING:
    from airflow_ice.models.segmentation_request import SegmentationJobRequest

# A job decodes the whole video to find its shot changes.
EXPECTED_SECONDS = VIDEO_ANALYSIS_SECONDS


def _expected_seconds(request: SegmentationJobRequest) -> float:
    return EXPECTED_SECONDS


def input_video(request: Mapping[str, Any]) -> list[JobMedia]:
    """``InputConfig``: ``{"Type": "OSS" | "Media", "Media": ...}``."""
    return media_file(request.get("InputConfig"))


SEGMENTATION: JobFamily[SegmentationJobRequest, Any] = JobFamily(
    name="Segmentation",
    submit_action="SubmitSegmentationJob",
    get_action="GetSmartHandleJob",
    request_model="airflow_ice.models.segmentation_request:SegmentationJobRequest",
    job_model="airflow_ice.models.smart_handle_job:SmartHandleJob",
    output_url_of=no_output_url,
    outputs_of=result_addresses,
    outputs_described="the segment files: every OSS address in `ai_result`",
    inputs_of=input_video,
    inputs_described="`InputConfig` (an OSS object or a media id)",
    failure_detail_of=model_failure_detail,
    expected_seconds_of=_expected_seconds,
    client_token=True,
)
