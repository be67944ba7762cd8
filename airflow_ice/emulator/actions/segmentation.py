"""Smart segmentation (shot splitting): SubmitSegmentationJob, read by GetSmartHandleJob.

Conventions: an ``InputConfig`` (the video) containing ``fail`` ends ``Failed``. ``InputConfig``
travels in the body (the SDK's placement). ``BasicClipSplit`` cuts the video into three shots;
``UserDefined`` into the given ``Ranges``. ``AiResult``'s shape is the emulator's own (the segments,
each with ``In`` and ``Out`` in seconds). Takes ClientToken.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from airflow_ice.emulator.actions.base import json_object, json_text, max_length, one_of
from airflow_ice.emulator.actions.lifecycle import LifecycleJob
from airflow_ice.emulator.actions.smart_handle import SmartJobKind
from airflow_ice.emulator.errors import invalid_parameter, missing_parameter

# ICE's values (the "Smart segmentation" page).
MODES = ("UserDefined", "BasicClipSplit")
INPUT_TYPES = ("OSS", "Media")
USER_DATA_MAX_BYTES = 512
# Where BasicClipSplit cuts an emulated video (seconds).
SHOTS = ((0.0, 4.2), (4.2, 9.8), (9.8, 15.0))


def input_file(params: Mapping[str, str]) -> str | None:
    """``InputConfig.Media``."""
    media = (json_object(params, "InputConfig") or {}).get("Media")
    return str(media) if media else None


def _check(params: Mapping[str, str]) -> None:
    """ICE's checks: an OSS or Media input; a mode; UserDefined's ranges, each In before Out."""
    inputs = json_object(params, "InputConfig")
    if inputs is None:
        raise missing_parameter("InputConfig")
    one_of("InputConfig.Type", inputs.get("Type"), INPUT_TYPES)
    if input_file(params) is None:
        raise missing_parameter("InputConfig.Media")
    job_params = json_object(params, "JobParams")
    if job_params is None:
        raise missing_parameter("JobParams")
    one_of("JobParams.Mode", job_params.get("Mode"), MODES)
    if job_params["Mode"] == "UserDefined":
        ranges = job_params.get("Ranges")
        if not isinstance(ranges, list) or not ranges:
            raise missing_parameter("JobParams.Ranges")
        for item in ranges:
            start, end = (item.get("In"), item.get("Out")) if isinstance(item, dict) else (None, None)
            if not (isinstance(start, (int, float)) and isinstance(end, (int, float)) and 0 <= start < end):
                raise invalid_parameter("JobParams.Ranges", "each range needs In before Out, in seconds.")
    json_object(params, "OutputConfig")
    json_text(params, "UserData")
    max_length("UserData", params.get("UserData"), USER_DATA_MAX_BYTES, in_bytes=True)


def _result(job: LifecycleJob, region: str) -> dict[str, Any]:
    job_params = json_object(job.params, "JobParams") or {}
    if job_params.get("Mode") == "UserDefined":
        segments = [{"In": float(item["In"]), "Out": float(item["Out"])} for item in job_params["Ranges"]]
    else:
        segments = [{"In": start, "Out": end} for start, end in SHOTS]
    return {"AiResult": json.dumps({"Segments": segments}, separators=(",", ":"))}


SEGMENTATION_JOBS = SmartJobKind(
    submit="SubmitSegmentationJob",
    job_type="Segmentation",
    check=_check,
    marker="InputConfig",
    result=_result,
    input_file=input_file,
    takes_client_token=True,
)
