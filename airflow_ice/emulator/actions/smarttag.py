"""Smart tagging jobs: SubmitSmarttagJob and QuerySmarttagJob.

Conventions: an input Media containing ``fail`` ends ``Fail``. Statuses: ``Submitted``,
``Processing``, then ``Success`` or ``Fail``. Each result's ``Data`` is JSON in a string, and the
lists are nested as ICE nests them (``Results.Result``, ``Usages.Usage``). No ClientToken.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from airflow_ice.emulator.actions.base import json_object, json_text, max_length, one_of
from airflow_ice.emulator.actions.lifecycle import LifecycleActions, LifecycleJob
from airflow_ice.emulator.errors import invalid_parameter, missing_parameter

INPUT_TYPES = ("OSS", "Media", "URL")
# What a template with text, video and OCR labels finds in a sports clip.
RESULTS = (
    ("TextLabel", {"tags": [{"name": "category", "value": "sports", "score": "0.93"}]}),
    ("VideoLabel", {"tags": [{"mainTagName": "scene", "tagName": "stadium", "times": ["0.0", "10.0"]}]}),
    ("OCR", {"details": [{"timestamp": 1200, "text": "GOAL"}]}),
)


def analysed_input(params: Mapping[str, str]) -> dict[str, Any]:
    """The ``Input`` of an analysis (smart tagging, video cognition), checked as ICE does, with its
    JSON ``Params`` and ``TemplateConfig``."""
    job_input = json_object(params, "Input")
    if job_input is None:
        raise missing_parameter("Input")
    one_of("Input.Type", str(job_input.get("Type")), INPUT_TYPES)
    if not job_input.get("Media"):
        raise invalid_parameter("Input.Media", "it is required.")
    json_text(params, "Params")
    json_text(params, "TemplateConfig")
    return job_input


class SmarttagActions(LifecycleActions):
    """The smart tagging action group."""

    SUBMIT = "SubmitSmarttagJob"
    GET = "QuerySmarttagJob"
    RUNNING = ("Submitted", "Processing")
    SUCCESS = "Success"
    FAILURE = "Fail"

    def check(self, params: Mapping[str, str]) -> bool:
        """ICE's checks: an Input; JSON Params; the documented lengths."""
        job_input = analysed_input(params)
        # Its Priority is a string that ICE does not use yet (the SDK: "any value").
        json_object(params, "ScheduleConfig")
        max_length("Title", params.get("Title"), 256, in_bytes=True)
        max_length("Content", params.get("Content"), 1024, in_bytes=True)
        max_length("UserData", params.get("UserData"), 1024, in_bytes=True)
        return "fail" in str(job_input["Media"]).lower()

    def describe(self, job: LifecycleJob, now: float) -> dict[str, Any]:
        """The QuerySmarttagJob body (without RequestId): it does not name the job."""
        status = self.status(job, now)
        body: dict[str, Any] = {"JobStatus": status, "UserData": job.params.get("UserData")}
        if status == self.SUCCESS:
            body["Results"] = {
                "Result": [
                    {"Type": kind, "Data": json.dumps(data, separators=(",", ":"))} for kind, data in RESULTS
                ]
            }
            body["Usages"] = {"Usage": [{"Type": "VideoLabel", "Quota": 10}]}
        return {key: value for key, value in body.items() if value is not None}
