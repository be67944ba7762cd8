"""What SubmitAvatarVideoJob takes, checked before anything is sent."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from airflow_ice.models.request_fields import (
    OpenRequestModel,
    json_object,
    json_text,
    max_utf8_bytes,
)
from airflow_ice.models.smart_job_request import SmartJobRequest

# ICE's limits (the SDK's comments): Title and Description; the text at least five characters.
TEXT_MAX_BYTES = 128
TEXT_MIN_CHARS = 5


class AvatarVideoInputConfig(OpenRequestModel):
    """``InputConfig``: what the avatar says, a text or a voice file (MP3 or WAV).

    :param text: the text (at least five characters).
    :param input_file: the voice: an OSS address or a media id.
    """

    text: str | None = Field(None, alias="Text", min_length=TEXT_MIN_CHARS)
    input_file: str | None = Field(None, alias="InputFile", min_length=1)

    @model_validator(mode="after")
    def _text_or_voice(self) -> AvatarVideoInputConfig:
        if self.text is None and self.input_file is None:
            raise ValueError("give Text (what the avatar says) or InputFile (a voice file)")
        return self


class AvatarVideoEditingConfig(OpenRequestModel):
    """``EditingConfig``: the avatar (``AvatarId``, e.g. ``yunqiao``) and, passed on as given, its
    voice and speech rate."""

    avatar_id: str = Field(alias="AvatarId", min_length=1)


class AvatarVideoOutputConfig(OpenRequestModel):
    """``OutputConfig``: the video to write (``MediaURL``, an MP4 or WebM OSS URL) and, passed on as
    given, its size and bit rate."""

    media_url: str = Field(alias="MediaURL", pattern=r"(?i)\.(mp4|webm)$")


class AvatarVideoJobRequest(SmartJobRequest):
    """The parameters of SubmitAvatarVideoJob (all in the query; the configurations as JSON text).

    :param input_config: ``{"Text"}`` or ``{"InputFile"}``.
    :param editing_config: ``{"AvatarId", ...}``.
    :param output_config: ``{"MediaURL", ...}`` of the video (MP4 or WebM).
    :param title: the job's title (at most 128 bytes in UTF-8).
    :param description: the job's description (at most 128 bytes in UTF-8).
    :param user_data: your data (JSON text of an object).
    """

    input_config: Annotated[AvatarVideoInputConfig, BeforeValidator(json_object)] = Field(alias="InputConfig")
    editing_config: Annotated[AvatarVideoEditingConfig, BeforeValidator(json_object)] = Field(
        alias="EditingConfig"
    )
    output_config: Annotated[AvatarVideoOutputConfig, BeforeValidator(json_object)] = Field(
        alias="OutputConfig"
    )
    title: Annotated[str | None, AfterValidator(max_utf8_bytes(TEXT_MAX_BYTES))] = Field(None, alias="Title")
    description: Annotated[str | None, AfterValidator(max_utf8_bytes(TEXT_MAX_BYTES))] = Field(
        None, alias="Description"
    )
    user_data: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="UserData")
