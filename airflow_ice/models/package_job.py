"""A packaging job as GetPackageJob returns it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import ConfigDict, Field

from airflow_ice.models.json_text import json_safe
from airflow_ice.models.lenient import MISSING, FieldReadJobModel, LenientReader, failure_detail, iso_time
from airflow_ice.models.status import PackageJobStatus

_TEXT_FIELDS = (
    "request_id",
    "name",
    "output_url",
    "pipeline_id",
    "trigger_source",
    "user_data",
    "code",
    "message",
)
_TIME_FIELDS = ("create_time", "submit_time", "modified_time", "finish_time")


class PackageJob(FieldReadJobModel):
    """A packaging job (``PackageJob`` of GetPackageJob), parsed leniently: what cannot be read is
    kept in ``unparsed_fields`` and named in ``parse_warnings`` (an unknown status: still running).

    :param job_id: ``JobId``; ``request_id``: ``RequestId``.
    :param status: ``Status``: a :class:`PackageJobStatus`, the raw string if unknown, or None.
    :param inputs: ``Inputs``: each ``{"Input": {"Type", "Media"}}`` as received.
    :param output: ``Output``: ``{"Type", "Media"}``, the manifest asked for.
    :param output_url: ``OutputUrl``, the manifest written.
    :param name: ``Name``; ``pipeline_id``: ``PipelineId``; ``priority``: ``Priority``;
        ``trigger_source``: ``TriggerSource``; ``user_data``: ``UserData``.
    :param code: ``Code``; ``message``: ``Message``: ICE's error of a failed job.
    """

    ENVELOPE: ClassVar[str | None] = "PackageJob"
    RESPONSE_ACTION: ClassVar[str] = "GetPackageJob"
    SUCCESS_STATUS: ClassVar[PackageJobStatus] = PackageJobStatus.SUCCESS
    FAILURE_STATUS: ClassVar[PackageJobStatus] = PackageJobStatus.FAIL

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    request_id: str | None = Field(None, alias="RequestId")
    job_id: str = Field(alias="JobId", min_length=1)
    status: PackageJobStatus | str | None = Field(None, alias="Status", union_mode="left_to_right")
    inputs: list[dict[str, Any]] = Field(default_factory=list, alias="Inputs")
    output: dict[str, Any] | None = Field(None, alias="Output")
    output_url: str | None = Field(None, alias="OutputUrl")
    name: str | None = Field(None, alias="Name")
    pipeline_id: str | None = Field(None, alias="PipelineId")
    priority: int | None = Field(None, alias="Priority")
    trigger_source: str | None = Field(None, alias="TriggerSource")
    user_data: str | None = Field(None, alias="UserData")
    code: str | None = Field(None, alias="Code")
    message: str | None = Field(None, alias="Message")
    create_time: datetime | None = Field(None, alias="CreateTime")
    submit_time: datetime | None = Field(None, alias="SubmitTime")
    modified_time: datetime | None = Field(None, alias="ModifiedTime")
    finish_time: datetime | None = Field(None, alias="FinishTime")

    @classmethod
    def read_fields(cls, reader: LenientReader) -> dict[str, Any]:
        """The job's fields (see :class:`~airflow_ice.models.lenient.FieldReadJobModel`)."""
        values: dict[str, Any] = {name: reader.text(name) for name in _TEXT_FIELDS}
        values["status"] = reader.status("status", PackageJobStatus)
        values["priority"] = reader.integer("priority")
        for name in _TIME_FIELDS:
            values[name] = reader.utc_datetime(name)
        output = reader.child("output", cls)
        if output is not None:
            values["output"] = {str(key): json_safe(value) for key, value in output.data.items()}
        inputs = reader.take("inputs")
        if isinstance(inputs, list) and all(isinstance(item, dict) for item in inputs):
            # Key by key, as Output: a whole item that is not plain JSON (a NaN inside) would be
            # its repr, no longer an object, and the answer would not parse.
            values["inputs"] = [
                {str(key): json_safe(value) for key, value in item.items()} for item in inputs
            ]
        elif inputs is not MISSING and inputs is not None:
            reader.keep("inputs", inputs, "a list of objects")
        return values

    @property
    def failure_detail(self) -> str:
        """ICE's error code and message of a failed job."""
        return failure_detail(self.code, self.message)

    def to_xcom(self) -> dict[str, Any]:
        """Id, status, the manifest (asked for and written), the renditions read, ICE's error, times."""
        output = self.output or {}
        return {
            "job_id": self.job_id,
            "status": self.status_text,
            "name": self.name,
            "output_media": output.get("Media"),
            "output_url": self.output_url,
            "inputs": [_media(item.get("Input")) for item in self.inputs],
            "code": self.code,
            "message": self.message,
            "user_data": self.user_data,
            "create_time": iso_time(self.create_time),
            "finish_time": iso_time(self.finish_time),
        }


def _media(value: Any) -> Any:
    return value.get("Media") if isinstance(value, dict) else None
