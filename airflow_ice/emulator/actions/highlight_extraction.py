"""Highlight extraction: SubmitHighlightExtractionJob, read by GetSmartHandleJob.

Conventions: an ``InputConfig`` (the media) containing ``fail`` ends ``Failed``. ``InputConfig``
travels in the body (the SDK's placement). With ``OutputConfig.NeedExport`` the clips are written as
``ObjectKey`` with ``{index}`` counted from 1. ``AiResult``'s shape is the emulator's own (ICE's
reference does not publish it): the clips, each with its media, start and end. Takes ClientToken.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from airflow_ice.emulator.actions.base import json_object, json_text, max_length
from airflow_ice.emulator.actions.lifecycle import LifecycleJob
from airflow_ice.emulator.actions.smart_handle import SmartJobKind
from airflow_ice.emulator.errors import invalid_parameter, missing_parameter
from airflow_ice.emulator.results import oss_url

# ICE's ranges (the "Smart highlight extraction" page): clips per media, seconds per clip, media.
COUNT_RANGE = (1, 10)
CLIP_SECONDS_RANGE = (3, 60)
MAX_MEDIA = 30
DEFAULT_COUNT = 5
DEFAULT_CLIP_SECONDS = 15
USER_DATA_MAX_BYTES = 512


def _strategy(params: Mapping[str, str]) -> tuple[int, float]:
    strategy = (json_object(params, "InputConfig") or {}).get("Strategy") or {}
    return int(strategy.get("Count", DEFAULT_COUNT)), float(
        strategy.get("ClipDuration", DEFAULT_CLIP_SECONDS)
    )


def _check(params: Mapping[str, str]) -> None:
    """ICE's checks: 1 to 30 media, each a MediaId or MediaURL; the strategy's ranges; an export target."""
    inputs = json_object(params, "InputConfig")
    if inputs is None:
        raise missing_parameter("InputConfig")
    media = inputs.get("MediaArray")
    if not isinstance(media, list) or not 1 <= len(media) <= MAX_MEDIA:
        raise invalid_parameter("InputConfig.MediaArray", f"give 1 to {MAX_MEDIA} media.")
    if not all(isinstance(item, dict) and (item.get("MediaId") or item.get("MediaURL")) for item in media):
        raise invalid_parameter("InputConfig.MediaArray", "each media needs MediaId or MediaURL.")
    strategy = inputs.get("Strategy") or {}
    if not isinstance(strategy, dict):
        raise invalid_parameter("InputConfig.Strategy", "it must be a JSON object.")
    for name, (low, high) in (("Count", COUNT_RANGE), ("ClipDuration", CLIP_SECONDS_RANGE)):
        value = strategy.get(name)
        if value is not None and not (isinstance(value, (int, float)) and low <= value <= high):
            raise invalid_parameter(f"InputConfig.Strategy.{name}", f"it must be from {low} to {high}.")
    output = json_object(params, "OutputConfig") or {}
    if output.get("NeedExport") and not (output.get("Bucket") and output.get("ObjectKey")):
        raise missing_parameter("OutputConfig.Bucket and OutputConfig.ObjectKey")
    json_text(params, "UserData")
    max_length("UserData", params.get("UserData"), USER_DATA_MAX_BYTES, in_bytes=True)


def _result(job: LifecycleJob, region: str) -> dict[str, Any]:
    inputs = json_object(job.params, "InputConfig") or {}
    output = json_object(job.params, "OutputConfig") or {}
    count, seconds = _strategy(job.params)
    clips: list[dict[str, Any]] = []
    for media in inputs.get("MediaArray", []):
        for number in range(count):
            clip: dict[str, Any] = {
                "MediaId": media.get("MediaId"),
                "MediaURL": media.get("MediaURL"),
                "In": round(number * seconds * 2, 3),
                "Out": round(number * seconds * 2 + seconds, 3),
            }
            if output.get("NeedExport"):
                key = str(output["ObjectKey"]).replace("{index}", str(len(clips) + 1))
                clip["OutputURL"] = oss_url(str(output["Bucket"]), key, region)
            clips.append({name: value for name, value in clip.items() if value is not None})
    return {"AiResult": json.dumps({"Highlights": clips}, separators=(",", ":"))}


HIGHLIGHT_EXTRACTION_JOBS = SmartJobKind(
    submit="SubmitHighlightExtractionJob",
    job_type="HighlightExtraction",
    check=_check,
    marker="InputConfig",
    result=_result,
    takes_client_token=True,
)
