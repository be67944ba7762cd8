"""Media convert jobs: SubmitMediaConvertJob and GetMediaConvertJob.

Conventions: an input Media containing ``fail`` ends ``Error`` (the outputs ``Failed``). States:
``Inited``, ``Running``, then ``Complete`` or ``Error``. The submit takes ``ClientToken`` and
answers with the job (``{"Job": {...}}``), as the official SDK reads it.

Output groups follow the SDK's model: ``{"Name", "GroupConfig": {"Type": "File" | "Hls" | "Dash",
"OutputFileBase": {"Type", "Media"}, "ManifestName"}, "Outputs": [{"Name", "OutputFileName", ...}]}``.
A group output's file is ``OutputFileBase.Media`` + ``OutputFileName`` (else its ``Name``) + the
group's extension (``.m3u8`` for Hls, ``.mpd`` for Dash, ``.mp4`` for File); a finished job
answers it, with its HTTPS URL, in ``OutputGroupDetails[].Outputs[].Result.OutputFile``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_ice.emulator.actions.base import format_time, json_object, max_length
from airflow_ice.emulator.actions.lifecycle import LifecycleActions, LifecycleJob, marker_failure
from airflow_ice.emulator.actions.listing import MEDIA_CONVERT_LIST
from airflow_ice.emulator.errors import invalid_parameter, missing_parameter
from airflow_ice.emulator.results import oss_location, oss_url

# What a group output's file ends with, by the group's Type.
GROUP_FILE_EXTENSIONS = {"Hls": ".m3u8", "Dash": ".mpd", "File": ".mp4"}
FORMAT_NAMES = {".m3u8": "hls", ".mpd": "dash"}


def _named_items(value: Any, name: str) -> list[dict[str, Any]]:
    items = value or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise invalid_parameter(name, "it must be a list of objects.")
    for item in items:
        if not item.get("Name"):
            raise invalid_parameter(f"{name}.Name", "every item needs a Name.")
    return items


def _media_file(value: Any, name: str) -> None:
    if not isinstance(value, dict) or not value.get("Media"):
        raise invalid_parameter(f"{name}.Media", "it is required.")


def _named_files(config: Mapping[str, Any], key: str, file_key: str) -> list[dict[str, Any]]:
    items = _named_items(config.get(key), f"Config.{key}")
    for item in items:
        if item.get(file_key) is not None:
            _media_file(item[file_key], f"Config.{key}.{file_key}")
    return items


def _groups(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    groups = _named_items(config.get("OutputGroups"), "Config.OutputGroups")
    for group in groups:
        group_config = group.get("GroupConfig")
        if not isinstance(group_config, dict):
            raise missing_parameter("Config.OutputGroups.GroupConfig")
        if group_config.get("Type") not in GROUP_FILE_EXTENSIONS:
            allowed = ", ".join(GROUP_FILE_EXTENSIONS)
            raise invalid_parameter("Config.OutputGroups.GroupConfig.Type", f"it must be one of {allowed}.")
        _media_file(group_config.get("OutputFileBase"), "Config.OutputGroups.GroupConfig.OutputFileBase")
        if not _named_items(group.get("Outputs"), "Config.OutputGroups.Outputs"):
            raise missing_parameter("Config.OutputGroups.Outputs")
    return groups


def group_output_file(group: Mapping[str, Any], output: Mapping[str, Any]) -> dict[str, str]:
    """Where a group output is written: ``{"Type", "Media"}`` in the group's ``OutputFileBase``."""
    base = group["GroupConfig"]["OutputFileBase"]
    directory = str(base["Media"])
    name = str(output.get("OutputFileName") or output["Name"])
    extension = GROUP_FILE_EXTENSIONS[group["GroupConfig"]["Type"]]
    separator = "" if directory.endswith("/") else "/"
    return {"Type": str(base.get("Type", "OSS")), "Media": f"{directory}{separator}{name}{extension}"}


class MediaConvertActions(LifecycleActions):
    """The media convert action group."""

    SUBMIT = "SubmitMediaConvertJob"
    GET = "GetMediaConvertJob"
    LIST = MEDIA_CONVERT_LIST
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
        groups = _groups(config)
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
        outputs = [
            self._output(item, item.get("OutputFile") or {}, job, state, now)
            for item in config.get("Outputs") or []
        ]
        groups = [
            {
                "Name": group["Name"],
                "Status": outputs_status(state),
                "Outputs": [
                    self._output(item, group_output_file(group, item), job, state, now)
                    for item in group.get("Outputs") or []
                ],
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

    def _output(
        self, item: Mapping[str, Any], target: Mapping[str, Any], job: LifecycleJob, state: str, now: float
    ) -> dict[str, Any]:
        detail: dict[str, Any] = {
            "Name": item["Name"],
            "Status": outputs_status(state),
            "TaskId": f"{job.job_id[:24]}-{item['Name']}",
            **self._times(job, now),
        }
        if state == self.SUCCESS and target.get("Media"):
            bucket, key = oss_location(str(target["Media"]))
            url = oss_url(bucket, key, self.env.region) if bucket else None
            file_name = key.rpartition("/")[2]
            format_name = FORMAT_NAMES.get(file_name[file_name.rfind(".") :], "mp4")
            detail["Result"] = {
                "OutputFile": {"Type": target.get("Type", "OSS"), "Media": target["Media"], "Url": url},
                "OutFileMeta": {"FileBasicInfo": {"FileName": file_name, "FormatName": format_name}},
            }
        elif state == self.FAILURE:
            detail.update(
                Code="InputFile.DownloadFailed", Message=marker_failure("an input's InputFile.Media")
            )
        return detail


def outputs_status(state: str) -> str:
    """An output's (or group's) status while the job is in ``state``."""
    return {"Inited": "Init", "Running": "Scheduled", "Complete": "Success"}.get(state, "Failed")
