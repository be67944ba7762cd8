"""Packaging jobs: SubmitPackageJob and GetPackageJob.

Conventions: an ``Inputs`` item whose ``Media`` contains ``fail`` ends ``Fail``. Statuses: ``Init``,
then ``Success`` or ``Fail``; a finished job's ``OutputUrl`` is the manifest's HTTPS address. No
ClientToken.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from airflow_ice.emulator.actions.base import format_time, json_object
from airflow_ice.emulator.actions.iproduction import media_parameter
from airflow_ice.emulator.actions.lifecycle import LifecycleActions, LifecycleJob, marker_failure
from airflow_ice.emulator.errors import invalid_parameter, missing_parameter
from airflow_ice.emulator.results import oss_location, oss_url

MEDIA_TYPES = ("OSS", "Media")


class PackageActions(LifecycleActions):
    """The packaging action group."""

    SUBMIT = "SubmitPackageJob"
    GET = "GetPackageJob"
    RUNNING = ("Init",)
    SUCCESS = "Success"
    FAILURE = "Fail"

    def check(self, params: Mapping[str, str]) -> bool:
        """ICE's checks: at least one input, each ``{"Input": {Type, Media}}``; an Output."""
        text = params.get("Inputs")
        if not text:
            raise missing_parameter("Inputs")
        try:
            inputs = json.loads(text)
        except ValueError:
            raise invalid_parameter("Inputs", "it must be a JSON list.") from None
        if not isinstance(inputs, list) or not inputs:
            raise invalid_parameter("Inputs", "it must list at least one input.")
        for index, item in enumerate(inputs):
            stream = item.get("Input") if isinstance(item, dict) else None
            if (
                not isinstance(stream, dict)
                or stream.get("Type") not in MEDIA_TYPES
                or not stream.get("Media")
            ):
                raise invalid_parameter(f"Inputs[{index}].Input", "it must be {Type: OSS | Media, Media}.")
        media_parameter(params, "Output")
        json_object(params, "ScheduleConfig")
        return any("fail" in str(item["Input"]["Media"]).lower() for item in inputs)

    def describe(self, job: LifecycleJob, now: float) -> dict[str, Any]:
        """The GetPackageJob body (without RequestId)."""
        status = self.status(job, now)
        output = json_object(job.params, "Output") or {}
        schedule = json_object(job.params, "ScheduleConfig") or {}
        body: dict[str, Any] = {
            "JobId": job.job_id,
            "Name": job.params.get("Name"),
            "Status": status,
            "Inputs": json.loads(job.params["Inputs"]),
            "Output": output,
            "PipelineId": schedule.get("PipelineId"),
            "Priority": schedule.get("Priority"),
            "TriggerSource": "API",
            "UserData": job.params.get("UserData"),
            "CreateTime": format_time(job.created_at),
            "SubmitTime": format_time(job.created_at),
            "ModifiedTime": format_time(min(now, job.finished_at)),
        }
        if status != "Init":
            body["FinishTime"] = format_time(job.finished_at)
        if status == self.SUCCESS and output.get("Type") == "OSS":
            bucket, key = oss_location(str(output.get("Media")))
            body["OutputUrl"] = oss_url(bucket, key, self.env.region) if bucket else output.get("Media")
        if status == self.FAILURE:
            body.update(Code="InvalidParameter.Inputs", Message=marker_failure("Inputs[].Input.Media"))
        return {"PackageJob": {key: value for key, value in body.items() if value is not None}}
