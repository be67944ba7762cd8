"""An IProduction job as QueryIProductionJob returns it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from airflow_ice.models.iproduction_results import CoverResult, IProductionResult, decode_result
from airflow_ice.models.json_text import decode_json_text
from airflow_ice.models.lenient import (
    MISSING,
    FieldReadJobModel,
    LenientReader,
    ParseReport,
)
from airflow_ice.models.status import IProductionJobStatus
from airflow_ice.models.xcom_values import iso_utc


class _JobPart(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True)


class IProductionJobInput(_JobPart):
    """The job's input.

    :param type: ``OSS`` or ``Media``.
    :param media: an ``oss://bucket/object`` address (OSS) or a media id (Media).
    """

    type: str | None = Field(None, alias="Type")
    media: str | None = Field(None, alias="Media")


class IProductionJobOutput(_JobPart):
    """The job's output.

    :param type: ``OSS`` or ``Media``.
    :param media: the output OSS address or media id.
    :param biz: business the media belongs to, e.g. ``IMS``.
    :param output_url: with ``Type=Media``, the OSS URL of the output file.
    """

    type: str | None = Field(None, alias="Type")
    media: str | None = Field(None, alias="Media")
    biz: str | None = Field(None, alias="Biz")
    output_url: str | None = Field(None, alias="OutputUrl")


class IProductionScheduleInfo(_JobPart):
    """Where the job was scheduled.

    :param pipeline_id: the pipeline.
    :param priority: priority in the pipeline (1-10).
    """

    pipeline_id: str | None = Field(None, alias="PipelineId")
    priority: int | None = Field(None, alias="Priority")


class IProductionJob(FieldReadJobModel):
    """An IProduction job (QueryIProductionJob), parsed leniently.

    Validating a JSON object that has a ``JobId`` never raises: what cannot be read (an unknown
    status, a Result that is not JSON or not the documented shape, a field ICE added, a value of
    the wrong type) is kept as received and described in ``parse_warnings``. Only input that is not
    an object, or has no non-empty string ``JobId``, raises ``pydantic.ValidationError`` from
    ``model_validate`` (:meth:`from_response` turns that into ``IceResponseError``).

    :param request_id: ``RequestId``.
    :param job_id: ``JobId``.
    :param name: ``Name``.
    :param function_name: ``FunctionName``, as received.
    :param status: ``Status``: an :class:`IProductionJobStatus`, or the raw string if unknown (then
        the job counts as running), or None when absent.
    :param create_time: ``CreateTime``, aware UTC.
    :param finish_time: ``FinishTime``, aware UTC.
    :param input: ``Input``.
    :param output: ``Output``.
    :param template_id: ``TemplateId``.
    :param job_params: ``JobParams`` as received (JSON text).
    :param job_params_decoded: ``JobParams`` decoded, when it is JSON.
    :param schedule_config: ``ScheduleConfig``.
    :param user_data: ``UserData``.
    :param result_raw: ``Result`` as received (a JSON string).
    :param result: ``Result`` decoded into the typed form for the function.
    :param output_files: ``OutputFiles``.
    :param output_urls: ``OutputUrls``.
    :param output_media_ids: ``OutputMediaIds``.
    :param parse_warnings: what could not be read, one sentence each.
    :param unparsed_fields: the values that could not be read, by API path (``Input.Foo``).
    """

    RESPONSE_ACTION: ClassVar[str] = "QueryIProductionJob"
    STRICT_FAST_PATH: ClassVar[bool] = True
    SUCCESS_STATUS: ClassVar[IProductionJobStatus] = IProductionJobStatus.SUCCESS
    FAILURE_STATUS: ClassVar[IProductionJobStatus] = IProductionJobStatus.FAIL

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    request_id: str | None = Field(None, alias="RequestId")
    job_id: str = Field(alias="JobId", min_length=1)
    name: str | None = Field(None, alias="Name")
    function_name: str | None = Field(None, alias="FunctionName")
    status: IProductionJobStatus | str | None = Field(None, alias="Status", union_mode="left_to_right")
    create_time: datetime | None = Field(None, alias="CreateTime")
    finish_time: datetime | None = Field(None, alias="FinishTime")
    input: IProductionJobInput | None = Field(None, alias="Input")
    output: IProductionJobOutput | None = Field(None, alias="Output")
    template_id: str | None = Field(None, alias="TemplateId")
    job_params: str | None = Field(None, alias="JobParams")
    job_params_decoded: JsonValue = None
    schedule_config: IProductionScheduleInfo | None = Field(None, alias="ScheduleConfig")
    user_data: str | None = Field(None, alias="UserData")
    result_raw: str | None = Field(None, alias="Result")
    result: IProductionResult | None = None
    output_files: list[str] = Field(default_factory=list, alias="OutputFiles")
    output_urls: list[str] = Field(default_factory=list, alias="OutputUrls")
    output_media_ids: list[str] = Field(default_factory=list, alias="OutputMediaIds")

    @classmethod
    def read_fields(cls, reader: LenientReader) -> dict[str, Any]:
        """The job's fields (see :class:`~airflow_ice.models.lenient.FieldReadJobModel`); ``result``
        and ``job_params_decoded`` are derived from ``Result`` and ``JobParams``."""
        reader.skip("result", "job_params_decoded")
        values: dict[str, Any] = {
            "request_id": reader.text("request_id"),
            "name": reader.text("name"),
            "function_name": reader.text("function_name"),
            "status": reader.status("status", IProductionJobStatus),
            "create_time": reader.utc_datetime("create_time"),
            "finish_time": reader.utc_datetime("finish_time"),
            "input": _read_part(reader, "input", IProductionJobInput),
            "output": _read_part(reader, "output", IProductionJobOutput),
            "template_id": reader.text("template_id"),
            "schedule_config": read_schedule_config(reader),
            "user_data": reader.text("user_data"),
            "output_files": reader.text_list("output_files"),
            "output_urls": reader.text_list("output_urls"),
            "output_media_ids": reader.text_list("output_media_ids"),
        }
        values["job_params"] = _read_job_params(reader)
        values["result_raw"] = reader.text("result_raw")
        cls.derive_fields(values, reader.report)
        return values

    @classmethod
    def derive_fields(cls, values: dict[str, Any], report: ParseReport) -> None:
        """``job_params_decoded`` from ``JobParams``; ``result`` from ``Result`` and ``FunctionName``."""
        values["job_params_decoded"] = None
        job_params = values["job_params"]
        if job_params is not None and job_params.strip():
            try:
                values["job_params_decoded"] = decode_json_text(job_params)
            except ValueError:
                report.warn("JobParams: not JSON; kept as received in job_params only")
        values["result"] = None
        if values["result_raw"] is not None:
            values["result"], result_warnings = decode_result(values["function_name"], values["result_raw"])
            for text in result_warnings:
                report.warn(text)

    def _result_xcom(self) -> dict[str, Any] | None:
        if isinstance(self.result, CoverResult):
            return self.result.to_xcom(self.output_urls)
        return self.result.model_dump(mode="json") if self.result is not None else None

    def to_xcom(self) -> dict[str, Any]:
        """A small JSON-safe summary for XCom: ids, status, parsed result, outputs, times."""
        return {
            "job_id": self.job_id,
            "status": self.status_text,
            "function_name": self.function_name,
            "result": self._result_xcom(),
            "output_files": list(self.output_files),
            "output_urls": list(self.output_urls),
            "output_media_ids": list(self.output_media_ids),
            "create_time": iso_utc(self.create_time),
            "finish_time": iso_utc(self.finish_time),
            "user_data": self.user_data,
        }


def _read_part(reader: LenientReader, name: str, part_cls: type[_JobPart]) -> _JobPart | None:
    child = reader.child(name, part_cls)
    if child is None:
        return None
    part = part_cls.model_validate(child.texts(part_cls))
    child.finish()
    return part


def read_schedule_config(reader: LenientReader) -> IProductionScheduleInfo | None:
    """``ScheduleConfig`` (``{PipelineId, Priority}``) of a job object; absent or null gives None."""
    child = reader.child("schedule_config", IProductionScheduleInfo)
    if child is None:
        return None
    schedule = IProductionScheduleInfo(
        pipeline_id=child.text("pipeline_id"), priority=child.integer("priority")
    )
    child.finish()
    return schedule


def _read_job_params(reader: LenientReader) -> str | None:
    value = reader.take("job_params")
    if value is MISSING or value is None:
        return None
    if not isinstance(value, str):
        reader.keep("job_params", value, "JSON text")
        return None
    return value
