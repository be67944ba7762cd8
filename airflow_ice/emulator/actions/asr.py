"""Speech recognition jobs: SubmitASRJob, read by GetSmartHandleJob.

Conventions: an ``InputFile`` containing ``fail`` ends ``Failed``. The result is ICE's sentence list,
as JSON text in ``JobResult.AiResult``. No ClientToken.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from airflow_ice.emulator.actions.base import json_text, max_length
from airflow_ice.emulator.actions.lifecycle import LifecycleJob
from airflow_ice.emulator.actions.smart_handle import SmartJobKind
from airflow_ice.emulator.errors import missing_parameter

# What a recognised clip says (ICE's shape: content, and from/to in seconds).
SENTENCES = (
    {"content": "Welcome back to the match.", "from": 0.0, "to": 1.84},
    {"content": "What a goal in the last minute!", "from": 1.84, "to": 4.2},
)
# ICE's limit on Title and Description.
TEXT_MAX_BYTES = 128


def _check(params: Mapping[str, str]) -> None:
    """ICE's checks: an InputFile; JSON EditingConfig and UserData; the documented lengths."""
    if not params.get("InputFile"):
        raise missing_parameter("InputFile")
    json_text(params, "EditingConfig")
    json_text(params, "UserData")
    max_length("Title", params.get("Title"), TEXT_MAX_BYTES, in_bytes=True)
    max_length("Description", params.get("Description"), TEXT_MAX_BYTES, in_bytes=True)


def _submit_answer(job: LifecycleJob) -> dict[str, Any]:
    return {"JobId": job.job_id, "State": "Created"}


def _input_file(params: Mapping[str, str]) -> str | None:
    return params.get("InputFile")


def _result(job: LifecycleJob, region: str) -> dict[str, Any]:
    return {"AiResult": json.dumps(list(SENTENCES), separators=(",", ":"))}


ASR_JOBS = SmartJobKind(
    submit="SubmitASRJob",
    job_type="ASR",
    check=_check,
    marker="InputFile",
    result=_result,
    input_file=_input_file,
    submit_answer=_submit_answer,
)
