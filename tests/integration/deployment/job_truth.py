"""A task's ``return_value`` XCom against the emulator's own record of its job, field by field,
reading the record with nothing but ``json``: a parser bug in the provider cannot appear on both
sides. Result objects are compared by their values (every number and text in them, whatever the
keys are called), so a parser that drops, invents or changes a value is caught.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any


def json_value(text: Any) -> Any:
    """A JSON-in-a-string field read with ``json`` (twice when it was escaped twice)."""
    value = text
    for _ in range(2):
        if not isinstance(value, str):
            break
        try:
            value = json.loads(value)
        except ValueError:
            break
    return value


def leaves(value: Any) -> list[str]:
    """Every scalar in ``value``, normalised (numbers, also when written as text, to one form),
    sorted: what a result holds, independent of its key names and nesting."""
    found: list[str] = []

    def walk(item: Any) -> None:
        if isinstance(item, Mapping):
            for child in item.values():
                walk(child)
        elif isinstance(item, list | tuple):
            for child in item:
                walk(child)
        elif item is None:
            return
        elif isinstance(item, bool):
            found.append(str(item).lower())
        else:
            text = str(item).strip()
            try:
                found.append(f"{float(text):.6g}")
            except ValueError:
                found.append(text)

    walk(value)
    return sorted(found)


def instant(text: Any) -> Any:
    """An ISO time as epoch seconds (``...Z`` and ``...+00:00`` are one instant); other values as they are."""
    if not isinstance(text, str):
        return text
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return text


def _compare(diffs: list[str], field: str, ours: Any, truth: Any) -> None:
    if ours != truth:
        diffs.append(f"{field} {ours!r} != {truth!r}"[:160])


def iproduction_differences(
    xcom: Mapping[str, Any], answer: Mapping[str, Any], asked: Mapping[str, Any]
) -> list[str]:
    """Fields of an IProduction ``return_value`` that differ from the emulator's QueryIProductionJob record."""
    diffs: list[str] = []
    _compare(diffs, "job_id", xcom.get("job_id"), answer.get("JobId"))
    _compare(diffs, "status", xcom.get("status"), answer.get("Status"))
    _compare(diffs, "function_name", xcom.get("function_name"), answer.get("FunctionName"))
    _compare(diffs, "function asked", asked.get("function_name"), answer.get("FunctionName"))
    _compare(diffs, "input asked", asked.get("input"), answer.get("Input"))
    _compare(diffs, "output asked", asked.get("output"), answer.get("Output"))
    result = {k: v for k, v in (xcom.get("result") or {}).items() if k != "kind"}
    # Each cover's output_url is ours, picked from OutputUrls (checked below): not a Result value.
    covers = [{k: v for k, v in cover.items() if k != "output_url"} for cover in result.get("covers") or []]
    if covers:
        result["covers"] = covers
        truth_urls = set(answer.get("OutputUrls") or [])
        picked = [cover.get("output_url") for cover in (xcom.get("result") or {}).get("covers") or []]
        _compare(diffs, "cover output_urls", [url for url in picked if url not in truth_urls], [])
    _compare(diffs, "result values", leaves(result), leaves(json_value(answer.get("Result"))))
    _compare(diffs, "output_files", xcom.get("output_files"), answer.get("OutputFiles"))
    _compare(diffs, "output_urls", xcom.get("output_urls"), answer.get("OutputUrls"))
    _compare(diffs, "output_media_ids", xcom.get("output_media_ids"), answer.get("OutputMediaIds"))
    _compare(diffs, "create_time", xcom.get("create_time"), answer.get("CreateTime"))
    _compare(diffs, "finish_time", xcom.get("finish_time"), answer.get("FinishTime"))
    _compare(diffs, "user_data", xcom.get("user_data"), answer.get("UserData"))
    return diffs


def storyboard_differences(
    xcom: Mapping[str, Any], answer: Mapping[str, Any], asked: Mapping[str, Any]
) -> list[str]:
    """Fields of a storyboard ``return_value`` that differ from the emulator's GetYikeStoryboardJob record."""
    diffs: list[str] = []
    params = answer.get("JobParams") or {}
    result = answer.get("JobResult") or {}
    _compare(diffs, "job_id", xcom.get("job_id"), answer.get("JobId"))
    _compare(diffs, "status", xcom.get("status"), answer.get("JobStatus"))
    _compare(diffs, "title", xcom.get("title"), params.get("Title"))
    for name, value in asked.items():
        _compare(diffs, f"{name} asked", value, params.get(name))
    _compare(diffs, "output_url", xcom.get("output_url"), result.get("OutputUrl"))
    ids = [part.strip() for part in str(result.get("SuccessStoryboardIds") or "").split(",") if part.strip()]
    _compare(diffs, "success_storyboard_ids", xcom.get("success_storyboard_ids"), ids)
    for ours, theirs in (
        ("success_storyboard_list", "SuccessStoryboardList"),
        ("exception_storyboard_ids", "ExceptionStoryboardIds"),
        ("failure_shot_list", "FailureShotList"),
        ("storyboard_info_list", "StoryboardInfoList"),
    ):
        _compare(diffs, ours, leaves(xcom.get(ours)), leaves(json_value(result.get(theirs))))
    return diffs


def oss_https_url(media: Mapping[str, Any]) -> str | None:
    """The HTTPS URL of one OSS object as ICE names it in ``OssFile`` (None for a numbered
    ``{Count}`` name, which is no one file)."""
    oss = media.get("OssFile") or {}
    parts = [oss.get(key) for key in ("Bucket", "Location", "Object")]
    if not all(isinstance(part, str) and part for part in parts) or "{" in str(parts[2]):
        return None
    bucket, location, key = parts
    return f"https://{bucket}.{location}.aliyuncs.com/{key}"


def snapshot_differences(
    xcom: Mapping[str, Any], answer: Mapping[str, Any], asked: Mapping[str, Any]
) -> list[str]:
    """Fields of a snapshot ``return_value`` that differ from the emulator's GetSnapshotJob record."""
    diffs: list[str] = []
    job = answer.get("SnapshotJob") or {}
    echoed_input, echoed_output = job.get("Input") or {}, job.get("Output") or {}
    _compare(diffs, "job_id", xcom.get("job_id"), job.get("JobId"))
    _compare(diffs, "status", xcom.get("status"), job.get("Status"))
    _compare(diffs, "type", xcom.get("type"), job.get("Type"))
    _compare(diffs, "count", xcom.get("count"), job.get("Count"))
    _compare(diffs, "output_media", xcom.get("output_media"), echoed_output.get("Media"))
    _compare(diffs, "output_url", xcom.get("output_url"), oss_https_url(echoed_output))
    _compare(diffs, "code", xcom.get("code"), job.get("Code"))
    _compare(diffs, "message", xcom.get("message"), job.get("Message"))
    _compare(diffs, "user_data", xcom.get("user_data"), job.get("UserData"))
    # The job model's times are written +00:00, ICE's with Z.
    _compare(diffs, "create_time", instant(xcom.get("create_time")), instant(job.get("CreateTime")))
    _compare(diffs, "finish_time", instant(xcom.get("finish_time")), instant(job.get("FinishTime")))
    for name, echoed in (("input", echoed_input), ("output", echoed_output)):
        media = asked.get(name) or {}
        _compare(diffs, f"{name} asked", dict(media), {key: echoed.get(key) for key in media})
    config = asked.get("template_config") or {}
    _compare(diffs, "template asked", config.get("TemplateId"), job.get("TemplateId"))
    ran_with = json_value(job.get("TemplateConfig")) or {}
    overwrite = config.get("OverwriteParams") or {}
    _compare(diffs, "settings asked", dict(overwrite), {key: ran_with.get(key) for key in overwrite})
    return diffs


def differences(xcom: Mapping[str, Any], answer: Mapping[str, Any], asked: Mapping[str, Any]) -> list[str]:
    """Fields of a ``return_value`` that differ from the emulator's record ``answer`` of its job.

    :param xcom: the task's ``return_value``.
    :param answer: the record's ``Answer`` (what the emulator's Get/Query says).
    :param asked: what the task asked for: the operator's parameters for an IProduction or
        snapshot job, the wire names (``FileURL``, ...) of a storyboard job's parameters.
    """
    if "SnapshotJob" in answer:
        return snapshot_differences(xcom, answer, asked)
    if "JobStatus" in answer:
        return storyboard_differences(xcom, answer, asked)
    return iproduction_differences(xcom, answer, asked)
