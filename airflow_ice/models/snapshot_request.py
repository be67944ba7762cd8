"""What SubmitSnapshotJob takes, checked before anything is sent."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from airflow_ice.models.request_fields import (
    MediaFile,
    OpenRequestModel,
    RequestModel,
    json_object,
    json_text,
)


class SnapshotOverwriteParams(OpenRequestModel):
    """``TemplateConfig.OverwriteParams``: what to change in the template (others passed on as given).

    :param type: ``Normal`` (single or interval frames), ``Sprite`` or ``WebVtt``.
    :param count: how many snapshots.
    :param interval: seconds between snapshots.
    :param time: where to start, in milliseconds.
    """

    type: Literal["Normal", "Sprite", "WebVtt"] | None = Field(None, alias="Type")
    count: int | None = Field(None, alias="Count", ge=1)
    interval: int | None = Field(None, alias="Interval", ge=0)
    time: int | None = Field(None, alias="Time", ge=0)
    width: int | None = Field(None, alias="Width", ge=1)
    height: int | None = Field(None, alias="Height", ge=1)


class SnapshotTemplateConfig(RequestModel):
    """``TemplateConfig``: the snapshot template and what to change in it."""

    template_id: str = Field(alias="TemplateId", min_length=1)
    overwrite_params: SnapshotOverwriteParams | None = Field(None, alias="OverwriteParams")


class SnapshotJobRequest(RequestModel):
    """The parameters of SubmitSnapshotJob (all in the query, objects as compact JSON).

    :param input: the video: ``{"Type": "OSS" | "Media", "Media": ...}``.
    :param output: where the images go, ``{"Type", "Media"}``: several normal snapshots need
        ``{Count}`` in ``Media``, a sprite ``{TileCount}``, WebVTT a ``.vtt`` file.
    :param template_config: ``{"TemplateId", "OverwriteParams": {"Type", "Count", "Interval", ...}}``.
    :param name: the job name.
    :param user_data: your data (JSON text).
    :param schedule_config: ``{"PipelineId": ...}``.
    """

    input: Annotated[MediaFile, BeforeValidator(json_object)] = Field(alias="Input")
    output: Annotated[MediaFile, BeforeValidator(json_object)] = Field(alias="Output")
    template_config: Annotated[SnapshotTemplateConfig, BeforeValidator(json_object)] = Field(
        alias="TemplateConfig"
    )
    name: str | None = Field(None, alias="Name", min_length=1)
    user_data: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="UserData")
    schedule_config: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="ScheduleConfig")

    @model_validator(mode="after")
    def _output_names_every_image(self) -> SnapshotJobRequest:
        params = self.template_config.overwrite_params
        if params is None or self.output.type != "OSS":
            return self
        media = self.output.media
        if params.type == "Sprite" and "{TileCount}" not in media:
            raise ValueError("output.Media (Output.Media) must contain {TileCount} for sprite snapshots")
        if params.type == "WebVtt" and not media.endswith(".vtt"):
            raise ValueError("output.Media (Output.Media) must end with .vtt for WebVtt snapshots")
        if params.type in (None, "Normal") and (params.count or 1) > 1 and "{Count}" not in media:
            raise ValueError("output.Media (Output.Media) must contain {Count} for several snapshots")
        return self

    def to_query(self) -> dict[str, str]:
        """Every parameter given; Input, Output and TemplateConfig as compact JSON."""
        query = {
            "Input": self.input.api_json(),
            "Output": self.output.api_json(),
            "TemplateConfig": self.template_config.api_json(),
            "Name": self.name,
            "UserData": self.user_data,
            "ScheduleConfig": self.schedule_config,
        }
        return {key: value for key, value in query.items() if value is not None}
