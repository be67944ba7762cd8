"""Yike AI application jobs: SubmitYikeAIAppJob, GetYikeAIAppJob, BatchGetYikeAIAppJob, PrecheckYikeAIAppJob.

Lifecycle: ``Created`` for the first tenth of the job's duration, ``Queuing`` until three tenths,
then ``Executing`` (``ExecutionStartTime`` appears), then ``Finished`` with a ``Result`` or ``Failed``
(``ExecutionFinishTime`` appears). Conventions, so a test can ask for an outcome:

- ``AppParams`` containing ``fail`` or ``invalid``: the job ends ``Failed`` (no ``Result``).
- ``AppParams`` containing ``unlisted``: BatchGetYikeAIAppJob leaves the job out (as ICE may for a
  job it has not indexed yet); GetYikeAIAppJob answers for it as usual.
- PrecheckYikeAIAppJob answers ``Status: Failed`` with one ``{Key, ErrorCode: "InvalidValue"}``
  per top-level AppParams key whose value contains ``invalid``, else ``Status: Success``.
- BatchGetYikeAIAppJob takes at most ``ActionEnvironment.ai_app_batch_limit`` ids (20 by default;
  ICE publishes no limit): more answer ``InvalidParameter`` naming ``JobIds``. Unknown ids are left
  out of ``JobList``, whose items name the parameters ``AppInputConfig`` as the official SDK does.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_ice.emulator.actions.base import (
    ActionEnvironment,
    ActionHandler,
    JobRecord,
    format_time,
    json_object,
    required,
)
from airflow_ice.emulator.errors import EmulatorApiError, invalid_parameter
from airflow_ice.emulator.jobs import JobStore
from airflow_ice.emulator.results import oss_location, oss_url, seeded_random

CREATED_SHARE = 0.1
QUEUING_SHARE = 0.3
DEFAULT_OUTPUT_BUCKET = "yike-ai-app-output"


@dataclass
class YikeAIAppJobRecord:
    """One AI application job as submitted.

    :param app_params: ``AppParams`` as sent (JSON text), if any.
    :param fails: it ends ``Failed`` (AppParams contains ``fail`` or ``invalid``).
    :param unlisted: BatchGetYikeAIAppJob leaves it out (AppParams contains ``unlisted``).
    """

    job_id: str
    app_id: str
    app_params: str | None
    folder_id: str | None
    production_id: str | None
    created_at: float
    duration: float
    fails: bool
    unlisted: bool

    def status(self, now: float) -> str:
        """``Created``, ``Queuing``, ``Executing``, ``Finished`` or ``Failed`` at ``now``."""
        elapsed = now - self.created_at
        if elapsed >= self.duration:
            return "Failed" if self.fails else "Finished"
        if elapsed < self.duration * CREATED_SHARE:
            return "Created"
        if elapsed < self.duration * QUEUING_SHARE:
            return "Queuing"
        return "Executing"

    @property
    def started_at(self) -> float:
        """When it starts executing."""
        return self.created_at + self.duration * QUEUING_SHARE


def app_params_parameter(params: Mapping[str, str]) -> dict[str, Any] | None:
    """``AppParams``: JSON text of an object, or absent."""
    return json_object(params, "AppParams")


def output_bucket(app_params: dict[str, Any] | None) -> str:
    """The bucket of the first OSS address in the parameters (where the app reads its input)."""
    texts = [value for value in (app_params or {}).values() if isinstance(value, str)]
    texts += [item for value in (app_params or {}).values() if isinstance(value, list) for item in value]
    for text in texts:
        if isinstance(text, str) and (text.startswith("oss://") or ".aliyuncs.com/" in text):
            bucket, _ = oss_location(text)
            if bucket:
                return bucket
    return DEFAULT_OUTPUT_BUCKET


def ai_app_result(record: YikeAIAppJobRecord, region: str) -> dict[str, list[dict[str, str]]]:
    """The ``Result`` of a finished job: one video, one or two images, maybe an audio track."""
    rng = seeded_random("YikeAIApp", record.app_id, record.app_params or "")
    decoded = json.loads(record.app_params) if record.app_params else None
    bucket = output_bucket(decoded)

    def outputs(kind: str, extension: str, count: int) -> list[dict[str, str]]:
        return [
            {
                "MediaId": f"{rng.getrandbits(128):032x}",
                "OutputUrl": oss_url(bucket, f"yike-ai-app/{record.job_id}/{kind}-{n}.{extension}", region),
            }
            for n in range(1, count + 1)
        ]

    return {
        "AudioResult": outputs("audio", "mp3", rng.randint(0, 1)),
        "ImageResult": outputs("image", "jpg", rng.randint(1, 2)),
        "VideoResult": outputs("video", "mp4", 1),
    }


class YikeAIAppActions:
    """The Yike AI application action group, with its job store.

    :param env: the shared environment (clock, durations, counters, region, batch limit).
    """

    def __init__(self, env: ActionEnvironment) -> None:
        self.env = env
        self.jobs: JobStore[YikeAIAppJobRecord] = JobStore()

    def handlers(self) -> Mapping[str, ActionHandler]:
        """The actions this group answers."""
        return {
            "SubmitYikeAIAppJob": self.submit,
            "GetYikeAIAppJob": self.get,
            "BatchGetYikeAIAppJob": self.batch_get,
            "PrecheckYikeAIAppJob": self.precheck,
        }

    def reset(self) -> None:
        """Forget every job."""
        self.jobs.clear()

    def records(self) -> list[JobRecord]:
        """Every job with its GetYikeAIAppJob answer now."""
        now = self.env.clock()
        return [
            JobRecord("SubmitYikeAIAppJob", job.job_id, self.describe(job, now)) for job in self.jobs.values()
        ]

    @property
    def batch_limit(self) -> int:
        """The most ids one BatchGetYikeAIAppJob call may ask about."""
        return self.env.ai_app_batch_limit

    def submit(self, params: Mapping[str, str]) -> dict[str, Any]:
        """Validate like ICE, then create the job."""
        app_id = required(params, "AppId")
        app_params_parameter(params)
        text = params.get("AppParams") or None
        lowered = (text or "").lower()
        job_id = uuid.uuid4().hex
        record = YikeAIAppJobRecord(
            job_id=job_id,
            app_id=app_id,
            app_params=text,
            folder_id=params.get("FolderId") or None,
            production_id=params.get("ProductionId") or None,
            created_at=self.env.clock(),
            duration=self.env.timing.duration(),
            fails="fail" in lowered or "invalid" in lowered,
            unlisted="unlisted" in lowered,
        )
        self.jobs.add(job_id, record)
        self.env.counters.job_submitted("SubmitYikeAIAppJob")
        return {"JobId": job_id}

    def get(self, params: Mapping[str, str]) -> dict[str, Any]:
        """The job as ICE describes it now."""
        return self.describe(self.jobs.get(required(params, "JobId")), self.env.clock())

    def batch_get(self, params: Mapping[str, str]) -> dict[str, Any]:
        """Several jobs; unknown (and ``unlisted``) ones are left out."""
        job_ids = list(dict.fromkeys(part.strip() for part in required(params, "JobIds").split(",")))
        job_ids = [job_id for job_id in job_ids if job_id]
        if not job_ids:
            raise invalid_parameter("JobIds", "it names no job.")
        if len(job_ids) > self.batch_limit:
            raise invalid_parameter(
                "JobIds", f"at most {self.batch_limit} job ids per call, got {len(job_ids)}."
            )
        now = self.env.clock()
        listed = []
        for job_id in job_ids:
            try:
                record = self.jobs.get(job_id)
            except EmulatorApiError:  # an unknown job is left out, not an error
                continue
            if record.unlisted:
                continue
            body = self.describe(record, now)
            if "AppParams" in body:
                body["AppInputConfig"] = body.pop("AppParams")
            listed.append(body)
        return {"JobList": listed}

    def precheck(self, params: Mapping[str, str]) -> dict[str, Any]:
        """Check the parameters without creating a job."""
        required(params, "AppId")
        app_params = app_params_parameter(params) or {}
        problems = [
            {"Key": str(key), "ErrorCode": "InvalidValue"}
            for key, value in app_params.items()
            if "invalid" in json.dumps(value, ensure_ascii=False).lower()
        ]
        if problems:
            return {"Status": "Failed", "Result": problems}
        return {"Status": "Success", "Result": []}

    def describe(self, job: YikeAIAppJobRecord, now: float) -> dict[str, Any]:
        """The GetYikeAIAppJob body (without RequestId)."""
        status = job.status(now)
        body: dict[str, Any] = {
            "JobId": job.job_id,
            "AppId": job.app_id,
            "AppParams": job.app_params,
            "FolderId": job.folder_id,
            "ProductionId": job.production_id,
            "Status": status,
        }
        if status not in ("Created", "Queuing"):
            body["ExecutionStartTime"] = format_time(job.started_at)
        if status in ("Finished", "Failed"):
            body["ExecutionFinishTime"] = format_time(job.created_at + job.duration)
        if status == "Finished":
            body["Result"] = ai_app_result(job, self.env.region)
        return {key: value for key, value in body.items() if value is not None}
