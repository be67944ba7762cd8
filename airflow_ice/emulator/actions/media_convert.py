"""Media convert jobs: SubmitMediaConvertJob and GetMediaConvertJob.

Conventions: an input Media containing ``fail`` ends ``Error`` (the outputs ``Failed``). States:
``Inited``, ``Running``, then ``Complete`` or ``Error``. The submit takes ``ClientToken`` and
answers with the job (``{"Job": {...}}``), as the official SDK reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_ice.emulator.actions.base import format_time, json_object, max_length
from airflow_ice.emulator.actions.lifecycle import LifecycleActions, LifecycleJob, marker_failure
from airflow_ice.emulator.errors import invalid_parameter, missing_parameter
from airflow_ice.emulator.results import oss_location, oss_url


def _named_files(config: Mapping[str, Any], key: str, file_key: str) -> list[dict[str, Any]]:
    items = config.get(key) or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise invalid_parameter(f"Config.{key}", "it must be a list of objects.")
    for item in items:
        if not item.get("Name"):
            raise invalid_parameter(f"Config.{key}.Name", "every item needs a Name.")
        file = item.get(file_key)
        if file is not None and (not isinstance(file, dict) or not file.get("Media")):
            raise invalid_parameter(f"Config.{key}.{file_key}.Media", "it is required.")
    return items


class MediaConvertActions(LifecycleActions):
    """The media convert action group."""

    SUBMIT = "SubmitMediaConvertJob"
    GET = "GetMediaConvertJob"
    RUNNING = ("Inited", "Running")
    SUCCESS = "Complete"
    FAILURE = "Error"
    TAKES_CLIENT_TOKEN = True

    def check(self, params: Mapping[str, str]) -> bool:
        """ICE's checks: a Config with inputs and at least one output or output group."""
        config = json_object(params, "Config")
        if config is None:
            raise missing_parameter("Config")
        inputs = _named_files(config, "Inputs", "InputFile")
        if not inputs:
            raise missing_parameter("Config.Inputs")
        outputs = _named_files(config, "Outputs", "OutputFile")
        groups = _named_files(config, "OutputGroups", "GroupConfig")
        if not outputs and not groups:
            raise missing_parameter("Config.Outputs")
        max_length("Config.JobName", config.get("JobName"), 64, in_bytes=True)
        return any("fail" in str((item.get("InputFile") or {}).get("Media", "")).lower() for item in inputs)

    def submit_answer(self, job: LifecycleJob) -> dict[str, Any]:
        """The job as GetMediaConvertJob describes it at submit time."""
        return self.describe(job, job.created_at)

    def describe(self, job: LifecycleJob, now: float) -> dict[str, Any]:
        """The GetMediaConvertJob body (without RequestId)."""
        state = self.status(job, now)
        config = json_object(job.params, "Config") or {}
        done = state in (self.SUCCESS, self.FAILURE)
        outputs = [self._output(item, job, state, now) for item in config.get("Outputs") or []]
        groups = [
            {
                "Name": group["Name"],
                "Status": outputs_status(state),
                "Outputs": [self._output(item, job, state, now) for item in group.get("Outputs") or []],
                **self._times(job, now),
            }
            for group in config.get("OutputGroups") or []
        ]
        body: dict[str, Any] = {
            "JobId": job.job_id,
            "State": state,
            "Percent": job.percent(now),
            "Config": config,
            "PipelineId": job.params.get("PipelineId"),
            "UserData": job.params.get("UserData"),
            "OutputDetails": outputs,
            "OutputGroupDetails": groups,
            "CreateTime": format_time(job.created_at),
        }
        if done:
            body["FinishTime"] = format_time(job.finished_at)
        if state == self.FAILURE:
            body.update(Code="InputFile.DownloadFailed", Message=marker_failure("an input's InputFile.Media"))
        return {"Job": {key: value for key, value in body.items() if value is not None}}

    def _times(self, job: LifecycleJob, now: float) -> dict[str, str]:
        times = {"CreateTime": format_time(job.created_at)}
        if now >= job.finished_at:
            times["FinishTime"] = format_time(job.finished_at)
        return times

    def _output(self, item: Mapping[str, Any], job: LifecycleJob, state: str, now: float) -> dict[str, Any]:
        detail: dict[str, Any] = {
            "Name": item["Name"],
            "Status": outputs_status(state),
            "TaskId": f"{job.job_id[:24]}-{item['Name']}",
            **self._times(job, now),
        }
        target = item.get("OutputFile") or {}
        if state == self.SUCCESS and target.get("Media"):
            bucket, key = oss_location(str(target["Media"]))
            url = oss_url(bucket, key, self.env.region) if bucket else None
            detail["Result"] = {
                "OutputFile": {"Type": target.get("Type", "OSS"), "Media": target["Media"], "Url": url},
                "OutFileMeta": {"FileBasicInfo": {"FileName": key.rpartition("/")[2], "FormatName": "mp4"}},
            }
        elif state == self.FAILURE:
            detail.update(
                Code="InputFile.DownloadFailed", Message=marker_failure("an input's InputFile.Media")
            )
        return detail


def outputs_status(state: str) -> str:
    """An output's (or group's) status while the job is in ``state``."""
    return {"Inited": "Init", "Running": "Scheduled", "Complete": "Success"}.get(state, "Failed")
