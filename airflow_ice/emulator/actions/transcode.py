"""Transcode jobs: SubmitTranscodeJob and GetTranscodeJob.

Conventions: an ``InputGroup`` Media containing ``fail`` ends ``Fail`` (every sub-job ``Fail``).
Statuses: ``Init``, ``Processing``, then ``Success`` or ``Fail`` (the parent's and its sub-jobs').
The submit takes ``ClientToken`` and answers with the job (``{"TranscodeParentJob": {...}}``), as the
official SDK reads it; the job's id is ``ParentJobId``, also the get's parameter.

Each output group makes one sub-job (``TranscodeJobList``, ``JobIndex`` in the group's order); a
finished sub-job that succeeded reports its file in ``OutFileMeta.FileBasicInfo``: ``FileUrl`` (the
HTTPS URL of an OSS output) or ``MediaId`` (an output to a media asset).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from airflow_ice.emulator.actions.base import format_time, max_length, one_of
from airflow_ice.emulator.actions.iproduction import MEDIA_TYPES, schedule_config_parameter
from airflow_ice.emulator.actions.lifecycle import LifecycleActions, LifecycleJob
from airflow_ice.emulator.actions.listing import TRANSCODE_LIST
from airflow_ice.emulator.errors import invalid_parameter, missing_parameter
from airflow_ice.emulator.results import oss_location, oss_url

# ICE's limit on UserData (the SDK's SubmitTranscodeJobRequest).
USER_DATA_MAX_BYTES = 512


def _objects(params: Mapping[str, str], name: str) -> list[dict[str, Any]]:
    """A required, non-empty JSON array of objects."""
    text = params.get(name)
    if not text:
        raise missing_parameter(name)
    try:
        value = json.loads(text)
    except ValueError:
        raise invalid_parameter(name, "it is not valid JSON.") from None
    if not isinstance(value, list) or not value or not all(isinstance(item, dict) for item in value):
        raise invalid_parameter(name, "it must be a non-empty JSON array of objects.")
    return value


def _media(value: Any, name: str) -> None:
    if not isinstance(value, dict) or not isinstance(value.get("Media"), str) or not value["Media"]:
        raise invalid_parameter(f"{name}.Media", "it is required.")
    one_of(f"{name}.Type", value.get("Type"), MEDIA_TYPES)
    if value.get("Type") is None:
        raise invalid_parameter(f"{name}.Type", f"it is required ({' or '.join(MEDIA_TYPES)}).")


def _file_basic_info(output: Mapping[str, Any], region: str) -> dict[str, Any]:
    media = str(output["Media"])
    if output.get("Type") == "Media":
        return {"MediaId": media, "FileStatus": "Normal"}
    bucket, key = oss_location(media)
    file_name = key.rpartition("/")[2]
    info: dict[str, Any] = {"FileName": file_name, "FileStatus": "Normal", "Region": region}
    if bucket:
        info["FileUrl"] = oss_url(bucket, key, region)
    return info


class TranscodeActions(LifecycleActions):
    """The transcode action group."""

    SUBMIT = "SubmitTranscodeJob"
    GET = "GetTranscodeJob"
    LIST = TRANSCODE_LIST
    RUNNING = ("Init", "Processing")
    SUCCESS = "Success"
    FAILURE = "Fail"
    TAKES_CLIENT_TOKEN = True
    JOB_ID = "ParentJobId"

    def check(self, params: Mapping[str, str]) -> bool:
        """ICE's checks: inputs, outputs each with a transcoding TemplateId, ScheduleConfig, UserData."""
        inputs = _objects(params, "InputGroup")
        for item in inputs:
            _media(item, "InputGroup")
        for group in _objects(params, "OutputGroup"):
            _media(group.get("Output"), "OutputGroup.Output")
            process = group.get("ProcessConfig")
            if not isinstance(process, dict):
                raise invalid_parameter("OutputGroup.ProcessConfig", "it is required.")
            transcode = process.get("Transcode")
            if not isinstance(transcode, dict) or not transcode.get("TemplateId"):
                raise invalid_parameter("OutputGroup.ProcessConfig.Transcode.TemplateId", "it is required.")
        schedule_config_parameter(params)
        max_length("UserData", params.get("UserData"), USER_DATA_MAX_BYTES, in_bytes=True)
        return any("fail" in str(item["Media"]).lower() for item in inputs)

    def submit_answer(self, job: LifecycleJob) -> dict[str, Any]:
        """The job as GetTranscodeJob describes it at submit time."""
        return self.describe(job, job.created_at)

    def describe(self, job: LifecycleJob, now: float) -> dict[str, Any]:
        """The GetTranscodeJob body (without RequestId)."""
        status = self.status(job, now)
        inputs = json.loads(job.params["InputGroup"])
        groups = json.loads(job.params["OutputGroup"])
        schedule = schedule_config_parameter(job.params)
        times: dict[str, Any] = {
            "CreateTime": format_time(job.created_at),
            "SubmitTime": format_time(job.created_at),
        }
        if status in (self.SUCCESS, self.FAILURE):
            times["FinishTime"] = format_time(job.finished_at)
        sub_jobs = []
        for index, group in enumerate(groups):
            sub_job: dict[str, Any] = {
                "JobId": f"{job.job_id[:24]}{index:08d}",
                "JobIndex": index,
                "ParentJobId": job.job_id,
                "Name": job.params.get("Name"),
                "Status": status,
                "InputGroup": inputs,
                "Output": group["Output"],
                "ProcessConfig": group["ProcessConfig"],
                "ScheduleConfig": schedule,
                "UserData": job.params.get("UserData"),
                **times,
            }
            if status == self.SUCCESS:
                sub_job["OutFileMeta"] = {"FileBasicInfo": _file_basic_info(group["Output"], self.env.region)}
            sub_jobs.append({key: value for key, value in sub_job.items() if value is not None})
        body: dict[str, Any] = {
            "ParentJobId": job.job_id,
            "Name": job.params.get("Name"),
            "Status": status,
            "Percent": job.percent(now),
            "JobCount": len(groups),
            "TriggerSource": "API",
            "InputGroup": inputs,
            "OutputGroup": groups,
            "ScheduleConfig": schedule,
            "UserData": job.params.get("UserData"),
            "TranscodeJobList": sub_jobs,
            **times,
        }
        return {"TranscodeParentJob": {key: value for key, value in body.items() if value is not None}}
