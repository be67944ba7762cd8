"""A smart job (speech recognition, ...) as GetSmartHandleJob returns it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from airflow_ice.models.json_text import decode_json_text, json_safe
from airflow_ice.models.lenient import FieldReadJobModel, LenientReader, failure_detail, iso_time
from airflow_ice.models.status import SmartHandleJobStatus

_TOP_TEXTS = ("request_id", "output", "user_data", "error_code", "error_message")


class SmartJobResult(BaseModel):
    """``JobResult``: what the job made.

    :param ai_result: ``AiResult``, the AI's result as ICE sends it (JSON text: for speech
        recognition, the sentences ``[{"content", "from", "to"}]``).
    :param media_url: ``MediaUrl``, the file the job made (voice tracks, videos).
    :param media_id: ``MediaId``, the media asset it made.
    :param usage: ``Usage``, the tokens used (keyword expansion jobs).
    """

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    ai_result: str | None = Field(None, alias="AiResult")
    media_url: str | None = Field(None, alias="MediaUrl")
    media_id: str | None = Field(None, alias="MediaId")
    usage: str | None = Field(None, alias="Usage")


class SmartJobInputConfig(BaseModel):
    """``SmartJobInfo.InputConfig``: ``InputFile``, an OSS address or a media id."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    input_file: str | None = Field(None, alias="InputFile")


class SmartJobOutputConfig(BaseModel):
    """``SmartJobInfo.OutputConfig``: the OSS ``Bucket`` and ``Object`` written."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    bucket: str | None = Field(None, alias="Bucket")
    object: str | None = Field(None, alias="Object")


class SmartJobInfo(BaseModel):
    """``SmartJobInfo``: the job as submitted.

    :param job_type: ``JobType`` (e.g. ``ASR``); ``title``, ``description``: as submitted.
    :param user_id: ``UserId``, the account.
    :param create_time: ``CreateTime``; ``modified_time``: ``ModifiedTime``.
    """

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    job_type: str | None = Field(None, alias="JobType")
    title: str | None = Field(None, alias="Title")
    description: str | None = Field(None, alias="Description")
    user_id: str | None = Field(None, alias="UserId")
    create_time: datetime | None = Field(None, alias="CreateTime")
    modified_time: datetime | None = Field(None, alias="ModifiedTime")
    input_config: SmartJobInputConfig | None = Field(None, alias="InputConfig")
    output_config: SmartJobOutputConfig | None = Field(None, alias="OutputConfig")


class SmartHandleJob(FieldReadJobModel):
    """A smart job (the answer of GetSmartHandleJob, which reads speech recognition and the other
    smart jobs), parsed leniently: what cannot be read is kept in ``unparsed_fields`` and named in
    ``parse_warnings`` (an unknown state: still running).

    :param job_id: ``JobId``; ``request_id``: ``RequestId``.
    :param status: ``State``: a :class:`SmartHandleJobStatus`, the raw string if unknown, or None.
    :param job_result: ``JobResult``; ``smart_job_info``: ``SmartJobInfo``.
    :param output: ``Output``, the job's output as ICE describes it.
    :param error_code: ``ErrorCode``; ``error_message``: ``ErrorMessage`` (a failed job).
    :param user_data: ``UserData`` as submitted.
    """

    RESPONSE_ACTION: ClassVar[str] = "GetSmartHandleJob"
    SUCCESS_STATUS: ClassVar[SmartHandleJobStatus] = SmartHandleJobStatus.FINISHED
    FAILURE_STATUS: ClassVar[SmartHandleJobStatus] = SmartHandleJobStatus.FAILED

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    request_id: str | None = Field(None, alias="RequestId")
    job_id: str = Field(alias="JobId", min_length=1)
    status: SmartHandleJobStatus | str | None = Field(None, alias="State", union_mode="left_to_right")
    job_result: SmartJobResult | None = Field(None, alias="JobResult")
    smart_job_info: SmartJobInfo | None = Field(None, alias="SmartJobInfo")
    output: str | None = Field(None, alias="Output")
    error_code: str | None = Field(None, alias="ErrorCode")
    error_message: str | None = Field(None, alias="ErrorMessage")
    user_data: str | None = Field(None, alias="UserData")

    @classmethod
    def read_fields(cls, reader: LenientReader) -> dict[str, Any]:
        """The job's fields (see :class:`~airflow_ice.models.lenient.FieldReadJobModel`)."""
        values: dict[str, Any] = {name: reader.text(name) for name in _TOP_TEXTS}
        values["status"] = reader.status("status", SmartHandleJobStatus)
        result = reader.child("job_result", SmartJobResult)
        if result is not None:
            values["job_result"] = SmartJobResult.model_validate(result.texts(SmartJobResult))
            result.finish()
        info = reader.child("smart_job_info", SmartJobInfo)
        if info is not None:
            values["smart_job_info"] = _job_info(info)
        return values

    @property
    def failure_detail(self) -> str:
        """ICE's error code and message of a failed job."""
        return failure_detail(self.error_code, self.error_message)

    @property
    def ai_result(self) -> Any:
        """``JobResult.AiResult`` decoded (a list or object), or the text as ICE sent it when it is
        not JSON; None when absent."""
        text = self.job_result.ai_result if self.job_result else None
        if not text:
            return None
        try:
            return json_safe(decode_json_text(text))
        except ValueError:
            return text

    @property
    def output_url(self) -> str | None:
        """The file the job made (``JobResult.MediaUrl``), when it made one."""
        return self.job_result.media_url if self.job_result else None

    def to_xcom(self) -> dict[str, Any]:
        """A compact JSON-safe summary: id, status, the AI's result decoded, the file or media asset
        made, ICE's error, what was submitted."""
        result = self.job_result or SmartJobResult()
        info = self.smart_job_info or SmartJobInfo()
        return {
            "job_id": self.job_id,
            "status": self.status_text,
            "job_type": info.job_type,
            "ai_result": self.ai_result,
            "media_url": result.media_url,
            "media_id": result.media_id,
            "usage": result.usage,
            "output": self.output,
            "input_file": info.input_config.input_file if info.input_config else None,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "title": info.title,
            "user_data": self.user_data,
            "create_time": iso_time(info.create_time),
            "modified_time": iso_time(info.modified_time),
        }


def _job_info(reader: LenientReader) -> SmartJobInfo:
    values: dict[str, Any] = {
        name: reader.text(name) for name in ("job_type", "title", "description", "user_id")
    }
    for name in ("create_time", "modified_time"):
        values[name] = reader.utc_datetime(name)
    inputs = reader.child("input_config", SmartJobInputConfig)
    if inputs is not None:
        values["input_config"] = SmartJobInputConfig.model_validate(inputs.texts(SmartJobInputConfig))
        inputs.finish()
    outputs = reader.child("output_config", SmartJobOutputConfig)
    if outputs is not None:
        values["output_config"] = SmartJobOutputConfig.model_validate(outputs.texts(SmartJobOutputConfig))
        outputs.finish()
    reader.finish()
    return SmartJobInfo.model_validate(values)
