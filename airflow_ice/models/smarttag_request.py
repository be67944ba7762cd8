"""What SubmitSmarttagJob takes, checked before anything is sent."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from airflow_ice.models.request_fields import (
    OpenRequestModel,
    RequestModel,
    json_object,
    json_text,
    max_utf8_bytes,
)


class SmarttagInput(OpenRequestModel):
    """``Input``: ``{"Type": "OSS" | "Media" | "URL", "Media": ...}``."""

    type: Literal["OSS", "Media", "URL"] = Field(alias="Type")
    media: str = Field(alias="Media", min_length=1)


def _priority_text(value: object) -> object:
    # ICE's model types this Priority as a string (unlike other families' integer): an integer
    # given here is sent as its digits.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


class SmarttagScheduleConfig(RequestModel):
    """``ScheduleConfig`` of SubmitSmarttagJob.

    :param pipeline_id: the pipeline to run in.
    :param priority: the job's priority, sent as a string (ICE types it so and does not use it yet).
    """

    pipeline_id: str | None = Field(None, alias="PipelineId", min_length=1)
    priority: Annotated[str | None, BeforeValidator(_priority_text)] = Field(
        None, alias="Priority", min_length=1
    )


def _http_url(value: str | None) -> str | None:
    if value is not None and not value.startswith(("http://", "https://")):
        raise ValueError("only HTTP and HTTPS callback URLs are supported")
    return value


class SmarttagJobRequest(RequestModel):
    """The parameters of SubmitSmarttagJob (all in the query, objects as compact JSON).

    :param input: the video, audio or image.
    :param template_id: the template naming the analyses (labels, faces, OCR, ASR, ...).
    :param params: extra parameters, e.g. ``{"needAsrData": true, "needOcrData": false}``.
    :param template_config: what the job changes in the template, e.g. ``{"FaceCategoryIds": ...}``.
    :param title: the content's title, at most 256 bytes.
    :param content: a description of the content, at most 1 KB.
    :param notify_url: an HTTP(S) callback URL.
    :param user_data: your data (JSON text), at most 1 KB.
    :param schedule_config: ``{"PipelineId", "Priority"}`` (Priority is sent as a string).
    :param content_addr: ``ContentAddr`` (deprecated by ICE; sent as given).
    :param content_type: ``ContentType`` (deprecated by ICE; sent as given).
    """

    input: Annotated[SmarttagInput, BeforeValidator(json_object)] = Field(alias="Input")
    template_id: str | None = Field(None, alias="TemplateId", min_length=1)
    params: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="Params")
    template_config: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="TemplateConfig")
    title: Annotated[str | None, AfterValidator(max_utf8_bytes(256))] = Field(None, alias="Title")
    content: Annotated[str | None, AfterValidator(max_utf8_bytes(1024))] = Field(None, alias="Content")
    notify_url: Annotated[str | None, AfterValidator(_http_url)] = Field(None, alias="NotifyUrl")
    user_data: Annotated[str | None, BeforeValidator(json_text), AfterValidator(max_utf8_bytes(1024))] = (
        Field(None, alias="UserData")
    )
    schedule_config: Annotated[SmarttagScheduleConfig | None, BeforeValidator(json_object)] = Field(
        None, alias="ScheduleConfig"
    )
    content_addr: str | None = Field(None, alias="ContentAddr", min_length=1)
    content_type: str | None = Field(None, alias="ContentType", min_length=1)

    def to_query(self) -> dict[str, str]:
        """Every parameter given; Input and ScheduleConfig as compact JSON."""
        values = self.model_dump(by_alias=True, exclude_none=True, exclude={"input", "schedule_config"})
        query = {"Input": self.input.api_json(), **values}
        if self.schedule_config is not None:
            query["ScheduleConfig"] = self.schedule_config.api_json()
        return query
