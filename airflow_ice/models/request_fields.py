"""Field checks shared by the request models: JSON text parameters and the base configuration."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from airflow_ice.models.json_text import compact_json, short_repr


class RequestModel(BaseModel):
    """Base of the request models: Python or API names accepted, unknown keys rejected.

    Typos must not be dropped silently before a paid job is submitted, hence ``extra="forbid"``.
    """

    model_config = ConfigDict(populate_by_name=True, extra="forbid", frozen=True)

    def api_json(self) -> str:
        """The object as the API wants a nested one: compact JSON, keys sorted, nulls left out."""
        values = self.model_dump(by_alias=True, exclude_none=True)
        return compact_json(dict(sorted(values.items())))

    def to_query(self) -> dict[str, str] | None:
        """The parameters a submit sends in the query string, as the official SDK places them
        (None: none). A family's request model overrides this and :meth:`to_body`."""
        return None

    def to_body(self) -> dict[str, str] | None:
        """The parameters a submit sends form-encoded in the body (None: none)."""
        return None


class OpenRequestModel(RequestModel):
    """A nested request object whose parts named here are checked and whose other settings (ICE
    takes many codec, packaging and snapshot settings) are passed on as given."""

    model_config = ConfigDict(populate_by_name=True, extra="allow", frozen=True)


class MediaFile(OpenRequestModel):
    """A file a media job reads or writes: ``{"Type": "OSS" | "Media", "Media": URL or media id}``.

    :param type: ``OSS`` (``media`` is ``oss://bucket/object`` or its HTTPS URL) or ``Media`` (a media id).
    :param media: the address or media id.
    """

    type: Literal["OSS", "Media"] = Field(alias="Type")
    media: str = Field(alias="Media", min_length=1)


class ScheduleConfig(RequestModel):
    """``ScheduleConfig`` of the media jobs: the pipeline to run in and the job's priority.

    :param pipeline_id: the ICE pipeline (queue).
    :param priority: 1 (lowest) to 10 (ICE's default is 6).
    """

    pipeline_id: str | None = Field(None, alias="PipelineId", min_length=1)
    priority: int | None = Field(None, alias="Priority", ge=1, le=10)


def json_list(value: Any) -> Any:
    """Accept a list, or a string holding JSON text of one (decoded for validation)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise ValueError(
                f"{short_repr(value)} is not JSON text; give a list or JSON text of one"
            ) from None
    return value


def _serialised(value: Any) -> str:
    try:
        return compact_json(value)
    except (TypeError, ValueError):
        raise ValueError(f"{short_repr(value)} cannot be written as JSON") from None


def json_text(value: Any) -> Any:
    """Accept a dict or list (written as compact JSON) or a string that is valid JSON text."""
    if isinstance(value, (Mapping, list)):
        return _serialised(dict(value) if isinstance(value, Mapping) else value)
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            raise ValueError(
                f"{short_repr(value)} is not valid JSON text; give a dict or a JSON string"
            ) from None
    return value


def text_or_json(value: Any) -> Any:
    """Accept a string as is, or a dict or list written as compact JSON."""
    if isinstance(value, (Mapping, list)):
        return _serialised(dict(value) if isinstance(value, Mapping) else value)
    return value


def json_object(value: Any) -> Any:
    """Accept a mapping, or a string holding a JSON object (decoded for validation)."""
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError:
            raise ValueError(
                f"{short_repr(value)} is not a JSON object; give a dict or a JSON string"
            ) from None
        if not isinstance(decoded, dict):
            raise ValueError(f"{short_repr(value)} is not a JSON object")
        return decoded
    return value


def json_array(value: Any) -> Any:
    """Accept a list, or a string holding a JSON array (decoded for validation)."""
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError:
            raise ValueError(
                f"{short_repr(value)} is not a JSON array; give a list or a JSON string"
            ) from None
        if not isinstance(decoded, list):
            raise ValueError(f"{short_repr(value)} is not a JSON array")
        return decoded
    return value


def max_utf8_bytes(limit: int) -> Callable[[str | None], str | None]:
    """A check that a string takes at most ``limit`` bytes in UTF-8."""

    def check(value: str | None) -> str | None:
        if value is not None and len(value.encode("utf-8")) > limit:
            raise ValueError(
                f"{short_repr(value)} takes {len(value.encode('utf-8'))} bytes in UTF-8; at most {limit}"
            )
        return value

    return check


# ICE's limit on ClientToken.
CLIENT_TOKEN_MAX_CHARS = 64


def client_token_text(value: str | None) -> str | None:
    """ICE's ``ClientToken``: ASCII, 1 to 64 characters."""
    if value is not None and (not value or not value.isascii() or len(value) > CLIENT_TOKEN_MAX_CHARS):
        raise ValueError(f"{short_repr(value)} is not 1 to {CLIENT_TOKEN_MAX_CHARS} ASCII characters")
    return value
