"""What SubmitTranscodeJob takes, checked before anything is sent."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field

from airflow_ice.models.json_text import compact_json
from airflow_ice.models.request_fields import (
    MediaFile,
    OpenRequestModel,
    RequestModel,
    ScheduleConfig,
    client_token_text,
    json_array,
    json_object,
    json_text,
)


class TranscodeInput(MediaFile):
    """One input of ``InputGroup``: ``{"Type": "OSS" | "Media", "Media", "InputUrl"}``. One input
    makes a transcoding job; several make a job that merges their audio and video streams.

    :param input_url: a file of the media asset (``Type: Media``) to read instead of its default.
    """

    # ICE's input has these three settings only: a misspelt one is refused, not dropped.
    model_config = ConfigDict(populate_by_name=True, extra="forbid", frozen=True)

    input_url: str | None = Field(None, alias="InputUrl", min_length=1)


class TranscodeOutput(MediaFile):
    """``Output`` of an output group: ``{"Type": "OSS" | "Media", "Media", "OutputUrl"}``.

    :param output_url: the stream's path, for an output to a media asset.
    """

    # ICE's output has these three settings only: a misspelt one is refused, not dropped.
    model_config = ConfigDict(populate_by_name=True, extra="forbid", frozen=True)

    output_url: str | None = Field(None, alias="OutputUrl", min_length=1)


class TranscodeSettings(OpenRequestModel):
    """``ProcessConfig.Transcode``: the transcoding template and what to change in it (codec,
    container, mux and transcoding settings, passed on as given).

    :param template_id: the transcoding template.
    :param overwrite_params: ``{"Video", "Audio", "Container", "MuxConfig", "TransConfig"}``.
    """

    template_id: str = Field(alias="TemplateId", min_length=1)
    overwrite_params: dict[str, object] | None = Field(None, alias="OverwriteParams")


class TranscodeProcessConfig(OpenRequestModel):
    """``ProcessConfig`` of an output group: ``Transcode``, and optionally ``ImageWatermarks``,
    ``TextWatermarks``, ``Subtitles``, ``CombineConfigs`` and ``Encryption`` (passed on as given)."""

    transcode: TranscodeSettings = Field(alias="Transcode")


class TranscodeOutputGroup(OpenRequestModel):
    """One output group: ``{"Output": {"Type", "Media"}, "ProcessConfig": {"Transcode": {...}}}``;
    each makes one sub-job and one file."""

    output: TranscodeOutput = Field(alias="Output")
    process_config: TranscodeProcessConfig = Field(alias="ProcessConfig")


def _group_json(items: list[TranscodeInput] | list[TranscodeOutputGroup]) -> str:
    return compact_json([item.model_dump(by_alias=True, exclude_none=True) for item in items])


class TranscodeJobRequest(RequestModel):
    """The parameters of SubmitTranscodeJob (all in the query; the groups and ``ScheduleConfig`` as
    compact JSON, as the official SDK sends them).

    Build it with :func:`airflow_ice.models.validate_request` to get an ``IceInvalidRequestError``
    naming each bad field.

    :param input_group: the inputs, at least one: ``[{"Type": "OSS", "Media": "oss://b/in.mp4"}]``.
    :param output_group: the outputs, at least one: ``[{"Output": {"Type": "OSS", "Media":
        "oss://b/out.mp4"}, "ProcessConfig": {"Transcode": {"TemplateId": "..."}}}]``.
    :param name: the job name.
    :param schedule_config: ``{"PipelineId": ..., "Priority": 1-10}``.
    :param user_data: your data (JSON text).
    :param client_token: ICE's idempotency token (ASCII, at most 64 characters).
    """

    input_group: Annotated[list[TranscodeInput], BeforeValidator(json_array)] = Field(
        alias="InputGroup", min_length=1
    )
    output_group: Annotated[list[TranscodeOutputGroup], BeforeValidator(json_array)] = Field(
        alias="OutputGroup", min_length=1
    )
    name: str | None = Field(None, alias="Name", min_length=1)
    schedule_config: Annotated[ScheduleConfig | None, BeforeValidator(json_object)] = Field(
        None, alias="ScheduleConfig"
    )
    user_data: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="UserData")
    client_token: Annotated[str | None, AfterValidator(client_token_text)] = Field(None, alias="ClientToken")

    def to_query(self) -> dict[str, str]:
        """Every parameter given; the groups and ScheduleConfig as compact JSON."""
        query = {
            "InputGroup": _group_json(self.input_group),
            "OutputGroup": _group_json(self.output_group),
            "Name": self.name,
            "ScheduleConfig": self.schedule_config.api_json() if self.schedule_config else None,
            "UserData": self.user_data,
            "ClientToken": self.client_token,
        }
        return {key: value for key, value in query.items() if value is not None}
