"""Avatar videos: SubmitAvatarVideoJob, read by GetSmartHandleJob (ICE's read of its smart jobs).
No ``ClientToken`` (a lost submit answer fails the task), no cancel action; the video is a file
(``media_url``) and a media asset (``media_id``)."""

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
    from airflow_ice.models.avatar_video_request import AvatarVideoJobRequest

# A job renders every frame of the avatar speaking.
EXPECTED_SECONDS = VIDEO_REWRITE_SECONDS


def _expected_seconds(request: AvatarVideoJobRequest) -> float:
    return EXPECTED_SECONDS


def voice_file(request: Mapping[str, Any]) -> list[JobMedia]:
    """``InputConfig.InputFile``: the voice, when the avatar speaks a file rather than a text."""
    value = member(decoded(request.get("InputConfig")), "InputFile")
    return [JobMedia(value.strip())] if isinstance(value, str) and value.strip() else []


AVATAR_VIDEO: JobFamily[AvatarVideoJobRequest, Any] = JobFamily(
    name="Avatar video",
    submit_action="SubmitAvatarVideoJob",
    get_action="GetSmartHandleJob",
    request_model="airflow_ice.models.avatar_video_request:AvatarVideoJobRequest",
    job_model="airflow_ice.models.smart_handle_job:SmartHandleJob",
    output_url_of=media_url,
    outputs_of=made_media,
    outputs_described="the video, `media_url` (ICE's `JobResult.MediaUrl`), else `media_id`",
    inputs_of=voice_file,
    inputs_described="`InputConfig.InputFile` (the voice), when given",
    requested_outputs_of=config_media_url,
    failure_detail_of=model_failure_detail,
    expected_seconds_of=_expected_seconds,
)
