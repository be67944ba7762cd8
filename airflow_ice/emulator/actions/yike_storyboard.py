"""Yike storyboard jobs: SubmitYikeStoryboardJob, GetYikeStoryboardJob, ResumeYikeStoryboardJob.

Conventions: a FileURL containing ``fail`` ends ``Failed``; one containing ``partial`` ends
``Succeeded`` with a failed shot (non-empty FailureShotList and ExceptionStoryboardIds).
Resuming a ``Failed`` job restarts it and the new attempt succeeds; resuming a ``Running`` job is
a no-op; resuming a ``Succeeded`` job is an ``InvalidParameter.JobStatus`` error.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from airflow_ice.emulator.actions.base import (
    ActionEnvironment,
    ActionHandler,
    JobRecord,
    json_text,
    max_length,
    one_of,
    required,
)
from airflow_ice.emulator.errors import EmulatorApiError
from airflow_ice.emulator.jobs import JobStore, YikeStoryboardJobRecord
from airflow_ice.emulator.results import yike_storyboard_result

# Parameters echoed in JobParams: those of the published example, in its order.
JOB_PARAM_NAMES = (
    "FileURL",
    "ShotPromptMode",
    "SourceType",
    "ModelParams",
    "ShotSplitMode",
    "NarrationVoiceId",
    "VideoModel",
    "StyleId",
    "Resolution",
    "Title",
    "AspectRatio",
)
ASPECT_RATIOS = ("16:9", "9:16", "4:3", "3:4")
RESOLUTIONS = ("720P", "1080P", "2K", "4K", "1K")
SHOT_PROMPT_MODES = ("multi", "default")
EXEC_MODES = ("FullPipeline", "StoryboardOnly")
BOOLEANS = ("true", "false")


def storyboard_outcome(file_url: str) -> str:
    """``failed``, ``partial`` or ``succeeded`` from the FileURL conventions."""
    lowered = file_url.lower()
    if "fail" in lowered:
        return "failed"
    if "partial" in lowered:
        return "partial"
    return "succeeded"


class YikeStoryboardActions:
    """The Yike storyboard action group, with its job store.

    :param env: the shared environment (clock, durations, counters, region).
    """

    def __init__(self, env: ActionEnvironment) -> None:
        self.env = env
        self.jobs: JobStore[YikeStoryboardJobRecord] = JobStore()

    def handlers(self) -> Mapping[str, ActionHandler]:
        """The actions this group answers."""
        return {
            "SubmitYikeStoryboardJob": self.submit,
            "GetYikeStoryboardJob": self.get,
            "ResumeYikeStoryboardJob": self.resume,
        }

    def reset(self) -> None:
        """Forget every job."""
        self.jobs.clear()

    def submit(self, params: Mapping[str, str]) -> dict[str, Any]:
        """Validate like ICE, then create the job."""
        # Every parameter is optional in ICE's API reference, FileURL included.
        file_url = params.get("FileURL") or ""
        max_length("Title", params.get("Title"), 128, in_bytes=True)
        one_of("AspectRatio", params.get("AspectRatio"), ASPECT_RATIOS)
        one_of("Resolution", params.get("Resolution"), RESOLUTIONS)
        one_of("ShotPromptMode", params.get("ShotPromptMode"), SHOT_PROMPT_MODES)
        one_of("ExecMode", params.get("ExecMode"), EXEC_MODES)
        skip = params.get("SkipFailureShot")
        one_of("SkipFailureShot", skip.lower() if skip is not None else None, BOOLEANS)
        json_text(params, "ModelParams")
        job_id = str(uuid.uuid4())
        now = self.env.clock()
        record = YikeStoryboardJobRecord(
            job_id=job_id,
            job_params={name: params[name] for name in JOB_PARAM_NAMES if name in params},
            started_at=now,
            created_at=now,
            duration=self.env.timing.duration(),
            outcome=storyboard_outcome(file_url),
            user_data=params.get("UserData"),
            storyboard_only=params.get("ExecMode") == "StoryboardOnly",
        )
        self.jobs.add(job_id, record)
        self.env.counters.job_submitted("SubmitYikeStoryboardJob")
        return {"JobId": job_id}

    def records(self) -> list[JobRecord]:
        """Every job with its GetYikeStoryboardJob answer now."""
        now = self.env.clock()
        return [
            JobRecord("SubmitYikeStoryboardJob", job.job_id, self.describe(job, now))
            for job in self.jobs.values()
        ]

    def get(self, params: Mapping[str, str]) -> dict[str, Any]:
        """The job as ICE describes it now; ``JobResult`` once it has finished."""
        return self.describe(self.jobs.get(required(params, "JobId")), self.env.clock())

    def describe(self, job: YikeStoryboardJobRecord, now: float) -> dict[str, Any]:
        """The GetYikeStoryboardJob body (without RequestId)."""
        status = job.status(now)
        body: dict[str, Any] = {"JobId": job.job_id, "JobParams": dict(job.job_params), "JobStatus": status}
        if status != "Running":
            body["JobResult"] = yike_storyboard_result(
                job_id=job.job_id,
                job_params=job.job_params,
                outcome=job.outcome,
                region=self.env.region,
                storyboard_only=job.storyboard_only,
            )
        return body

    def resume(self, params: Mapping[str, str]) -> dict[str, Any]:
        """Restart a failed job."""
        job = self.jobs.get(required(params, "JobId"))
        now = self.env.clock()
        status = job.status(now)
        if status == "Succeeded":
            raise EmulatorApiError(
                "InvalidParameter.JobStatus",
                f"The job {job.job_id!r} has succeeded; only a Failed job can be resumed.",
                400,
            )
        if status == "Failed":
            job.resume(now, self.env.timing.duration())
        return {}
