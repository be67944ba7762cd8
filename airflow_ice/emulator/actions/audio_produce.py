"""Text to speech jobs: SubmitAudioProduceJob, read by GetSmartHandleJob.

Conventions: an ``InputConfig`` (the text) containing ``fail`` ends ``Failed``. The voice track is
written to ``OutputConfig``'s bucket and object, with the format's extension (ICE's documented
example: object ``target_audio`` makes ``target_audio.mp3``). No ClientToken.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_ice.emulator.actions.base import json_object, json_text, max_length, one_of
from airflow_ice.emulator.actions.lifecycle import LifecycleJob
from airflow_ice.emulator.actions.smart_handle import SmartJobKind, media_id_of
from airflow_ice.emulator.errors import invalid_parameter, missing_parameter
from airflow_ice.emulator.results import oss_url

# ICE's limits (the API reference): the text, Title, Description, UserData.
TEXT_MAX_CHARS = 10_000
TITLE_MAX_BYTES = 128
DESCRIPTION_MAX_BYTES = 1024
USER_DATA_MAX_BYTES = 512
FORMATS = ("PCM", "WAV", "MP3")
# The emulator's choice where EditingConfig names no format (ICE's reference gives no default).
DEFAULT_FORMAT = "MP3"


def output_object(params: Mapping[str, str]) -> tuple[str, str] | None:
    """``OutputConfig``'s ``bucket`` and ``object``, with the format's extension added."""
    config = {str(key).lower(): value for key, value in (json_object(params, "OutputConfig") or {}).items()}
    bucket, key = config.get("bucket"), config.get("object")
    if not bucket or not key:
        return None
    editing = json_object(params, "EditingConfig") or {}
    extension = str(editing.get("format") or DEFAULT_FORMAT).lower()
    key = str(key)
    return str(bucket), key if key.lower().endswith(f".{extension}") else f"{key}.{extension}"


def _check(params: Mapping[str, str]) -> None:
    """ICE's checks: the text, a JSON EditingConfig and OutputConfig, the documented ranges."""
    text = params.get("InputConfig")
    if not text:
        raise missing_parameter("InputConfig")
    max_length("InputConfig", text, TEXT_MAX_CHARS)
    editing = json_object(params, "EditingConfig")
    if editing is None:
        raise missing_parameter("EditingConfig")
    if editing.get("format") is not None:
        one_of("EditingConfig.format", str(editing["format"]).upper(), FORMATS)
    for name, low, high in (("volume", 0, 100), ("speech_rate", -500, 500), ("pitch_rate", -500, 500)):
        value = editing.get(name)
        if value is not None and not (isinstance(value, int) and low <= value <= high):
            raise invalid_parameter(f"EditingConfig.{name}", f"it must be an integer from {low} to {high}.")
    if json_object(params, "OutputConfig") is None:
        raise missing_parameter("OutputConfig")
    if output_object(params) is None:
        raise invalid_parameter("OutputConfig", "it must name the bucket and the object.")
    json_text(params, "UserData")
    max_length("UserData", params.get("UserData"), USER_DATA_MAX_BYTES, in_bytes=True)
    max_length("Title", params.get("Title"), TITLE_MAX_BYTES, in_bytes=True)
    max_length("Description", params.get("Description"), DESCRIPTION_MAX_BYTES, in_bytes=True)
    overwrite = params.get("Overwrite")
    # The SDK writes a boolean as Python does (True); ICE reads either case.
    one_of("Overwrite", overwrite.lower() if overwrite is not None else None, ("true", "false"))


def _submit_answer(job: LifecycleJob) -> dict[str, Any]:
    return {"JobId": job.job_id, "MediaId": media_id_of(job), "State": "Created"}


def _result(job: LifecycleJob, region: str) -> dict[str, Any]:
    bucket, key = output_object(job.params) or ("", "")
    return {"MediaUrl": oss_url(bucket, key, region), "MediaId": media_id_of(job)}


AUDIO_PRODUCE_JOBS = SmartJobKind(
    submit="SubmitAudioProduceJob",
    job_type="AudioProduce",
    check=_check,
    marker="InputConfig",
    result=_result,
    output_file=output_object,
    submit_answer=_submit_answer,
)
