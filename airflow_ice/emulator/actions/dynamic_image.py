"""Animated image jobs: SubmitDynamicImageJob and GetDynamicImageJob.

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
from airflow_ice.emulator.errors import invalid_parameter, missing_parameter
from airflow_ice.emulator.results import echoed_media, oss_location, oss_url

FORMATS = ("gif", "webp")


class DynamicImageActions(LifecycleActions):
    """The animated image action group."""

    SUBMIT = "SubmitDynamicImageJob"
    GET = "GetDynamicImageJob"
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
        one_of("TemplateConfig.OverwriteParams.Format", overwrite.get("Format"), FORMATS)
        return "fail" in str(job_input["Media"]).lower()

    def _output_url(self, output: Mapping[str, Any]) -> str | None:
        # The image's HTTPS URL for an OSS output; a media output's URL is not known here.
        bucket, key = oss_location(str(output.get("Media", "")))
        return oss_url(bucket, key, self.env.region) if output.get("Type") == "OSS" and bucket else None

    def describe(self, job: LifecycleJob, now: float) -> dict[str, Any]:
        """The GetDynamicImageJob body (without RequestId)."""
        status = self.status(job, now)
        config = json_object(job.params, "TemplateConfig") or {}
        schedule = json_object(job.params, "ScheduleConfig") or {}
        output = json_object(job.params, "Output") or {}
        body: dict[str, Any] = {
            "JobId": job.job_id,
            "Name": job.params.get("Name"),
            "Status": status,
            "TemplateId": config["TemplateId"],
            # The settings the job ran with (the template's own defaults are not known here).
            "TemplateConfig": json.dumps(config.get("OverwriteParams") or {}, separators=(",", ":")),
            "PipelineId": schedule.get("PipelineId"),
            "TriggerSource": "API",
            "Input": echoed_media(json_object(job.params, "Input") or {}, self.env.region),
            "Output": echoed_media(output, self.env.region),
            "UserData": job.params.get("UserData"),
            "CreateTime": format_time(job.created_at),
            "SubmitTime": format_time(job.created_at),
            "ModifiedTime": format_time(min(now, job.finished_at)),
        }
        if status != "Init":
            body["FinishTime"] = format_time(job.finished_at)
        if status == self.SUCCESS:
            body["OutputUrl"] = self._output_url(output)
        if status == self.FAILURE:
            body.update(Code="InvalidParameter.Input", Message=marker_failure("Input.Media"))
        return {"DynamicImageJob": {key: value for key, value in body.items() if value is not None}}
