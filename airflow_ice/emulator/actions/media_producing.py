"""Media producing (timeline editing) jobs: SubmitMediaProducingJob and GetMediaProducingJob.

Conventions: a Timeline or ClipsParam containing ``fail`` ends ``Failed``; its ``Message`` says so.
Statuses: ``Init``, ``Queuing``,
``Processing``, then ``Success`` or ``Failed``. The submit takes ``ClientToken`` (see
:mod:`.lifecycle`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_ice.emulator.actions.base import format_time, json_object, json_text, max_length, one_of
from airflow_ice.emulator.actions.lifecycle import LifecycleActions, LifecycleJob, marker_failure
from airflow_ice.emulator.actions.listing import MEDIA_PRODUCING_LIST
from airflow_ice.emulator.errors import invalid_parameter, missing_parameter

OUTPUT_TARGETS = ("oss-object", "vod-media", "S3")
SOURCES = ("OpenAPI", "AliyunConsole", "WebSDK")
# The duration of the produced video, in seconds: the example of ICE's response table (30.500000).
PRODUCED_SECONDS = 30.5


class MediaProducingActions(LifecycleActions):
    """The media producing action group."""

    SUBMIT = "SubmitMediaProducingJob"
    GET = "GetMediaProducingJob"
    LIST = MEDIA_PRODUCING_LIST
    RUNNING = ("Init", "Queuing", "Processing")
    SUCCESS = "Success"
    FAILURE = "Failed"
    TAKES_CLIENT_TOKEN = True

    def check(self, params: Mapping[str, str]) -> bool:
        """ICE's checks: one of Timeline, TemplateId (with ClipsParam) or ProjectId; an output."""
        config = json_object(params, "OutputMediaConfig")
        if config is None:
            raise missing_parameter("OutputMediaConfig")
        target = params.get("OutputMediaTarget")
        one_of("OutputMediaTarget", target, OUTPUT_TARGETS)
        needed = ("StorageLocation", "FileName") if target == "vod-media" else ("MediaURL",)
        for name in needed:
            if not config.get(name):
                raise invalid_parameter(f"OutputMediaConfig.{name}", "it is required for this target.")
        given = [name for name in ("Timeline", "TemplateId", "ProjectId") if params.get(name)]
        if len(given) != 1:
            raise invalid_parameter("Timeline", "give exactly one of Timeline, TemplateId and ProjectId.")
        if params.get("TemplateId") and not params.get("ClipsParam"):
            raise missing_parameter("ClipsParam")
        for name in ("Timeline", "ClipsParam", "EditingProduceConfig", "MediaMetadata", "ProjectMetadata"):
            json_text(params, name)
        one_of("Source", params.get("Source"), SOURCES)
        max_length("UserData", params.get("UserData"), 512, in_bytes=True)
        return any("fail" in params.get(name, "").lower() for name in ("Timeline", "ClipsParam"))

    def submit_answer(self, job: LifecycleJob) -> dict[str, Any]:
        """``JobId``, ``ProjectId`` and ``MediaId`` (and ``VodMediaId`` for VOD outputs)."""
        answer = {"JobId": job.job_id, "ProjectId": _project_id(job), "MediaId": _media_id(job)}
        if job.params.get("OutputMediaTarget") == "vod-media":
            answer["VodMediaId"] = "vod" + job.job_id[:29]
        return answer

    def describe(self, job: LifecycleJob, now: float) -> dict[str, Any]:
        """The GetMediaProducingJob body (without RequestId), shaped like ICE's published example."""
        status = self.status(job, now)
        body: dict[str, Any] = {
            **self.submit_answer(job),
            "Timeline": job.params.get("Timeline"),
            "TemplateId": job.params.get("TemplateId"),
            "ClipsParam": job.params.get("ClipsParam"),
            "UserData": job.params.get("UserData"),
            "Status": status,
            "CreateTime": format_time(job.created_at),
            "ModifiedTime": format_time(min(now, job.finished_at)),
            "Progress": job.percent(now),
        }
        if status == self.SUCCESS:
            url = (json_object(job.params, "OutputMediaConfig") or {}).get("MediaURL")
            body.update(MediaURL=url, Duration=PRODUCED_SECONDS, CompleteTime=format_time(job.finished_at))
        elif status == self.FAILURE:
            body.update(
                Code="InvalidParameter.Timeline",
                Message=marker_failure("the Timeline or ClipsParam"),
                CompleteTime=format_time(job.finished_at),
            )
        return {"MediaProducingJob": {key: value for key, value in body.items() if value is not None}}


def _project_id(job: LifecycleJob) -> str:
    return job.params.get("ProjectId") or "prj" + job.job_id[:29]


def _media_id(job: LifecycleJob) -> str:
    return "med" + job.job_id[:29]
