"""Video translation: SubmitVideoTranslationJob, read by GetSmartHandleJob (ICE's read of its smart
jobs). Takes ``ClientToken`` (a lost submit answer is resent safely); no cancel action; the
translated video or subtitles are a file (``media_url``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_ice.jobs.durations import VIDEO_REWRITE_SECONDS
from airflow_ice.jobs.family import JobFamily
from airflow_ice.jobs.media_readers import (
    config_media_url,
    decoded,
    made_media,
    media_url,
    member,
    model_failure_detail,
)
from airflow_ice.lineage.job_lineage import JobMedia

if TYPE_CHECKING:
    from airflow_ice.models.video_translation_request import VideoTranslationJobRequest

# A job recognises, translates and re-voices (or re-subtitles) the whole video.
EXPECTED_SECONDS = VIDEO_REWRITE_SECONDS


def _expected_seconds(request: VideoTranslationJobRequest) -> float:
    return EXPECTED_SECONDS


def translated_file(request: Mapping[str, Any]) -> list[JobMedia]:
    """``InputConfig``'s file of its ``Type`` (``Video``, ``Audio`` or ``Subtitle``)."""
    config = decoded(request.get("InputConfig"))
    kind = member(config, "Type")
    value = member(config, kind) if isinstance(kind, str) else None
    return [JobMedia(value.strip())] if isinstance(value, str) and value.strip() else []


VIDEO_TRANSLATION: JobFamily[VideoTranslationJobRequest, Any] = JobFamily(
    name="Video translation",
    submit_action="SubmitVideoTranslationJob",
    get_action="GetSmartHandleJob",
    request_model="airflow_ice.models.video_translation_request:VideoTranslationJobRequest",
    job_model="airflow_ice.models.smart_handle_job:SmartHandleJob",
    submit_envelope="Data",
    output_url_of=media_url,
    outputs_of=made_media,
    outputs_described="the translated file, `media_url` (ICE's `JobResult.MediaUrl`)",
    inputs_of=translated_file,
    inputs_described="`InputConfig`'s video, audio or subtitle file",
    requested_outputs_of=config_media_url,
    failure_detail_of=model_failure_detail,
    expected_seconds_of=_expected_seconds,
    client_token=True,
)
