"""What SubmitHighlightExtractionJob takes, checked before anything is sent."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from airflow_ice.models.request_fields import (
    OpenRequestModel,
    client_token_text,
    json_object,
    json_text,
)
from airflow_ice.models.smart_job_request import SmartJobRequest

# ICE's ranges (the "Smart highlight extraction" page).
MAX_MEDIA = 30


class HighlightMedia(OpenRequestModel):
    """One video: ``MediaId`` or ``MediaURL`` (an OSS URL)."""

    media_id: str | None = Field(None, alias="MediaId", min_length=1)
    media_url: str | None = Field(None, alias="MediaURL", min_length=1)

    @model_validator(mode="after")
    def _id_or_url(self) -> HighlightMedia:
        if self.media_id is None and self.media_url is None:
            raise ValueError("give MediaId or MediaURL")
        return self


class HighlightStrategy(OpenRequestModel):
    """``Strategy``: how many clips per video and how long (others, e.g. ``EnableActionRecog``,
    passed on as given).

    :param count: clips per video, 1 to 10 (ICE's default 5).
    :param clip_duration: seconds per clip, 3 to 60 (ICE's default 15).
    """

    count: int | None = Field(None, alias="Count", ge=1, le=10)
    clip_duration: float | None = Field(None, alias="ClipDuration", ge=3, le=60)


class HighlightInputConfig(OpenRequestModel):
    """``InputConfig``: the videos (1 to 30, two hours in all) and the strategy."""

    media_array: list[HighlightMedia] = Field(alias="MediaArray", min_length=1, max_length=MAX_MEDIA)
    strategy: HighlightStrategy | None = Field(None, alias="Strategy")


class HighlightOutputConfig(OpenRequestModel):
    """``OutputConfig``: whether to export the clips and where (``ObjectKey`` may hold ``{index}``);
    size and media-asset settings passed on as given.

    :param need_export: export the clips as files (ICE's default false: the clips are only listed).
    :param bucket: the OSS bucket; ``object_key``: the object's name, e.g. ``clips/goal_{index}.mp4``.
    """

    need_export: bool | None = Field(None, alias="NeedExport")
    bucket: str | None = Field(None, alias="Bucket", min_length=1)
    object_key: str | None = Field(None, alias="ObjectKey", min_length=1)

    @model_validator(mode="after")
    def _export_target(self) -> HighlightOutputConfig:
        if self.need_export and (self.bucket is None or self.object_key is None):
            raise ValueError("NeedExport needs Bucket and ObjectKey")
        return self


class HighlightExtractionJobRequest(SmartJobRequest):
    """The parameters of SubmitHighlightExtractionJob (``InputConfig`` in the body, the others in the
    query, as the official SDK sends them; the configurations as JSON text).

    :param input_config: ``{"MediaArray": [{"MediaId"} | {"MediaURL"}], "Strategy": {...}}``.
    :param output_config: ``{"NeedExport", "Bucket", "ObjectKey", ...}``.
    :param user_data: your data (JSON text of an object).
    :param client_token: ICE's idempotency token (ASCII, at most 64 characters).
    """

    BODY = ("InputConfig",)

    input_config: Annotated[HighlightInputConfig, BeforeValidator(json_object)] = Field(alias="InputConfig")
    output_config: Annotated[HighlightOutputConfig | None, BeforeValidator(json_object)] = Field(
        None, alias="OutputConfig"
    )
    user_data: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="UserData")
    client_token: Annotated[str | None, AfterValidator(client_token_text)] = Field(None, alias="ClientToken")
