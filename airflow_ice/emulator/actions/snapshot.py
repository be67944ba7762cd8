"""Snapshot jobs: SubmitSnapshotJob and GetSnapshotJob.

Conventions: an input Media containing ``fail`` ends ``Fail``. Statuses: ``Init``, then ``Success``
or ``Fail``. No ClientToken.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from airflow_ice.emulator.actions.base import format_time, json_object, one_of
from airflow_ice.emulator.actions.iproduction import media_parameter
from airflow_ice.emulator.actions.lifecycle import LifecycleActions, LifecycleJob, marker_failure
from airflow_ice.emulator.actions.listing import SNAPSHOT_LIST
from airflow_ice.emulator.errors import invalid_parameter, missing_parameter
from airflow_ice.emulator.results import echoed_media

SNAPSHOT_TYPES = ("Normal", "Sprite", "WebVtt")


class SnapshotActions(LifecycleActions):
    """The snapshot action group."""

    SUBMIT = "SubmitSnapshotJob"
    GET = "GetSnapshotJob"
    LIST = SNAPSHOT_LIST
    RUNNING = ("Init",)
    SUCCESS = "Success"
    FAILURE = "Fail"

    def check(self, params: Mapping[str, str]) -> bool:
        """ICE's checks: Input, Output and a TemplateConfig with a TemplateId."""
        job_input = media_parameter(params, "Input")
        media_parameter(params, "Output")
        config = json_object(params, "TemplateConfig")
        if config is None:
            raise missing_parameter("TemplateConfig")
        if not config.get("TemplateId"):
            raise missing_parameter("TemplateConfig.TemplateId")
        overwrite = config.get("OverwriteParams") or {}
        if not isinstance(overwrite, dict):
            raise invalid_parameter("TemplateConfig.OverwriteParams", "it must be an object.")
        one_of("TemplateConfig.OverwriteParams.Type", overwrite.get("Type"), SNAPSHOT_TYPES)
        return "fail" in str(job_input["Media"]).lower()

    def describe(self, job: LifecycleJob, now: float) -> dict[str, Any]:
        """The GetSnapshotJob body (without RequestId)."""
        status = self.status(job, now)
        config = json_object(job.params, "TemplateConfig") or {}
        overwrite = config.get("OverwriteParams") or {}
        schedule = json_object(job.params, "ScheduleConfig") or {}
        settings = {
            **overwrite,
            "Type": overwrite.get("Type", "Normal"),
            "Count": int(overwrite.get("Count", 1)),
        }
        body: dict[str, Any] = {
            "JobId": job.job_id,
            "Name": job.params.get("Name"),
            "Status": status,
            "Type": settings["Type"],
            "Count": settings["Count"],
            "Async": True,
            "TemplateId": config["TemplateId"],
            # As in ICE's published example: the settings the job ran with, not the submit's
            # {TemplateId, OverwriteParams} (the template's own defaults are not known here).
            "TemplateConfig": json.dumps(settings, separators=(",", ":")),
            "PipelineId": schedule.get("PipelineId"),
            "TriggerSource": "API",
            "Input": echoed_media(json_object(job.params, "Input") or {}, self.env.region),
            "Output": echoed_media(json_object(job.params, "Output") or {}, self.env.region),
            "UserData": job.params.get("UserData"),
            "CreateTime": format_time(job.created_at),
            "SubmitTime": format_time(job.created_at),
            "ModifiedTime": format_time(min(now, job.finished_at)),
        }
        if status != "Init":
            body["FinishTime"] = format_time(job.finished_at)
        if status == self.FAILURE:
            body.update(Code="InvalidParameter.Input", Message=marker_failure("Input.Media"))
        return {"SnapshotJob": {key: value for key, value in body.items() if value is not None}}
