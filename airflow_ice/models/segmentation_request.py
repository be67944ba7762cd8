"""What SubmitSegmentationJob (smart shot splitting) takes, checked before anything is sent."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from airflow_ice.models.request_fields import (
    MediaFile,
    OpenRequestModel,
    RequestModel,
    client_token_text,
    json_object,
    json_text,
)
from airflow_ice.models.smart_job_request import SmartJobRequest


class SegmentRange(RequestModel):
    """One part to cut: ``In`` and ``Out`` in seconds, ``In`` before ``Out``."""

    start: float = Field(alias="In", ge=0)
    end: float = Field(alias="Out", gt=0)

    @model_validator(mode="after")
    def _in_before_out(self) -> SegmentRange:
        if self.start >= self.end:
            raise ValueError(f"In ({self.start}) must come before Out ({self.end})")
        return self


class SegmentationJobParams(OpenRequestModel):
    """``JobParams``: how to cut.

    :param mode: ``BasicClipSplit`` (at the shot changes) or ``UserDefined`` (at ``Ranges``).
    :param ranges: the parts to cut, for ``UserDefined``.
    """

    mode: Literal["UserDefined", "BasicClipSplit"] = Field(alias="Mode")
    ranges: list[SegmentRange] | None = Field(None, alias="Ranges", min_length=1)

    @model_validator(mode="after")
    def _ranges_for_user_defined(self) -> SegmentationJobParams:
        if self.mode == "UserDefined" and not self.ranges:
            raise ValueError("Mode UserDefined needs Ranges")
        return self


class SegmentationJobRequest(SmartJobRequest):
    """The parameters of SubmitSegmentationJob (``InputConfig`` in the body, the others in the query,
    as the official SDK sends them; the configurations as JSON text).

    :param input_config: the video, ``{"Type": "OSS" | "Media", "Media": ...}``.
    :param job_params: ``{"Mode": "BasicClipSplit"}`` or ``{"Mode": "UserDefined", "Ranges": [...]}``.
    :param output_config: where the segments go (passed on as given).
    :param user_data: your data (JSON text of an object).
    :param client_token: ICE's idempotency token (ASCII, at most 64 characters).
    """

    BODY = ("InputConfig",)

    input_config: Annotated[MediaFile, BeforeValidator(json_object)] = Field(alias="InputConfig")
    job_params: Annotated[SegmentationJobParams, BeforeValidator(json_object)] = Field(alias="JobParams")
    output_config: Annotated[dict[str, object] | None, BeforeValidator(json_object)] = Field(
        None, alias="OutputConfig"
    )
    user_data: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="UserData")
    client_token: Annotated[str | None, AfterValidator(client_token_text)] = Field(None, alias="ClientToken")
