"""An animated image job as GetDynamicImageJob returns it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import ConfigDict, Field

from airflow_ice.models.json_text import json_safe
from airflow_ice.models.lenient import FieldReadJobModel, LenientReader, failure_detail, iso_time
from airflow_ice.models.status import DynamicImageJobStatus

_TEXT_FIELDS = (
    "name",
    "output_url",
    "template_id",
    "template_config",
    "pipeline_id",
    "trigger_source",
    "user_data",
    "code",
    "message",
)
_TIME_FIELDS = ("create_time", "submit_time", "modified_time", "finish_time")


class DynamicImageJob(FieldReadJobModel):
    """An animated image job (``DynamicImageJob`` of GetDynamicImageJob), parsed leniently.

    Validating an answer whose job has a ``JobId`` never raises; what cannot be read is kept in
    ``unparsed_fields`` and described in ``parse_warnings`` (an unknown status: still running).

    :param job_id: ``JobId``; ``request_id``: ``RequestId``.
    :param status: ``Status``: a :class:`DynamicImageJobStatus`, the raw string if unknown, or None.
    :param output_url: ``OutputUrl``, the animated image's URL.
    :param input: ``Input``; ``output``: ``Output``: ``{"Type", "Media", "OssFile": {"Bucket",
        "Location", "Object"}}`` as received.
    :param template_config: ``TemplateConfig``, the template's settings the job ran with, as ICE's
        JSON text.
    :param code: ``Code``; ``message``: ``Message``: ICE's error of a failed job.
    """

    ENVELOPE: ClassVar[str | None] = "DynamicImageJob"
    RESPONSE_ACTION: ClassVar[str] = "GetDynamicImageJob"
    SUCCESS_STATUS: ClassVar[DynamicImageJobStatus] = DynamicImageJobStatus.SUCCESS
    FAILURE_STATUS: ClassVar[DynamicImageJobStatus] = DynamicImageJobStatus.FAIL

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    request_id: str | None = Field(None, alias="RequestId")
    job_id: str = Field(alias="JobId", min_length=1)
    status: DynamicImageJobStatus | str | None = Field(None, alias="Status", union_mode="left_to_right")
    output_url: str | None = Field(None, alias="OutputUrl")
    input: dict[str, Any] | None = Field(None, alias="Input")
    output: dict[str, Any] | None = Field(None, alias="Output")
    name: str | None = Field(None, alias="Name")
    template_id: str | None = Field(None, alias="TemplateId")
    template_config: str | None = Field(None, alias="TemplateConfig")
    pipeline_id: str | None = Field(None, alias="PipelineId")
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
        values: dict[str, Any] = {name: reader.text(name) for name in ("request_id", *_TEXT_FIELDS)}
        values["status"] = reader.status("status", DynamicImageJobStatus)
        for name in _TIME_FIELDS:
            values[name] = reader.utc_datetime(name)
        for name in ("input", "output"):
            part = reader.child(name, cls)
            values[name] = {str(k): json_safe(v) for k, v in part.data.items()} if part is not None else None
        return values

    @property
    def failure_detail(self) -> str:
        """ICE's error code and message of a failed job."""
        return failure_detail(self.code, self.message)

    def to_xcom(self) -> dict[str, Any]:
        """A small JSON-safe summary for XCom: id, status, where the image is, ICE's error."""
        output = self.output or {}
        return {
            "job_id": self.job_id,
            "status": self.status_text,
            "output_media": output.get("Media"),
            "output_url": self.output_url,
            "code": self.code,
            "message": self.message,
            "user_data": self.user_data,
            "create_time": iso_time(self.create_time),
            "finish_time": iso_time(self.finish_time),
        }
