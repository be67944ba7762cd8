"""A media convert job as GetMediaConvertJob returns it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from airflow_ice.models.lenient import (
    MISSING,
    FieldReadJobModel,
    LenientReader,
    iso_time,
)
from airflow_ice.models.status import MediaConvertJobStatus


class MediaConvertOutputDetail(BaseModel):
    """One output's outcome (``OutputDetails`` item, or an output of a group); unknown keys kept.

    :param name: ``Name`` of the output in the config.
    :param status: ``Status``: ``Init``, ``Scheduled``, ``Success``, ``Failed`` or ``Skipped`` (raw).
    :param code: ``Code``; ``message``: ``Message``: ICE's error of a failed output.
    :param result: ``Result``: ``{"OutputFile": {"Type", "Media", "Url"}, "OutFileMeta": {...}}``.
    """

    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="allow", coerce_numbers_to_str=True)

    name: str | None = Field(None, alias="Name")
    status: str | None = Field(None, alias="Status")
    code: str | None = Field(None, alias="Code")
    message: str | None = Field(None, alias="Message")
    task_id: str | None = Field(None, alias="TaskId")
    result: dict[str, Any] | None = Field(None, alias="Result")

    @property
    def url(self) -> str | None:
        """``Result.OutputFile.Url``, the written file."""
        output_file = (self.result or {}).get("OutputFile")
        url = output_file.get("Url") if isinstance(output_file, Mapping) else None
        return url if isinstance(url, str) and url else None

    def to_xcom(self) -> dict[str, Any]:
        """Name, status, URL and ICE's error."""
        return {
            "name": self.name,
            "status": self.status,
            "url": self.url,
            "code": self.code,
            "message": self.message,
        }


class MediaConvertOutputGroupDetail(MediaConvertOutputDetail):
    """One output group's outcome (``OutputGroupDetails`` item).

    :param outputs: ``Outputs``, each a :class:`MediaConvertOutputDetail`.
    """

    outputs: list[MediaConvertOutputDetail] = Field(default_factory=list, alias="Outputs")

    def to_xcom(self) -> dict[str, Any]:
        """As an output, plus its outputs."""
        return {**super().to_xcom(), "outputs": [output.to_xcom() for output in self.outputs]}


_OUTPUTS = TypeAdapter(list[MediaConvertOutputDetail])
_GROUPS = TypeAdapter(list[MediaConvertOutputGroupDetail])


class MediaConvertJob(FieldReadJobModel):
    """A media convert job (``Job`` of GetMediaConvertJob), parsed leniently.

    Validating an answer whose job has a ``JobId`` never raises; what cannot be read is kept in
    ``unparsed_fields`` and described in ``parse_warnings`` (an unknown state: the job counts as
    running). ``Cancelled`` ends the job unsuccessfully, like ``Error``.

    :param request_id: ``RequestId`` of this answer.
    :param submit_request_id: ``Job.RequestId``, the ``RequestId`` of the submit that made the job
        (ICE's response table documents it inside ``Job``), when it differs from ``request_id``.
    :param job_id: ``JobId``.
    :param state: ``State``: a :class:`MediaConvertJobStatus`, the raw string if unknown, or None.
    :param percent: ``Percent``, 0-100.
    :param code: ``Code``; ``message``: ``Message``: ICE's error of a failed job.
    :param output_details: ``OutputDetails``; ``output_group_details``: ``OutputGroupDetails``.
    :param config: ``Config`` as ICE echoes it (inputs, outputs, groups).
    :param pipeline_id: ``PipelineId``; ``user_data``: ``UserData``; ``client_token``: ``ClientToken``.
    :param create_time: ``CreateTime``; ``finish_time``: ``FinishTime``: aware UTC.
    """

    ENVELOPE: ClassVar[str | None] = "Job"
    RESPONSE_ACTION: ClassVar[str] = "GetMediaConvertJob"
    SUCCESS_STATUS: ClassVar[MediaConvertJobStatus] = MediaConvertJobStatus.COMPLETE
    FAILURE_STATUS: ClassVar[MediaConvertJobStatus] = MediaConvertJobStatus.ERROR
    OTHER_FAILURE_STATUSES: ClassVar[tuple[MediaConvertJobStatus, ...]] = (MediaConvertJobStatus.CANCELLED,)

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    request_id: str | None = Field(None, alias="RequestId")
    submit_request_id: str | None = Field(None, alias="Job.RequestId")
    job_id: str = Field(alias="JobId", min_length=1)
    state: MediaConvertJobStatus | str | None = Field(None, alias="State", union_mode="left_to_right")
    percent: int | None = Field(None, alias="Percent")
    code: str | None = Field(None, alias="Code")
    message: str | None = Field(None, alias="Message")
    output_details: list[MediaConvertOutputDetail] = Field(default_factory=list, alias="OutputDetails")
    output_group_details: list[MediaConvertOutputGroupDetail] = Field(
        default_factory=list, alias="OutputGroupDetails"
    )
    config: dict[str, Any] | None = Field(None, alias="Config")
    pipeline_id: str | None = Field(None, alias="PipelineId")
    user_data: str | None = Field(None, alias="UserData")
    client_token: str | None = Field(None, alias="ClientToken")
    create_time: datetime | None = Field(None, alias="CreateTime")
    finish_time: datetime | None = Field(None, alias="FinishTime")

    @classmethod
    def read_fields(cls, reader: LenientReader) -> dict[str, Any]:
        """The job's fields (see :class:`~airflow_ice.models.lenient.FieldReadJobModel`)."""
        values: dict[str, Any] = {
            name: reader.text(name)
            for name in (
                "request_id",
                "submit_request_id",
                "code",
                "message",
                "pipeline_id",
                "user_data",
                "client_token",
            )
        }
        values["state"] = reader.status("state", MediaConvertJobStatus)
        values["percent"] = reader.integer("percent")
        values["create_time"] = reader.utc_datetime("create_time")
        values["finish_time"] = reader.utc_datetime("finish_time")
        config = reader.take("config")
        if isinstance(config, Mapping):
            values["config"] = dict(config)
        elif config is not MISSING and config is not None:
            reader.keep("config", config, "an object")
        kept = "unparsed_fields"
        values["output_details"] = reader.json_list(
            "output_details", _OUTPUTS, shape="a list of outputs", kept_in=kept
        )
        values["output_group_details"] = reader.json_list(
            "output_group_details", _GROUPS, shape="a list of output groups", kept_in=kept
        )
        return values

    @property
    def status(self) -> MediaConvertJobStatus | str | None:
        """Same as ``state`` (so code can treat every job kind alike)."""
        return self.state

    @property
    def output_urls(self) -> list[str]:
        """The written files: single outputs first, then each group's."""
        outputs = [*self.output_details, *(o for group in self.output_group_details for o in group.outputs)]
        return [output.url for output in outputs if output.url]

    @property
    def failure_detail(self) -> str:
        """ICE's error of the job and of its failed outputs."""
        parts = [": ".join(part for part in (self.code, self.message) if part)]
        failed = [o for o in (*self.output_details, *self.output_group_details) if o.code]
        parts += [f"output {o.name}: {o.code}" for o in failed]
        return "; ".join(part for part in parts if part)[:500]

    def to_xcom(self) -> dict[str, Any]:
        """A small JSON-safe summary for XCom: id, state, output URLs and details, ICE's error."""
        return {
            "job_id": self.job_id,
            "status": self.status_text,
            "percent": self.percent,
            "output_urls": self.output_urls,
            "outputs": [output.to_xcom() for output in self.output_details],
            "output_groups": [group.to_xcom() for group in self.output_group_details],
            "code": self.code,
            "message": self.message,
            "pipeline_id": self.pipeline_id,
            "user_data": self.user_data,
            "create_time": iso_time(self.create_time),
            "finish_time": iso_time(self.finish_time),
        }
