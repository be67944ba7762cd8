"""Speech recognition jobs: SubmitASRJob, read by GetSmartHandleJob.

Conventions: an ``InputFile`` containing ``fail`` ends ``Failed``. States: ``Created``,
``Executing``, then ``Finished`` or ``Failed``. The result is ICE's sentence list, as JSON text in
``JobResult.AiResult``. No ClientToken.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from airflow_ice.emulator.actions.base import format_time, json_text, max_length
from airflow_ice.emulator.actions.lifecycle import LifecycleActions, LifecycleJob, marker_failure
from airflow_ice.emulator.errors import missing_parameter

# What a recognised clip says (ICE's shape: content, and from/to in seconds).
SENTENCES = (
    {"content": "Welcome back to the match.", "from": 0.0, "to": 1.84},
    {"content": "What a goal in the last minute!", "from": 1.84, "to": 4.2},
)
# ICE's limit on Title and Description.
TEXT_MAX_BYTES = 128


class AsrActions(LifecycleActions):
    """The speech recognition action group."""

    SUBMIT = "SubmitASRJob"
    GET = "GetSmartHandleJob"
    RUNNING = ("Created", "Executing")
    SUCCESS = "Finished"
    FAILURE = "Failed"

    def check(self, params: Mapping[str, str]) -> bool:
        """ICE's checks: an InputFile; JSON EditingConfig and UserData; the documented lengths."""
        input_file = params.get("InputFile")
        if not input_file:
            raise missing_parameter("InputFile")
        json_text(params, "EditingConfig")
        json_text(params, "UserData")
        max_length("Title", params.get("Title"), TEXT_MAX_BYTES, in_bytes=True)
        max_length("Description", params.get("Description"), TEXT_MAX_BYTES, in_bytes=True)
        return "fail" in input_file.lower()

    def submit_answer(self, job: LifecycleJob) -> dict[str, Any]:
        """ICE answers the submit with the job's id and state."""
        return {"JobId": job.job_id, "State": self.RUNNING[0]}

    def describe(self, job: LifecycleJob, now: float) -> dict[str, Any]:
        """The GetSmartHandleJob body (without RequestId)."""
        state = self.status(job, now)
        info = {
            "JobType": "ASR",
            "Title": job.params.get("Title"),
            "Description": job.params.get("Description"),
            "CreateTime": format_time(job.created_at),
            "ModifiedTime": format_time(min(now, job.finished_at)),
            "InputConfig": {"InputFile": job.params["InputFile"]},
        }
        body: dict[str, Any] = {
            "JobId": job.job_id,
            "State": state,
            "UserData": job.params.get("UserData"),
            "SmartJobInfo": {key: value for key, value in info.items() if value is not None},
        }
        if state == self.SUCCESS:
            body["JobResult"] = {"AiResult": json.dumps(list(SENTENCES), separators=(",", ":"))}
        if state == self.FAILURE:
            body.update(ErrorCode="InvalidParameter.InputFile", ErrorMessage=marker_failure("InputFile"))
        return {key: value for key, value in body.items() if value is not None}
