"""Media censor (content moderation) jobs: SubmitMediaCensorJob and QueryMediaCensorJobDetail.

Conventions: an input Media containing ``fail`` ends ``Fail``. States: ``Queuing``, ``Analysing``,
then ``Success`` or ``Fail``. The verdicts: the video's (and its frames') are ``block`` when the
input Media contains ``block``, ``review`` when it contains ``review``, else ``pass``; the title's,
description's, barrages' and each cover's likewise by their own text; the overall ``Suggestion``
is the strictest, as ICE's is. The frames are paged (``MaximumPageSize``, ``NextPageToken``).
No ClientToken.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from airflow_ice.emulator.actions.base import format_time, json_object, json_text, max_length, required
from airflow_ice.emulator.actions.iproduction import media_parameter, schedule_config_parameter
from airflow_ice.emulator.actions.lifecycle import LifecycleActions, LifecycleJob, marker_failure
from airflow_ice.emulator.errors import invalid_parameter
from airflow_ice.emulator.results import oss_location

# ICE's limits (the SDK's comments).
TITLE_MAX_BYTES = 64
DESCRIPTION_MAX_BYTES = 128
COVER_IMAGES_MAX = 5
PAGE_SIZE_DEFAULT = 30
PAGE_SIZE_MAX = 300
# The emulated video's frames: one every 5 seconds.
FRAME_COUNT = 4
# Strictest last: the overall suggestion is the strictest part's.
SUGGESTIONS = ("pass", "review", "block")
# What a verdict names per suggestion (ICE's labels for its image scenes).
VIDEO_LABELS = {"pass": "normal", "review": "sexy", "block": "porn"}
TEXT_LABELS = {"pass": "normal", "review": "ad", "block": "abuse"}


def _suggestion_of(text: str) -> str:
    lowered = text.lower()
    return "block" if "block" in lowered else "review" if "review" in lowered else "pass"


def _verdict(suggestion: str, scene: str, labels: Mapping[str, str]) -> dict[str, str]:
    return {"Suggestion": suggestion, "Label": labels[suggestion], "Scene": scene, "Rate": "99.91"}


def _oss_object(media: str, region: str) -> dict[str, str]:
    bucket, key = oss_location(media)
    return {"Bucket": bucket, "Location": f"oss-{region}", "Object": key}


def _frame_object(output: str | None, number: int) -> str:
    if not output:
        return f"censor/frame-{number:05d}.jpg"
    return oss_location(output.replace("{Count}", f"{number:05d}"))[1]


class MediaCensorActions(LifecycleActions):
    """The media censor action group."""

    SUBMIT = "SubmitMediaCensorJob"
    GET = "QueryMediaCensorJobDetail"
    RUNNING = ("Queuing", "Analysing")
    SUCCESS = "Success"
    FAILURE = "Fail"

    def check(self, params: Mapping[str, str]) -> bool:
        """ICE's checks: an Input; the documented lengths; CoverImages a JSON list of at most five
        OSS objects; JSON UserData; ScheduleConfig's priority."""
        job_input = media_parameter(params, "Input")
        max_length("Title", params.get("Title"), TITLE_MAX_BYTES, in_bytes=True)
        max_length("Description", params.get("Description"), DESCRIPTION_MAX_BYTES, in_bytes=True)
        json_text(params, "UserData")
        schedule_config_parameter(params)
        self._covers(params)
        return "fail" in str(job_input["Media"]).lower()

    @staticmethod
    def _covers(params: Mapping[str, str]) -> list[Any]:
        text = json_text(params, "CoverImages")
        if text is None:
            return []
        listed = json.loads(text)
        if not isinstance(listed, list) or not 1 <= len(listed) <= COVER_IMAGES_MAX:
            raise invalid_parameter(
                "CoverImages", f"it must be a JSON list of 1 to {COVER_IMAGES_MAX} images."
            )
        for index, cover in enumerate(listed):
            if not isinstance(cover, dict) or not all(cover.get(k) for k in ("Bucket", "Location", "Object")):
                raise invalid_parameter(f"CoverImages[{index}]", "it needs Bucket, Location and Object.")
        return listed

    def get(self, params: Mapping[str, str]) -> dict[str, Any]:
        """The job as ICE describes it now, with the page of frames asked for."""
        job, now = self.jobs.get(required(params, "JobId")), self.env.clock()
        size = _page_size(params.get("MaximumPageSize"))
        start = _page_start(params.get("NextPageToken"))
        self.note_read(job, now)
        return self.page(job, now, start, size)

    def describe(self, job: LifecycleJob, now: float) -> dict[str, Any]:
        """The QueryMediaCensorJobDetail body (without RequestId), its first page of frames."""
        return self.page(job, now, 0, PAGE_SIZE_DEFAULT)

    def page(self, job: LifecycleJob, now: float, start: int, size: int) -> dict[str, Any]:
        """The answer with the frames from ``start`` (at most ``size`` of them)."""
        state = self.status(job, now)
        params = job.params
        schedule = json_object(params, "ScheduleConfig") or {}
        job_input = json_object(params, "Input") or {}
        media = str(job_input.get("Media", ""))
        body: dict[str, Any] = {
            "JobId": job.job_id,
            "State": state,
            "UserData": params.get("UserData"),
            "PipelineId": schedule.get("PipelineId"),
            "CreationTime": format_time(job.created_at),
            "Input": _oss_object(media, self.env.region) if job_input.get("Type") == "OSS" else None,
        }
        output = params.get("Output")
        if output:
            body["VideoCensorConfig"] = {
                "BizType": "common",
                "VideoCensor": "true",
                "OutputFile": _oss_object(output, self.env.region),
            }
        if state == self.FAILURE:
            body.update(
                FinishTime=format_time(job.finished_at),
                Code="InvalidParameter.Input",
                Message=marker_failure("Input.Media"),
            )
        elif state == self.SUCCESS:
            body["FinishTime"] = format_time(job.finished_at)
            body.update(self._verdicts(params, media, output, start, size))
        return {"MediaCensorJobDetail": {key: value for key, value in body.items() if value is not None}}

    def _verdicts(
        self, params: Mapping[str, str], media: str, output: str | None, start: int, size: int
    ) -> dict[str, Any]:
        video = _suggestion_of(media)
        found: dict[str, Any] = {}
        suggestions = [video]
        texts = {
            "Title": "TitleCensorResult",
            "Description": "DescCensorResult",
            "Barrages": "BarrageCensorResult",
        }
        for name, key in texts.items():
            if params.get(name):
                suggestion = _suggestion_of(params[name])
                suggestions.append(suggestion)
                found[key] = _verdict(suggestion, "antispam", TEXT_LABELS)
        covers = []
        for cover in self._covers(params):
            suggestion = _suggestion_of(str(cover["Object"]))
            suggestions.append(suggestion)
            results = [_verdict(suggestion, scene, VIDEO_LABELS) for scene in ("porn", "terrorism")]
            place = {key: cover[key] for key in ("Bucket", "Location", "Object")}
            covers.append({**place, "Results": {"Result": results}})
        if covers:
            found["CoverImageCensorResults"] = {"CoverImageCensorResult": covers}
        frames = [
            {
                "Timestamp": format_time(number * 5.0)[11:19] + ".000",
                "Object": _frame_object(output, number + 1),
                "CensorResults": {"CensorResult": [_verdict(video, "porn", VIDEO_LABELS)]},
            }
            for number in range(start, min(start + size, FRAME_COUNT))
        ]
        video_result: dict[str, Any] = {
            "CensorResults": {
                "CensorResult": [_verdict(video, scene, VIDEO_LABELS) for scene in ("porn", "terrorism")]
            },
            "VideoTimelines": {"VideoTimeline": frames},
        }
        if start + size < FRAME_COUNT:
            video_result["NextPageToken"] = str(start + size)
        found["VensorCensorResult"] = video_result
        found["Suggestion"] = max(suggestions, key=SUGGESTIONS.index)
        return found


def _page_size(value: str | None) -> int:
    if value is None:
        return PAGE_SIZE_DEFAULT
    if not value.isdigit() or not 1 <= int(value) <= PAGE_SIZE_MAX:
        raise invalid_parameter("MaximumPageSize", f"it must be from 1 to {PAGE_SIZE_MAX}.")
    return int(value)


def _page_start(token: str | None) -> int:
    if token is None:
        return 0
    if not token.isdigit() or int(token) >= FRAME_COUNT:
        raise invalid_parameter("NextPageToken", "it is not a token this job gave.")
    return int(token)
