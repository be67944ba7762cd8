"""What SubmitVideoTranslationJob takes, checked before anything is sent."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from airflow_ice.models.request_fields import (
    OpenRequestModel,
    client_token_text,
    json_object,
    json_text,
)
from airflow_ice.models.smart_job_request import SmartJobRequest


class VideoTranslationInputConfig(OpenRequestModel):
    """``InputConfig``: ``Type`` and the file of that type (a media id or a URL).

    :param type: ``Video``, ``Audio`` or ``Subtitle``.
    :param video: the video, when ``Type`` is ``Video``; ``audio`` and ``subtitle`` likewise.
    """

    type: Literal["Video", "Audio", "Subtitle"] = Field(alias="Type")
    video: str | None = Field(None, alias="Video", min_length=1)
    audio: str | None = Field(None, alias="Audio", min_length=1)
    subtitle: str | None = Field(None, alias="Subtitle", min_length=1)

    @model_validator(mode="after")
    def _file_of_its_type(self) -> VideoTranslationInputConfig:
        if getattr(self, self.type.lower()) is None:
            raise ValueError(f"Type {self.type} needs {self.type} (the file's media id or URL)")
        return self


class VideoTranslationEditingConfig(OpenRequestModel):
    """``EditingConfig``: the languages and, passed on as given, subtitle erasing (``DetextArea``),
    subtitle and speech translation settings.

    :param source_language: the language spoken, e.g. ``zh``.
    :param target_language: the language to translate to, e.g. ``en``.
    """

    source_language: str = Field(alias="SourceLanguage", min_length=1)
    target_language: str = Field(alias="TargetLanguage", min_length=1)


class VideoTranslationOutputConfig(OpenRequestModel):
    """``OutputConfig``: the file to write, ``MediaURL`` (an OSS URL)."""

    media_url: str = Field(alias="MediaURL", min_length=1)


class VideoTranslationJobRequest(SmartJobRequest):
    """The parameters of SubmitVideoTranslationJob (all in the query; the configurations as JSON
    text). The SDK's ``Signature*`` parameters are signature 1.0's own, filled when signing.

    :param input_config: ``{"Type": "Video", "Video": ...}`` (or Audio, Subtitle).
    :param editing_config: ``{"SourceLanguage", "TargetLanguage", ...}``.
    :param output_config: ``{"MediaURL"}``.
    :param title: the job's title; ``description``: its description.
    :param user_data: your data (JSON text of an object).
    :param client_token: ICE's idempotency token (ASCII, at most 64 characters).
    """

    input_config: Annotated[VideoTranslationInputConfig, BeforeValidator(json_object)] = Field(
        alias="InputConfig"
    )
    editing_config: Annotated[VideoTranslationEditingConfig, BeforeValidator(json_object)] = Field(
        alias="EditingConfig"
    )
    output_config: Annotated[VideoTranslationOutputConfig, BeforeValidator(json_object)] = Field(
        alias="OutputConfig"
    )
    title: str | None = Field(None, alias="Title", min_length=1)
    description: str | None = Field(None, alias="Description", min_length=1)
    user_data: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="UserData")
    client_token: Annotated[str | None, AfterValidator(client_token_text)] = Field(None, alias="ClientToken")
