"""Highlight extraction: SubmitHighlightExtractionJob, read by GetSmartHandleJob (ICE's read of its
smart jobs). Takes ``ClientToken`` (a lost submit answer is resent safely); no cancel action; the
highlights are in the answer (``ai_result``), and exported clips are files named there."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_ice.jobs.durations import VIDEO_ANALYSIS_SECONDS
from airflow_ice.jobs.family import JobFamily
from airflow_ice.jobs.media_readers import (
    decoded,
    items,
    member,
    model_failure_detail,
    no_output_url,
    result_addresses,
)
from airflow_ice.lineage.job_lineage import JobMedia

if TYPE_CHECKING:
    from airflow_ice.models.highlight_extraction_request import HighlightExtractionJobRequest

# A job watches and listens to every video before it picks its highlights.
EXPECTED_SECONDS = VIDEO_ANALYSIS_SECONDS


def _expected_seconds(request: HighlightExtractionJobRequest) -> float:
    return EXPECTED_SECONDS


def videos(request: Mapping[str, Any]) -> list[JobMedia]:
    """``InputConfig.MediaArray``: each video's ``MediaURL``, else its ``MediaId``."""
    found = []
    for media in items(member(decoded(request.get("InputConfig")), "MediaArray")):
        url, media_id = member(media, "MediaURL"), member(media, "MediaId")
        if isinstance(url, str) and url.strip():
            found.append(JobMedia(url.strip()))
        elif isinstance(media_id, str) and media_id.strip():
            found.append(JobMedia(media_id.strip(), "Media"))
    return found


HIGHLIGHT_EXTRACTION: JobFamily[HighlightExtractionJobRequest, Any] = JobFamily(
    name="Highlight extraction",
    submit_action="SubmitHighlightExtractionJob",
    get_action="GetSmartHandleJob",
    request_model="airflow_ice.models.highlight_extraction_request:HighlightExtractionJobRequest",
    job_model="airflow_ice.models.smart_handle_job:SmartHandleJob",
    output_url_of=no_output_url,
    outputs_of=result_addresses,
    outputs_described="the exported clips: every OSS address in `ai_result`",
    inputs_of=videos,
    inputs_described="`InputConfig.MediaArray` (OSS URLs or media ids)",
    failure_detail_of=model_failure_detail,
    expected_seconds_of=_expected_seconds,
    client_token=True,
)
