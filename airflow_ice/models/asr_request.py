"""What SubmitASRJob (speech to text) takes, checked before anything is sent."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from airflow_ice.models.request_fields import RequestModel, json_text, max_utf8_bytes

# ICE's limit on Title and Description (the SDK's comments).
TEXT_MAX_BYTES = 128
# Where to start and how long to recognise: hh:mm:ss, or seconds (ICE's API reference examples).
_CLOCK = re.compile(r"^(\d+(\.\d+)?|\d{1,2}:\d{2}:\d{2}(\.\d{1,3})?)$")


def _clock_text(value: str | None) -> str | None:
    if value is not None and not _CLOCK.match(value):
        raise ValueError(f"{value!r} is not a time: give seconds (e.g. 90) or hh:mm:ss (e.g. 00:01:30)")
    return value


class AsrJobRequest(RequestModel):
    """The parameters of SubmitASRJob (all in the query).

    :param input_file: the audio or video: an OSS address (``oss://bucket/key`` or its HTTPS URL) or
        a media id of the content library.
    :param editing_config: recognition settings, JSON text or a dict (``HotwordLibraryIdList``,
        ``SentenceMaxLength``, ``EnableSemanticSentenceDetection``).
    :param start_time: where to start, seconds or ``hh:mm:ss``.
    :param duration: how much to recognise, seconds or ``hh:mm:ss``.
    :param title: the job's title (at most 128 bytes in UTF-8).
    :param description: the job's description (at most 128 bytes in UTF-8).
    :param user_data: your data (JSON text of an object).
    """

    input_file: str = Field(alias="InputFile", min_length=1)
    editing_config: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="EditingConfig")
    start_time: Annotated[str | None, AfterValidator(_clock_text)] = Field(None, alias="StartTime")
    duration: Annotated[str | None, AfterValidator(_clock_text)] = Field(None, alias="Duration")
    title: Annotated[str | None, AfterValidator(max_utf8_bytes(TEXT_MAX_BYTES))] = Field(None, alias="Title")
    description: Annotated[str | None, AfterValidator(max_utf8_bytes(TEXT_MAX_BYTES))] = Field(
        None, alias="Description"
    )
    user_data: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="UserData")

    def to_query(self) -> dict[str, str]:
        """Every parameter given, by ICE's names."""
        query = self.model_dump(by_alias=True, exclude_none=True)
        return {str(key): str(value) for key, value in query.items()}
