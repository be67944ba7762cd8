"""What SubmitDynamicImageJob takes, checked before anything is sent."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from airflow_ice.models.request_fields import (
    MediaFile,
    OpenRequestModel,
    RequestModel,
    json_object,
    json_text,
)

# ICE's two forms of a point in the video: hh:mm:ss[.SSS] or sssss[.SSS] (up to 23:59:59.999).
_VIDEO_TIME = r"^(\d{1,2}:[0-5]\d:[0-5]\d|\d{1,5})(\.\d{1,3})?$"


class DynamicImageTimeSpan(RequestModel):
    """``TemplateConfig.OverwriteParams.TimeSpan``: the part of the video to animate.

    :param seek: where the part starts, ``hh:mm:ss[.SSS]`` or ``sssss[.SSS]``.
    :param duration: how long it lasts (same forms).
    :param end: where it ends (same forms); ICE then ignores ``duration``.
    """

    seek: str | None = Field(None, alias="Seek", pattern=_VIDEO_TIME)
    duration: str | None = Field(None, alias="Duration", pattern=_VIDEO_TIME)
    end: str | None = Field(None, alias="End", pattern=_VIDEO_TIME)


class DynamicImageOverwriteParams(OpenRequestModel):
    """``TemplateConfig.OverwriteParams``: what to change in the template (others passed on as given).

    :param format: ``gif`` or ``webp``.
    :param fps: frames per second, 1 to 60.
    :param width: the image's width, 128 to 4096; ``height`` likewise.
    :param long_short_mode: whether width and height mean the video's long and short edges.
    :param scan_mode: ``interlaced`` or ``progressive``.
    :param time_span: the part of the video to animate.
    """

    format: Literal["gif", "webp"] | None = Field(None, alias="Format")
    fps: int | None = Field(None, alias="Fps", ge=1, le=60)
    width: int | None = Field(None, alias="Width", ge=128, le=4096)
    height: int | None = Field(None, alias="Height", ge=128, le=4096)
    long_short_mode: bool | None = Field(None, alias="LongShortMode")
    scan_mode: Literal["interlaced", "progressive"] | None = Field(None, alias="ScanMode")
    time_span: DynamicImageTimeSpan | None = Field(None, alias="TimeSpan")


class DynamicImageTemplateConfig(RequestModel):
    """``TemplateConfig``: the animated image template and what to change in it."""

    template_id: str = Field(alias="TemplateId", min_length=1)
    overwrite_params: DynamicImageOverwriteParams | None = Field(None, alias="OverwriteParams")


class DynamicImageJobRequest(RequestModel):
    """The parameters of SubmitDynamicImageJob (all in the query, objects as compact JSON).

    :param input: the video: ``{"Type": "OSS" | "Media", "Media": ...}``.
    :param output: where the animated image goes, ``{"Type": "OSS" | "Media", "Media": ...}``.
    :param template_config: ``{"TemplateId", "OverwriteParams": {"Format", "Fps", "Width",
        "Height", "LongShortMode", "ScanMode", "TimeSpan": {"Seek", "Duration", "End"}}}``.
    :param name: the job name.
    :param user_data: your data (JSON text).
    :param schedule_config: ``{"PipelineId", "Priority"}``.
    """

    input: Annotated[MediaFile, BeforeValidator(json_object)] = Field(alias="Input")
    output: Annotated[MediaFile, BeforeValidator(json_object)] = Field(alias="Output")
    template_config: Annotated[DynamicImageTemplateConfig, BeforeValidator(json_object)] = Field(
        alias="TemplateConfig"
    )
    name: str | None = Field(None, alias="Name", min_length=1)
    user_data: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="UserData")
    schedule_config: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="ScheduleConfig")

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
