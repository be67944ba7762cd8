"""Readers of a job's inputs and outputs that several families share.

Requests are read in their API form (ICE's names, objects as dicts, JSON text parameters as text);
jobs in their XCom form. Nothing here raises: a shape that does not fit yields nothing (lineage
never fails a task).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from airflow_ice.lineage.job_lineage import JobMedia, JobOutputs, oss_locations_in


def decoded(value: object) -> object:
    """JSON text decoded; anything else as it is."""
    if isinstance(value, str) and value.lstrip().startswith(("{", "[")):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def items(value: object) -> list[Any]:
    """The value's items when it is a list, else none."""
    return list(value) if isinstance(value, list) else []


def member(value: object, key: str) -> object:
    """``value[key]`` when the value is a mapping, else None."""
    return value.get(key) if isinstance(value, Mapping) else None


def media_file(value: object) -> list[JobMedia]:
    """``{"Type": "OSS" | "Media" | "URL", "Media": ...}`` (or its JSON text)."""
    value = decoded(value)
    if isinstance(value, Mapping) and isinstance(value.get("Media"), str) and value["Media"].strip():
        kind = value.get("Type")
        return [JobMedia(value["Media"].strip(), kind if isinstance(kind, str) else "OSS")]
    return []


def addresses_in(*values: object) -> list[JobMedia]:
    """The OSS addresses anywhere inside the values (JSON text decoded)."""
    return [JobMedia(found) for value in values for found in oss_locations_in(decoded(value))]


def request_input(request: Mapping[str, Any]) -> list[JobMedia]:
    """The request's ``Input`` media file."""
    return media_file(request.get("Input"))


def request_output(request: Mapping[str, Any]) -> list[JobMedia]:
    """The request's ``Output`` media file."""
    return media_file(request.get("Output"))


def no_inputs(request: Mapping[str, Any]) -> list[JobMedia]:
    """A job that reads no file (its input is a text)."""
    return []


def no_outputs(job: Mapping[str, Any]) -> JobOutputs:
    """A job that writes no file."""
    return JobOutputs()


def no_output_url(job: Mapping[str, Any]) -> str | None:
    """A job that has no output URL."""
    return None


def first_output_url(job: Mapping[str, Any]) -> str | None:
    """The first of the job's ``output_urls``."""
    urls = job.get("output_urls") or []
    return str(urls[0]) if urls else None


def output_url(job: Mapping[str, Any]) -> str | None:
    """The job's ``output_url``."""
    url = job.get("output_url")
    return str(url) if url else None


def model_failure_detail(job: Any) -> str:
    """The job model's own ``failure_detail`` (ICE's error code and message)."""
    return str(getattr(job, "failure_detail", ""))


def media_url(job: Mapping[str, Any]) -> str | None:
    """The file a smart job made (its XCom's ``media_url``)."""
    url = job.get("media_url")
    return str(url) if url else None


def made_media(job: Mapping[str, Any]) -> JobOutputs:
    """A smart job's file: ``media_url``, else the media asset ``media_id``."""
    return JobOutputs.of([job.get("media_url")], [job.get("media_id")])


def result_addresses(job: Mapping[str, Any]) -> JobOutputs:
    """Every OSS address in a smart job's decoded ``ai_result``, then its ``media_url``."""
    return JobOutputs.of([*oss_locations_in(job.get("ai_result")), job.get("media_url")])


def config_media_url(request: Mapping[str, Any], name: str = "OutputConfig") -> list[JobMedia]:
    """``{"MediaURL": ...}`` of the request's ``name`` parameter (JSON text decoded)."""
    url = member(decoded(request.get(name)), "MediaURL")
    return [JobMedia(url.strip())] if isinstance(url, str) and url.strip() else []
