"""Video translation: SubmitVideoTranslationJob, read by GetSmartHandleJob.

Conventions: an ``InputConfig`` (the video, audio or subtitle file) containing ``fail`` ends
``Failed``. The translated file is written to ``OutputConfig.MediaURL``. The submit answers
``{"Data": {"JobId"}, "Success": true}`` (the SDK's shape). Takes ClientToken.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_ice.emulator.actions.base import json_object, json_text, max_length, one_of
from airflow_ice.emulator.actions.lifecycle import LifecycleJob
from airflow_ice.emulator.actions.smart_handle import SmartJobKind, media_url_output
from airflow_ice.emulator.errors import invalid_parameter, missing_parameter
from airflow_ice.emulator.results import oss_url

# The input's types, each naming the key of its file (ICE's "video translation parameters" page).
INPUT_TYPES = ("Video", "Audio", "Subtitle")
USER_DATA_MAX_BYTES = 512


def input_file(params: Mapping[str, str]) -> str | None:
    """The file of the input's ``Type``."""
    inputs = json_object(params, "InputConfig") or {}
    value = inputs.get(str(inputs.get("Type")))
    return str(value) if value else None


def _check(params: Mapping[str, str]) -> None:
    """ICE's checks: an input of a known type naming its file, both languages, a file to write."""
    inputs = json_object(params, "InputConfig")
    if inputs is None:
        raise missing_parameter("InputConfig")
    one_of("InputConfig.Type", inputs.get("Type"), INPUT_TYPES)
    if input_file(params) is None:
        raise missing_parameter(f"InputConfig.{inputs.get('Type')}")
    editing = json_object(params, "EditingConfig") or {}
    for name in ("SourceLanguage", "TargetLanguage"):
        if not editing.get(name):
            raise missing_parameter(f"EditingConfig.{name}")
    if media_url_output(params) is None:
        raise missing_parameter("OutputConfig.MediaURL")
    json_text(params, "UserData")
    max_length("UserData", params.get("UserData"), USER_DATA_MAX_BYTES, in_bytes=True)
    if params.get("Title") == "":
        raise invalid_parameter("Title", "it is empty.")


def _submit_answer(job: LifecycleJob) -> dict[str, Any]:
    return {"Data": {"JobId": job.job_id}, "Success": True}


def _result(job: LifecycleJob, region: str) -> dict[str, Any]:
    bucket, key = media_url_output(job.params) or ("", "")
    return {"MediaUrl": oss_url(bucket, key, region)}


VIDEO_TRANSLATION_JOBS = SmartJobKind(
    submit="SubmitVideoTranslationJob",
    job_type="VideoTranslation",
    check=_check,
    marker="InputConfig",
    result=_result,
    input_file=input_file,
    output_file=media_url_output,
    submit_answer=_submit_answer,
    takes_client_token=True,
)
