"""What SubmitIProductionJob takes, checked before anything is sent."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator

from airflow_ice.models.functions import IPRODUCTION_FUNCTIONS
from airflow_ice.models.request_fields import (
    RequestModel,
    ScheduleConfig,
    json_object,
    json_text,
    text_or_json,
)

MediaType = Literal["OSS", "Media"]


class IProductionInput(RequestModel):
    """The job's input.

    :param type: ``OSS`` (``media`` is ``oss://bucket/object``) or ``Media`` (``media`` is a media id).
    :param media: the input address or media id.
    """

    type: MediaType = Field(alias="Type")
    media: str = Field(alias="Media", min_length=1)


class IProductionOutput(RequestModel):
    """Where the job writes its output.

    :param type: ``OSS`` or ``Media``.
    :param media: the output OSS address or media id.
    :param biz: business of the media, e.g. ``IMS``.
    :param output_url: the OSS URL of the output file; only with ``type="Media"``.
    """

    type: MediaType = Field(alias="Type")
    media: str = Field(alias="Media", min_length=1)
    biz: str | None = Field(None, alias="Biz")
    output_url: str | None = Field(None, alias="OutputUrl")

    @field_validator("output_url")
    @classmethod
    def _only_with_media(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("type") != "Media":
            raise ValueError("OutputUrl is only allowed when Output.Type is 'Media'")
        return value


class IProductionJobRequest(RequestModel):
    """The parameters of SubmitIProductionJob.

    Build it with :func:`airflow_ice.models.validate_request` to get an ``IceInvalidRequestError``
    that names each bad field; constructing it directly raises ``pydantic.ValidationError``.

    :param function_name: the algorithm, one of :data:`~airflow_ice.models.IPRODUCTION_FUNCTIONS`.
    :param input: the input, as a dict (API or Python key names) or a JSON string.
    :param output: the output, as a dict or a JSON string.
    :param name: job name, at most 100 characters.
    :param job_params: the function's parameters, as a dict (sent as compact JSON) or JSON text.
    :param template_id: a template id.
    :param model_id: an algorithm model id, e.g. ``algo-video-detext-new``.
    :param schedule_config: pipeline and priority, as a dict or a JSON string.
    :param user_data: text returned unchanged by QueryIProductionJob (a dict is written as JSON),
        at most 256 characters.
    """

    function_name: str = Field(alias="FunctionName")
    input: Annotated[IProductionInput, BeforeValidator(json_object)] = Field(alias="Input")
    output: Annotated[IProductionOutput, BeforeValidator(json_object)] = Field(alias="Output")
    name: str | None = Field(None, alias="Name", max_length=100)
    job_params: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="JobParams")
    template_id: str | None = Field(None, alias="TemplateId", min_length=1)
    model_id: str | None = Field(None, alias="ModelId", min_length=1)
    schedule_config: Annotated[ScheduleConfig | None, BeforeValidator(json_object)] = Field(
        None, alias="ScheduleConfig"
    )
    user_data: Annotated[str | None, BeforeValidator(text_or_json)] = Field(
        None, alias="UserData", max_length=256
    )

    @field_validator("function_name")
    @classmethod
    def _known_function(cls, value: str) -> str:
        if value not in IPRODUCTION_FUNCTIONS:
            raise ValueError(
                f"{value!r} is not an ICE IProduction function; allowed: {', '.join(IPRODUCTION_FUNCTIONS)}"
            )
        return value

    def to_query(self) -> dict[str, str]:
        """The query parameters of SubmitIProductionJob; nested objects as compact JSON, None left out."""
        query = {
            "FunctionName": self.function_name,
            "Input": self.input.api_json(),
            "Output": self.output.api_json(),
        }
        optional = {
            "Name": self.name,
            "JobParams": self.job_params,
            "TemplateId": self.template_id,
            "ModelId": self.model_id,
            "ScheduleConfig": self.schedule_config.api_json() if self.schedule_config else None,
            "UserData": self.user_data,
        }
        query.update({key: value for key, value in optional.items() if value is not None})
        return query
