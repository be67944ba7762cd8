"""Deterministic job results shaped like ICE's published examples.

The same input always gives the same result: values come from a random generator seeded with a
hash of the input. Conventions: an input containing ``poor`` gets a poor audio quality score.
"""

from __future__ import annotations

import functools
import hashlib
import json
import posixpath
import random
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

IPRODUCTION_FUNCTIONS: frozenset[str] = frozenset(
    {
        "Cover",
        "VideoClip",
        "VideoDelogo",
        "VideoDetext",
        "CaptionExtraction",
        "VideoGreenScreenMatting",
        "FaceBeauty",
        "VideoH2V",
        "MusicSegmentDetect",
        "AudioBeatDetection",
        "AudioQualityAssessment",
        "SpeechDenoise",
        "AudioMixing",
        "MusicDemix",
    }
)
# Functions whose whole output is the Result (no output file).
ANALYSIS_ONLY_FUNCTIONS: frozenset[str] = frozenset({"MusicSegmentDetect", "AudioQualityAssessment"})
AUDIO_QUALITY_SCORES = ("MOS", "Discontinuity", "Loudness", "Coloration", "Noisiness")


def seeded_random(*parts: str) -> random.Random:
    """A generator seeded by the parts, stable across processes (unlike ``hash()``)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def to_json_text(value: Any) -> str:
    """Compact JSON text as ICE embeds it in string fields."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def media_stem(media: str) -> str:
    """``oss://b/dir/clip.mp4`` -> ``clip``."""
    name = posixpath.basename(urlsplit(media).path.rstrip("/")) or media
    return posixpath.splitext(name)[0] or "media"


def cover_result(media: str) -> list[dict[str, Any]]:
    """Cover: ``[{"Score", "Time", "Url"}]``, best first."""
    rng = seeded_random("Cover", media)
    scores = sorted((rng.uniform(5.0, 9.5) for _ in range(3)), reverse=True)
    return [
        {
            "Score": score,
            "Time": f"{rng.uniform(0, 60000):.2f}",
            "Url": f"cover/{media_stem(media)}-{i:05d}.jpg",
        }
        for i, score in enumerate(scores, start=1)
    ]


def video_clip_result(media: str) -> dict[str, Any]:
    """VideoClip: ``{"VideoSummaryList": [{"StartTime", "EndTime"}]}`` in seconds, as strings."""
    rng = seeded_random("VideoClip", media)
    segments = []
    start = rng.uniform(0.1, 2.0)
    for _ in range(rng.randint(1, 3)):
        end = start + rng.uniform(2.0, 8.0)
        segments.append({"StartTime": f"{start:.2f}", "EndTime": f"{end:.2f}"})
        start = end + rng.uniform(1.0, 10.0)
    return {"VideoSummaryList": segments}


def music_segment_result(media: str) -> list[dict[str, Any]]:
    """MusicSegmentDetect: ``[{"start", "end", "title"}]`` with lower-case keys, seconds as numbers."""
    rng = seeded_random("MusicSegmentDetect", media)
    segments = []
    start = rng.uniform(20.0, 45.0)
    for _ in range(3):
        end = start + rng.uniform(20.0, 30.0)
        segments.append({"start": round(start, 2), "end": round(end, 2), "title": "副歌"})
        start = end + rng.uniform(15.0, 30.0)
    return segments


def quality_grade(score: float) -> str:
    """The grade ICE gives a 0-5 score (``1.01`` Poor, ``2.34`` Fair, ``3.52`` Good, ...)."""
    if score < 1.0:
        return "Bad"
    if score < 2.0:
        return "Poor"
    if score < 3.0:
        return "Fair"
    if score < 4.0:
        return "Good"
    return "Excellent"


def audio_quality_result(media: str) -> list[dict[str, str]]:
    """AudioQualityAssessment: one object per channel, every value a string.

    ``MOS(0-5)`` is below 2 (``MOS: Poor``) when the input contains ``poor``, above 3.6 otherwise.
    """
    rng = seeded_random("AudioQualityAssessment", media)
    poor = "poor" in media.lower()
    duration = f"{rng.uniform(10.0, 120.0):.2f}"
    clock = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    moment = f"2022-12-0{rng.randint(1, 9)} {clock}"
    channels = []
    for channel in (1, 2):
        scores = {
            "MOS": rng.uniform(1.0, 1.9) if poor else rng.uniform(3.6, 4.7),
            "Discontinuity": rng.uniform(2.0, 4.0) if poor else rng.uniform(3.5, 5.0),
            "Loudness": rng.uniform(3.0, 5.0),
            "Coloration": rng.uniform(0.5, 2.5) if poor else rng.uniform(3.0, 5.0),
            "Noisiness": rng.uniform(1.5, 3.5) if poor else rng.uniform(3.5, 5.0),
        }
        entry: dict[str, str] = {
            "Channel": str(channel),
            "Input": f"/home/admin/algo/quality/{posixpath.basename(urlsplit(media).path) or media}",
            "Time": moment,
            "Total Duration": duration,
            "Tag": "Valid",
            "Speech Ratio": f"{rng.uniform(30.0, 70.0):.2f}",
            "Bad Mute Ratio(%)": f"{rng.uniform(0.0, 5.0):.1f}",
            "Double Talk Ratio(%)": f"{rng.uniform(0.0, 30.0):.2f}",
            "Saturated Ratio(%)": f"{rng.uniform(0.0, 40.0 if poor else 2.0):.2f}",
            "Loudness(-90dB-0dB)": f"{rng.uniform(-10.0, -0.5):.2f}",
        }
        for name, score in scores.items():
            entry[name] = quality_grade(score)
            entry[f"{name}(0-5)"] = f"{score:.2f}"
            if name != "Loudness":
                entry[f"Worst {name}(0-5)"] = f"{score * rng.uniform(0.3, 0.9):.2f}"
        channels.append(entry)
    return channels


RESULT_BUILDERS: dict[str, Callable[[str], Any]] = {
    "Cover": cover_result,
    "VideoClip": video_clip_result,
    "MusicSegmentDetect": music_segment_result,
    "AudioQualityAssessment": audio_quality_result,
}


def iproduction_result(function_name: str, input_media: str) -> Any:
    """The parsed ``Result`` of a successful job (``{}`` for functions whose output is files)."""
    builder = RESULT_BUILDERS.get(function_name)
    return builder(input_media) if builder else {}


@functools.lru_cache(maxsize=4096)
def iproduction_result_text(function_name: str, input_media: str) -> str:
    """``Result`` as ICE sends it (JSON text); cached because jobs are polled many times."""
    return to_json_text(iproduction_result(function_name, input_media))


@functools.lru_cache(maxsize=4096)
def cover_files(input_media: str) -> tuple[str, ...]:
    """The cover file paths of a Cover job, as its Result names them (``cover/<name>``)."""
    return tuple(cover["Url"] for cover in cover_result(input_media))


def iproduction_failure(function_name: str, input_media: str) -> dict[str, str]:
    """The ``Result`` of a failed job: why it failed."""
    return {
        "ErrorCode": "InputMediaInvalid",
        "ErrorMessage": f"{function_name} could not process the input {input_media!r}.",
    }


def oss_location(media: str) -> tuple[str, str]:
    """``oss://bucket/key`` or ``https://bucket.oss-...aliyuncs.com/key`` -> ``(bucket, key)``."""
    parts = urlsplit(media)
    if parts.scheme == "oss":
        return parts.netloc, parts.path.lstrip("/")
    if parts.scheme in ("http", "https"):
        return parts.netloc.split(".", 1)[0], parts.path.lstrip("/")
    return "", media


def oss_url(bucket: str, key: str, region: str) -> str:
    """The public HTTPS URL of an OSS object."""
    return f"https://{bucket}.oss-{region}.aliyuncs.com/{key}"


def echoed_media(media: Mapping[str, Any], region: str) -> dict[str, Any]:
    """A job's ``{Type, Media}`` as ICE echoes it: with ``OssFile`` for OSS addresses."""
    echoed = dict(media)
    bucket, key = oss_location(str(media["Media"]))
    if media.get("Type") == "OSS" and bucket:
        echoed["OssFile"] = {"Bucket": bucket, "Location": f"oss-{region}", "Object": key}
    return echoed


def storyboard_ids(file_url: str, style_id: str, title: str) -> list[str]:
    """Deterministic storyboard ids (``st_`` + 10 digits) for an input."""
    rng = seeded_random("YikeStoryboard", file_url, style_id, title)
    return [f"st_{rng.randint(1_000_000_000, 2_147_483_647)}" for _ in range(rng.randint(2, 3))]


def yike_storyboard_result(
    *, job_id: str, job_params: dict[str, str], outcome: str, region: str, storyboard_only: bool = False
) -> dict[str, str]:
    """``JobResult`` of a finished storyboard job: every field a string, lists as JSON text.

    :param outcome: ``succeeded``, ``partial`` (last storyboard fails one shot) or ``failed``.
    :param storyboard_only: no video was made (``OutputUrl`` is empty).
    """
    file_url = job_params.get("FileURL", "")
    title = job_params.get("Title") or "storyboard"
    ids = storyboard_ids(file_url, job_params.get("StyleId", ""), title)
    failed_ids = ids if outcome == "failed" else ids[-1:] if outcome == "partial" else []
    good_ids = [sid for sid in ids if sid not in failed_ids]
    error_code = "ShotGenerateFailed" if outcome == "failed" else "NoMediaData"
    bucket, _ = oss_location(file_url)
    output_url = (
        ""
        if outcome == "failed" or storyboard_only
        else oss_url(bucket or "yike-output", f"yike/{job_id}/output.mp4", region)
    )
    infos = [
        {
            "storyboardId": sid,
            "title": f"{title}_{index}",
            "status": "Failed" if sid in failed_ids else "Produced",
            "subStatus": "ProduceFail" if sid in failed_ids else "ProduceSucc",
        }
        for index, sid in enumerate(ids, start=1)
    ]
    failures = [
        {"errorCode": error_code, "storyboardId": sid, "shotId": str(10 + index * 11)}
        for index, sid in enumerate(failed_ids, start=1)
    ]
    return {
        "OutputUrl": output_url,
        "SuccessStoryboardList": to_json_text(good_ids),
        "ExceptionStoryboardIds": to_json_text(failed_ids),
        "FailureShotList": to_json_text(failures),
        "SuccessStoryboardIds": ", ".join(good_ids),
        "StoryboardInfoList": to_json_text(infos),
    }
