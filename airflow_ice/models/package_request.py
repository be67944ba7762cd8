"""What SubmitPackageJob (HLS or DASH packaging of several renditions) takes, checked before
anything is sent."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from airflow_ice.models.json_text import compact_json
from airflow_ice.models.request_fields import (
    MediaFile,
    RequestModel,
    ScheduleConfig,
    json_list,
    json_object,
    json_text,
)


class PackageInput(RequestModel):
    """One rendition of ``Inputs``: ``{"Input": {"Type": "OSS" | "Media", "Media": ...}}``.

    :param input: the stream file (an OSS URL, its HTTPS form, or a media id).
    """

    input: Annotated[MediaFile, BeforeValidator(json_object)] = Field(alias="Input")


class PackageJobRequest(RequestModel):
    """The parameters of SubmitPackageJob (all in the query, objects and lists as compact JSON).

    :param inputs: the renditions, each ``{"Input": {"Type", "Media"}}`` (at least one).
    :param output: the manifest to write, ``{"Type": "OSS", "Media": "oss://b/hls/master.m3u8"}``.
    :param name: the job's name.
    :param user_data: your data (JSON text).
    :param schedule_config: ``{"PipelineId", "Priority"}`` (priority 1 to 10).
    """

    inputs: Annotated[list[PackageInput], BeforeValidator(json_list)] = Field(alias="Inputs", min_length=1)
    output: Annotated[MediaFile, BeforeValidator(json_object)] = Field(alias="Output")
    name: str | None = Field(None, alias="Name", min_length=1)
    user_data: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="UserData")
    schedule_config: Annotated[ScheduleConfig | None, BeforeValidator(json_object)] = Field(
        None, alias="ScheduleConfig"
    )

    def to_query(self) -> dict[str, str]:
        """Every parameter given; Inputs, Output and ScheduleConfig as compact JSON."""
        query = {
            "Inputs": compact_json(
                [item.model_dump(by_alias=True, exclude_none=True) for item in self.inputs]
            ),
            "Output": self.output.api_json(),
            "Name": self.name,
            "UserData": self.user_data,
            "ScheduleConfig": self.schedule_config.api_json() if self.schedule_config else None,
        }
        return {key: value for key, value in query.items() if value is not None}
