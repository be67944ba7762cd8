"""What SubmitMediaInfoJob takes, checked before anything is sent."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from airflow_ice.models.request_fields import MediaFile, RequestModel, ScheduleConfig, json_object, json_text


class MediaInfoJobRequest(RequestModel):
    """The parameters of SubmitMediaInfoJob (all in the query, objects as compact JSON).

    :param input: the media: ``{"Type": "OSS" | "Media", "Media": ...}``.
    :param name: the job name.
    :param user_data: your data (JSON text).
    :param schedule_config: ``{"PipelineId", "Priority"}``.
    """

    input: Annotated[MediaFile, BeforeValidator(json_object)] = Field(alias="Input")
    name: str | None = Field(None, alias="Name", min_length=1)
    user_data: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="UserData")
    schedule_config: Annotated[ScheduleConfig | None, BeforeValidator(json_object)] = Field(
        None, alias="ScheduleConfig"
    )

    def to_query(self) -> dict[str, str]:
        """Every parameter given; Input and ScheduleConfig as compact JSON."""
        query = {
            "Input": self.input.api_json(),
            "Name": self.name,
            "UserData": self.user_data,
            "ScheduleConfig": self.schedule_config.api_json() if self.schedule_config else None,
        }
        return {key: value for key, value in query.items() if value is not None}
