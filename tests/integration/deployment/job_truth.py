"""A task's ``return_value`` XCom against the emulator's own record of its job, field by field,
reading the record with nothing but ``json``: a parser bug in the provider cannot appear on both
sides. Result objects are compared by their values (every number and text in them, whatever the
keys are called), so a parser that drops, invents or changes a value is caught.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
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


def differences(xcom: Mapping[str, Any], answer: Mapping[str, Any], asked: Mapping[str, Any]) -> list[str]:
    """Fields of a ``return_value`` that differ from the emulator's record ``answer`` of its job.

    :param xcom: the task's ``return_value``.
    :param answer: the record's ``Answer`` (what the emulator's Get/Query says).
    :param asked: what the task asked for: the operator's parameters for an IProduction job, the
        wire names (``FileURL``, ...) of a storyboard job's parameters.
    """
    if "JobStatus" in answer:
        return storyboard_differences(xcom, answer, asked)
    return iproduction_differences(xcom, answer, asked)
