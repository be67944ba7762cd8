"""Avatar videos: SubmitAvatarVideoJob, read by GetSmartHandleJob.

Conventions: an ``InputConfig`` (the text, or the voice file) containing ``fail`` ends ``Failed``.
The video is written to ``OutputConfig.MediaURL`` and registered as a media asset. The result has
the sentences' timestamps (ICE's output includes them). No ClientToken.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from airflow_ice.emulator.actions.base import json_object, json_text, max_length
from airflow_ice.emulator.actions.lifecycle import LifecycleJob
from airflow_ice.emulator.actions.smart_handle import SmartJobKind, media_id_of, media_url_output
from airflow_ice.emulator.errors import invalid_parameter, missing_parameter
from airflow_ice.emulator.results import oss_url

# ICE's limits (the SDK's comments): Title and Description; the text at least five characters.
TEXT_MAX_BYTES = 128
TEXT_MIN_CHARS = 5
VOICE_FILES = (".mp3", ".wav")
VIDEO_FORMATS = (".mp4", ".webm")


def _check(params: Mapping[str, str]) -> None:
    """ICE's checks: a text (at least five characters) or an MP3/WAV voice file; an avatar; a video to write."""
    inputs = json_object(params, "InputConfig")
    if inputs is None:
        raise missing_parameter("InputConfig")
    text, voice = inputs.get("Text"), inputs.get("InputFile")
    if not text and not voice:
        raise invalid_parameter("InputConfig", "give Text or InputFile.")
    if text and len(str(text)) < TEXT_MIN_CHARS:
        raise invalid_parameter("InputConfig.Text", f"it must have at least {TEXT_MIN_CHARS} characters.")
    if voice and not str(voice).lower().endswith(VOICE_FILES):
        raise invalid_parameter("InputConfig.InputFile", "the voice must be an MP3 or WAV file.")
    editing = json_object(params, "EditingConfig")
    if editing is None or not editing.get("AvatarId"):
        raise missing_parameter("EditingConfig.AvatarId")
    output = media_url_output(params)
    if output is None:
        raise missing_parameter("OutputConfig.MediaURL")
    if not output[1].lower().endswith(VIDEO_FORMATS):
        raise invalid_parameter("OutputConfig.MediaURL", "the video must be an MP4 or WebM file.")
    json_text(params, "UserData")
    max_length("Title", params.get("Title"), TEXT_MAX_BYTES, in_bytes=True)
    max_length("Description", params.get("Description"), TEXT_MAX_BYTES, in_bytes=True)


def _submit_answer(job: LifecycleJob) -> dict[str, Any]:
    return {"JobId": job.job_id, "MediaId": media_id_of(job)}


def _result(job: LifecycleJob, region: str) -> dict[str, Any]:
    bucket, key = media_url_output(job.params) or ("", "")
    text = str((json_object(job.params, "InputConfig") or {}).get("Text") or "")
    sentences = [{"text": text, "begin_time": 0, "end_time": 200 * max(len(text), 1)}]
    return {
        "MediaUrl": oss_url(bucket, key, region),
        "MediaId": media_id_of(job),
        "AiResult": json.dumps({"SubtitleClips": sentences}, separators=(",", ":")),
    }


AVATAR_VIDEO_JOBS = SmartJobKind(
    submit="SubmitAvatarVideoJob",
    job_type="AvatarVideo",
    check=_check,
    marker="InputConfig",
    result=_result,
    output_file=media_url_output,
    submit_answer=_submit_answer,
)
