"""IProduction jobs: SubmitIProductionJob, QueryIProductionJob, CancelIProductionJob.

Conventions: an input Media containing ``fail`` ends in ``Fail``. Cancelling a running job moves it
to ``Fail``; cancelling a finished job is a no-op that answers success with a Message saying so.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from airflow_ice.emulator.actions.base import (
    ActionEnvironment,
    ActionHandler,
    JobRecord,
    format_time,
    json_object,
    json_text,
    max_length,
    one_of,
    required,
)
from airflow_ice.emulator.errors import invalid_parameter, missing_parameter
from airflow_ice.emulator.jobs import IProductionJobRecord, JobStore
from airflow_ice.emulator.results import (
    ANALYSIS_ONLY_FUNCTIONS,
    IPRODUCTION_FUNCTIONS,
    cover_files,
    iproduction_failure,
    iproduction_result_text,
    oss_location,
    oss_url,
    to_json_text,
)

MEDIA_TYPES = ("OSS", "Media")
TERMINAL = ("Success", "Fail")


def media_parameter(params: Mapping[str, str], name: str) -> dict[str, Any]:
    """``Input``/``Output``: a JSON object with a non-empty string ``Media`` and a ``Type`` (both
    required in ICE's API reference and the official SDK)."""
    value = json_object(params, name)
    if value is None:
        raise missing_parameter(name)
    media = value.get("Media")
    if not isinstance(media, str) or not media:
        raise invalid_parameter(name, "it must have a non-empty Media.")
    media_type = value.get("Type")
    if media_type is None or media_type == "":
        raise invalid_parameter(f"{name}.Type", f"it is required ({' or '.join(MEDIA_TYPES)}).")
    one_of(f"{name}.Type", str(media_type), MEDIA_TYPES)
    return value


def schedule_config_parameter(params: Mapping[str, str]) -> dict[str, Any] | None:
    """``ScheduleConfig``: ``{PipelineId, Priority 1-10}``."""
    config = json_object(params, "ScheduleConfig")
    if config is None:
        return None
    if "Priority" in config:
        try:
            priority = int(config["Priority"])
        except (TypeError, ValueError):
            raise invalid_parameter("ScheduleConfig.Priority", "it must be an integer.") from None
        if not 1 <= priority <= 10:
            raise invalid_parameter("ScheduleConfig.Priority", "it must be between 1 and 10.")
        config = {**config, "Priority": priority}
    return config


class IProductionActions:
    """The IProduction action group, with its job store.

    :param env: the shared environment (clock, durations, counters, region).
    """

    def __init__(self, env: ActionEnvironment) -> None:
        self.env = env
        self.jobs: JobStore[IProductionJobRecord] = JobStore()

    def handlers(self) -> Mapping[str, ActionHandler]:
        """The actions this group answers."""
        return {
            "SubmitIProductionJob": self.submit,
            "QueryIProductionJob": self.query,
            "CancelIProductionJob": self.cancel,
        }

    def reset(self) -> None:
        """Forget every job."""
        self.jobs.clear()

    def records(self) -> list[JobRecord]:
        """Every job with its QueryIProductionJob answer now."""
        now = self.env.clock()
        return [
            JobRecord("SubmitIProductionJob", job.job_id, self.describe(job, now))
            for job in self.jobs.values()
        ]

    def submit(self, params: Mapping[str, str]) -> dict[str, Any]:
        """Validate like ICE, then create the job."""
        function_name = required(params, "FunctionName")
        if function_name not in IPRODUCTION_FUNCTIONS:
            raise invalid_parameter("FunctionName", f"{function_name!r} is not a supported function.")
        job_input = media_parameter(params, "Input")
        job_output = media_parameter(params, "Output")
        max_length("Name", params.get("Name"), 100)
        max_length("UserData", params.get("UserData"), 256)
        schedule_config = schedule_config_parameter(params)
        job_params = json_text(params, "JobParams")
        job_id = uuid.uuid4().hex
        record = IProductionJobRecord(
            job_id=job_id,
            function_name=function_name,
            input=job_input,
            output=job_output,
            created_at=self.env.clock(),
            duration=self.env.timing.duration(),
            fails="fail" in job_input["Media"].lower(),
            name=params.get("Name"),
            job_params=job_params,
            template_id=params.get("TemplateId"),
            model_id=params.get("ModelId"),
            schedule_config=schedule_config,
            user_data=params.get("UserData"),
        )
        self.jobs.add(job_id, record)
        self.env.counters.job_submitted("SubmitIProductionJob")
        return {"JobId": job_id}

    def query(self, params: Mapping[str, str]) -> dict[str, Any]:
        """The job as ICE describes it now."""
        job = self.jobs.get(required(params, "JobId"))
        return self.describe(job, self.env.clock())

    def cancel(self, params: Mapping[str, str]) -> dict[str, Any]:
        """Cancel a running job (it ends in ``Fail``); a finished job is left as it is."""
        job = self.jobs.get(required(params, "JobId"))
        if job.cancel(self.env.clock()):
            return {"Message": "Job cancelled."}
        return {"Message": f"Job already finished ({job.status(self.env.clock())}); nothing to cancel."}

    def describe(self, job: IProductionJobRecord, now: float) -> dict[str, Any]:
        """The QueryIProductionJob body (without RequestId)."""
        status = job.status(now)
        body: dict[str, Any] = {
            "JobId": job.job_id,
            "Name": job.name,
            "FunctionName": job.function_name,
            "Status": status,
            "CreateTime": format_time(job.created_at),
            "Input": job.input,
            "Output": job.output,
            "TemplateId": job.template_id,
            "JobParams": job.job_params,
            "ScheduleConfig": job.schedule_config,
            "UserData": job.user_data,
            "OutputFiles": [],
            "OutputUrls": [],
            "OutputMediaIds": [],
        }
        if status in TERMINAL:
            body["FinishTime"] = format_time(job.finished_at())
            if status == "Success":
                body["Result"] = iproduction_result_text(job.function_name, job.input["Media"])
                body.update(self._outputs(job))
            elif job.cancelled_at is not None:
                body["Result"] = to_json_text(
                    {"ErrorCode": "JobCancelled", "ErrorMessage": "The job was cancelled by the user."}
                )
            else:
                body["Result"] = to_json_text(iproduction_failure(job.function_name, job.input["Media"]))
        return {key: value for key, value in body.items() if value is not None}

    def _outputs(self, job: IProductionJobRecord) -> dict[str, list[str]]:
        output_media = job.output["Media"]
        if job.output.get("Type") == "Media":
            url = job.output.get("OutputUrl")
            return {
                "OutputFiles": [f"output/{job.job_id}.mp4"],
                "OutputUrls": [url] if url else [],
                "OutputMediaIds": [output_media],
            }
        if job.function_name in ANALYSIS_ONLY_FUNCTIONS:
            return {"OutputFiles": [], "OutputUrls": [], "OutputMediaIds": []}
        bucket, key = oss_location(output_media)
        if job.function_name == "Cover":
            # Covers land in the output folder (or the output object's), under their file names; the
            # Result's "cover/" prefix is not a second folder (out/x/cover/cover/... otherwise).
            folder = key if key.endswith("/") else key.rpartition("/")[0] + "/" if "/" in key else ""
            files = [folder + path.rpartition("/")[2] for path in cover_files(job.input["Media"])]
        else:
            files = [key or f"output/{job.job_id}.mp4"]
        return {
            "OutputFiles": files,
            "OutputUrls": [oss_url(bucket, file, self.env.region) for file in files] if bucket else [],
            "OutputMediaIds": [],
        }
