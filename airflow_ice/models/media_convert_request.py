"""What SubmitMediaConvertJob takes, checked before anything is sent."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from airflow_ice.models.json_text import compact_json
from airflow_ice.models.request_fields import (
    MediaFile,
    OpenRequestModel,
    RequestModel,
    client_token_text,
    json_object,
    json_text,
    max_utf8_bytes,
)

JOB_NAME_MAX_BYTES = 64


class MediaConvertInput(OpenRequestModel):
    """One input: ``{"Name", "InputFile"}``; outputs name it."""

    name: str = Field(alias="Name", min_length=1)
    input_file: MediaFile = Field(alias="InputFile")


class MediaConvertOutput(OpenRequestModel):
    """One output: ``{"Name", "OutputFile", "TemplateId", "OverrideParams", "Priority", ...}``; an
    output of a group has ``OutputFileName`` (in the group's ``OutputFileBase``) instead of
    ``OutputFile``."""

    name: str = Field(alias="Name", min_length=1)
    output_file: MediaFile | None = Field(None, alias="OutputFile")
    output_file_name: str | None = Field(None, alias="OutputFileName", min_length=1)
    template_id: str | None = Field(None, alias="TemplateId", min_length=1)
    priority: int | None = Field(None, alias="Priority", ge=1, le=10)


class MediaConvertGroupConfig(OpenRequestModel):
    """``GroupConfig`` of an output group: what it makes and where its files go.

    :param type: ``File`` (standalone files), ``Hls`` or ``Dash`` (a manifest and its streams).
    :param output_file_base: the directory of every file of the group, ``{"Type", "Media"}``.
    :param manifest_name: the manifest's file name (``Hls`` and ``Dash``).
    """

    type: Literal["File", "Hls", "Dash"] = Field(alias="Type")
    output_file_base: MediaFile = Field(alias="OutputFileBase")
    manifest_name: str | None = Field(None, alias="ManifestName", min_length=1)


class MediaConvertOutputGroup(OpenRequestModel):
    """One output group, as ICE's model has it: ``{"Name", "GroupConfig": {"Type",
    "OutputFileBase", "ManifestName"}, "Outputs": [{"Name", "OutputFileName", "TemplateId", ...}]}``
    (a group's outputs name their files, in ``OutputFileBase``, with ``OutputFileName``)."""

    name: str = Field(alias="Name", min_length=1)
    group_config: MediaConvertGroupConfig = Field(alias="GroupConfig")
    outputs: list[MediaConvertOutput] = Field(alias="Outputs", min_length=1)


class MediaConvertJobConfig(OpenRequestModel):
    """``Config``: inputs, outputs and output groups (at least one output or group).

    :param inputs: the inputs, at least one.
    :param outputs: single-file outputs.
    :param output_groups: packaged outputs.
    :param job_name: at most 64 bytes.
    """

    inputs: list[MediaConvertInput] = Field(alias="Inputs", min_length=1)
    outputs: list[MediaConvertOutput] = Field(default_factory=list, alias="Outputs")
    output_groups: list[MediaConvertOutputGroup] = Field(default_factory=list, alias="OutputGroups")
    job_name: Annotated[str | None, AfterValidator(max_utf8_bytes(JOB_NAME_MAX_BYTES))] = Field(
        None, alias="JobName"
    )

    def api_json(self) -> str:
        """Compact JSON as given: the lists not given (empty) left out."""
        values = self.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True)
        return compact_json(dict(sorted(values.items())))

    @model_validator(mode="after")
    def _something_to_write(self) -> MediaConvertJobConfig:
        if not self.outputs and not self.output_groups:
            raise ValueError("give at least one of Outputs and OutputGroups")
        return self


class MediaConvertJobRequest(RequestModel):
    """The parameters of SubmitMediaConvertJob (all in the query).

    Build it with :func:`airflow_ice.models.validate_request` to get an ``IceInvalidRequestError``
    naming each bad field. ``config`` is checked (inputs, outputs, groups) and sent as given.

    :param config: the job: ``{"Inputs": [{"Name", "InputFile": {"Type", "Media"}}], "Outputs":
        [{"Name", "OutputFile": {"Type", "Media"}, "TemplateId"}], "OutputGroups": [...]}``.
    :param pipeline_id: the pipeline to run in.
    :param user_data: your data (JSON text).
    :param client_token: ICE's idempotency token (ASCII, at most 64 characters).
    """

    config: Annotated[MediaConvertJobConfig, BeforeValidator(json_object)] = Field(alias="Config")
    pipeline_id: str | None = Field(None, alias="PipelineId", min_length=1)
    user_data: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="UserData")
    client_token: Annotated[str | None, AfterValidator(client_token_text)] = Field(None, alias="ClientToken")

    @property
    def output_urls(self) -> list[str]:
        """The single outputs' OSS addresses as given (``Type: OSS``), then each group's directory."""
        outputs: list[Any] = [o.output_file for o in self.config.outputs]
        outputs.extend(group.group_config.output_file_base for group in self.config.output_groups)
        return [file.media for file in outputs if file is not None and file.type == "OSS"]

    def to_query(self) -> dict[str, str]:
        """Every parameter, ``Config`` as compact JSON, None left out."""
        query = {
            "Config": self.config.api_json(),
            "PipelineId": self.pipeline_id,
            "UserData": self.user_data,
            "ClientToken": self.client_token,
        }
        return {key: value for key, value in query.items() if value is not None}
