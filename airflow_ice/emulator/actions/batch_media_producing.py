"""Batch media producing jobs: SubmitBatchMediaProducingJob and GetBatchMediaProducingJob.

Conventions: an ``InputConfig`` containing ``fail`` ends ``Failed`` (``Extend`` says why); an
``OutputConfig.MediaURL`` containing ``fail`` ends ``Finished`` with its last video ``Failed``.
States: ``Init``, ``Processing``, then ``Finished`` or ``Failed``; one sub-job per
``OutputConfig.Count`` (default 1), its file ``MediaURL`` with ``{index}`` numbered from 1.
Takes ClientToken.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from airflow_ice.emulator.actions.base import format_time, json_object, json_text
from airflow_ice.emulator.actions.lifecycle import LifecycleActions, LifecycleJob, marker_failure
from airflow_ice.emulator.actions.listing import BATCH_MEDIA_PRODUCING_LIST
from airflow_ice.emulator.errors import invalid_parameter, missing_parameter

VIDEO_SECONDS = 30.5


class BatchMediaProducingActions(LifecycleActions):
    """The batch media producing action group."""

    SUBMIT = "SubmitBatchMediaProducingJob"
    GET = "GetBatchMediaProducingJob"
    LIST = BATCH_MEDIA_PRODUCING_LIST
    RUNNING = ("Init", "Processing")
    SUCCESS = "Finished"
    FAILURE = "Failed"
    TAKES_CLIENT_TOKEN = True

    def check(self, params: Mapping[str, str]) -> bool:
        """ICE's checks: InputConfig and OutputConfig objects, the output's address, JSON text."""
        if json_object(params, "InputConfig") is None:
            raise missing_parameter("InputConfig")
        output = json_object(params, "OutputConfig")
        if output is None:
            raise missing_parameter("OutputConfig")
        if not output.get("MediaURL") and not (output.get("StorageLocation") and output.get("FileName")):
            raise invalid_parameter("OutputConfig", "give MediaURL, or StorageLocation and FileName.")
        count = output.get("Count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise invalid_parameter("OutputConfig.Count", "it must be a positive integer.")
        json_object(params, "EditingConfig")
        json_text(params, "TemplateConfig")
        json_text(params, "UserData")
        return "fail" in params["InputConfig"].lower()

    def describe(self, job: LifecycleJob, now: float) -> dict[str, Any]:
        """The GetBatchMediaProducingJob body (without RequestId)."""
        status = self.status(job, now)
        body: dict[str, Any] = {
            "JobId": job.job_id,
            "Status": status,
            "JobType": "Script",
            "InputConfig": job.params.get("InputConfig"),
            "EditingConfig": job.params.get("EditingConfig"),
            "OutputConfig": job.params.get("OutputConfig"),
            "UserData": job.params.get("UserData"),
            "CreateTime": format_time(job.created_at),
            "ModifiedTime": format_time(min(now, job.finished_at)),
        }
        if status == self.SUCCESS:
            body["CompleteTime"] = format_time(job.finished_at)
            body["SubJobList"] = self._videos(job)
        if status == self.FAILURE:
            body["CompleteTime"] = format_time(job.finished_at)
            body["Extend"] = json.dumps(
                {"ErrorCode": "InvalidParameter.InputConfig", "ErrorMessage": marker_failure("InputConfig")}
            )
        return {"EditingBatchJob": {key: value for key, value in body.items() if value is not None}}

    def _videos(self, job: LifecycleJob) -> list[dict[str, Any]]:
        output = json_object(job.params, "OutputConfig") or {}
        url = str(output.get("MediaURL") or "")
        count = int(output.get("Count", 1))
        videos = []
        for index in range(1, count + 1):
            video: dict[str, Any] = {
                "JobId": f"{job.job_id}-{index}",
                "ProjectId": f"project-{job.job_id[:8]}-{index}",
                "Status": "Success",
                "MediaId": f"media-{job.job_id[:8]}-{index}",
                "MediaURL": url.replace("{index}", str(index)) if url else None,
                "Duration": VIDEO_SECONDS,
            }
            if index == count and "fail" in url.lower():
                video.update(
                    Status="Failed",
                    MediaId=None,
                    MediaURL=None,
                    Duration=None,
                    ErrorCode="InvalidParameter.MediaURL",
                    ErrorMessage=marker_failure("OutputConfig.MediaURL"),
                )
            videos.append({key: value for key, value in video.items() if value is not None})
        return videos
