"""Each job family's model and a real answer of the emulator for one of its finished jobs (no tests here)."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from airflow_ice.emulator import IceEmulator
from airflow_ice.hooks.ice import IceHook
from airflow_ice.models import (
    BatchMediaProducingJob,
    DynamicImageJob,
    IProductionJob,
    MediaCensorJob,
    MediaConvertJob,
    MediaInfoJob,
    MediaProducingJob,
    PackageJob,
    SmartHandleJob,
    SmarttagJob,
    SnapshotJob,
    TranscodeJob,
    YikeAIAppJob,
    YikeStoryboardJob,
)
from tests.support.family_cases import (
    ASR,
    AUDIO_PRODUCE,
    AVATAR_VIDEO,
    BATCH_MEDIA_PRODUCING,
    DYNAMIC_IMAGE,
    HIGHLIGHT_EXTRACTION,
    MEDIA_CENSOR,
    MEDIA_CONVERT,
    MEDIA_INFO,
    MEDIA_PRODUCING,
    PACKAGE,
    SEGMENTATION,
    SMARTTAG,
    SNAPSHOT,
    TRANSCODE,
    VIDEO_TRANSLATION,
)


@dataclass(frozen=True)
class FamilyAnswer:
    """One family's model and the emulator's answer (its Get/Query action) for a finished job.

    :param family: the family's name.
    :param parse: what the hook does with the answer (the model's ``from_response``).
    :param answer: the answer, ``RequestId`` included.
    """

    family: str
    parse: Callable[[dict[str, Any]], Any]
    answer: dict[str, Any]


def _submits(hook: IceHook) -> dict[str, str]:
    return {
        "IProduction": hook.submit_iproduction_job(
            {
                "function_name": "Cover",
                "input": {"Type": "OSS", "Media": "oss://bucket/in/clip.mp4"},
                "output": {"Type": "OSS", "Media": "oss://bucket/out/cover/"},
            }
        ),
        "Yike storyboard": hook.submit_yike_storyboard_job(
            {
                "file_url": "oss://bucket/novel-partial.txt",
                "source_type": "Novel",
                "shot_split_mode": "firstPersonNarration",
                "style_id": "RealisticPhotography",
            }
        ),
        "Yike AI app": hook.submit_yike_ai_app_job(
            {"app_id": "app-1", "app_params": {"Prompt": "sea", "Video": "oss://bucket/in/clip.mp4"}}
        ),
        **{
            case.name: case.submit(hook, case.kwargs)
            for case in (
                MEDIA_PRODUCING,
                MEDIA_CONVERT,
                SNAPSHOT,
                DYNAMIC_IMAGE,
                MEDIA_INFO,
                SMARTTAG,
                MEDIA_CENSOR,
                TRANSCODE,
                PACKAGE,
                ASR,
                AUDIO_PRODUCE,
                AVATAR_VIDEO,
                VIDEO_TRANSLATION,
                HIGHLIGHT_EXTRACTION,
                SEGMENTATION,
                BATCH_MEDIA_PRODUCING,
            )
        },
    }


PARSERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "IProduction": IProductionJob.from_response,
    "Yike storyboard": YikeStoryboardJob.from_response,
    "Yike AI app": YikeAIAppJob.from_response,
    "Media producing": MediaProducingJob.from_response,
    "Media convert": MediaConvertJob.from_response,
    "Snapshot": SnapshotJob.from_response,
    "Animated image": DynamicImageJob.from_response,
    "Media info": MediaInfoJob.from_response,
    "Smart tagging": SmarttagJob.from_response,
    "Media censor": MediaCensorJob.from_response,
    "Transcode": TranscodeJob.from_response,
    "Packaging": PackageJob.from_response,
    "Batch media producing": BatchMediaProducingJob.from_response,
    # GetSmartHandleJob reads every smart job with one answer.
    **dict.fromkeys(
        (
            "Speech recognition",
            "Text to speech",
            "Avatar video",
            "Video translation",
            "Highlight extraction",
            "Segmentation",
        ),
        SmartHandleJob.from_response,
    ),
}
"""Every job family's parser, as the hook calls it."""


@functools.cache
def family_answers() -> tuple[FamilyAnswer, ...]:
    """One finished job of every family, as the emulator answers for it (made once per process)."""
    saved = os.environ.get("AIRFLOW_CONN_ICE_DEFAULT")
    try:
        with IceEmulator(job_seconds=0) as ice:
            os.environ["AIRFLOW_CONN_ICE_DEFAULT"] = ice.connection_json()
            with IceHook() as hook:
                job_ids = _submits(hook)
            # job_seconds=0: every job is finished when it is made (its end is its creation time).
            records = {record["JobId"]: record["Answer"] for record in ice.jobs()}
    finally:
        if saved is None:
            os.environ.pop("AIRFLOW_CONN_ICE_DEFAULT", None)
        else:
            os.environ["AIRFLOW_CONN_ICE_DEFAULT"] = saved
    answers = []
    for family, job_id in job_ids.items():
        answer = {"RequestId": "req-1", **records[job_id]}
        if family == "Smart tagging":
            answer["JobId"] = job_id  # the hook adds it: QuerySmarttagJob's answer has none
        answers.append(FamilyAnswer(family, PARSERS[family], answer))
    return tuple(answers)
