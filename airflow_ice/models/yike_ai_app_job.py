"""A Yike AI application job as GetYikeAIAppJob and BatchGetYikeAIAppJob return it, and the
PrecheckYikeAIAppJob answer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, JsonValue, TypeAdapter, ValidationError

from airflow_ice.errors import IceResponseError
from airflow_ice.models.json_text import (
    body_text,
    compact_json,
    decode_json_text,
    is_json_safe,
    json_safe,
    short_repr,
)
from airflow_ice.models.lenient import (
    MISSING,
    UNREADABLE_VALUE_ERRORS,
    FieldReadJobModel,
    LenientReader,
    response_problem,
)
from airflow_ice.models.status import YikeAIAppJobStatus
from airflow_ice.models.xcom_values import iso_utc

# BatchGetYikeAIAppJob's items name the parameters ``AppInputConfig`` (per the official SDK), where
# GetYikeAIAppJob says ``AppParams``.
BATCH_APP_PARAMS_FIELD = "AppInputConfig"
# Top-level fields ICE does not document but that, on a failed job, would say why.
_FAILURE_HINTS = ("error", "message", "reason", "code")


class YikeAIAppMediaOutput(BaseModel):
    """One output of the job (an item of ``AudioResult``, ``ImageResult`` or ``VideoResult``).

    :param media_id: ``MediaId``, the media asset in ICE's media library.
    :param output_url: ``OutputUrl``, the downloadable OSS URL.
    """

    # Ids sometimes arrive as numbers; keys ICE adds later are kept.
    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="allow", coerce_numbers_to_str=True)

    media_id: str | None = Field(None, alias="MediaId")
    output_url: str | None = Field(None, alias="OutputUrl")


class YikeAIAppJobResult(BaseModel):
    """``Result``: the job's outputs by kind.

    :param audio_result: ``AudioResult``.
    :param image_result: ``ImageResult``.
    :param video_result: ``VideoResult``.
    :param raw: ``Result`` exactly as received (decoded when ICE sent it as JSON text).
    """

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    audio_result: list[YikeAIAppMediaOutput] = Field(default_factory=list, alias="AudioResult")
    image_result: list[YikeAIAppMediaOutput] = Field(default_factory=list, alias="ImageResult")
    video_result: list[YikeAIAppMediaOutput] = Field(default_factory=list, alias="VideoResult")
    raw: dict[str, Any] = Field(default_factory=dict)

    @property
    def output_urls(self) -> list[str]:
        """Every output URL: videos first, then images, then audio."""
        outputs = (*self.video_result, *self.image_result, *self.audio_result)
        return [item.output_url for item in outputs if item.output_url]


class YikeAIAppJob(FieldReadJobModel):
    """A Yike AI application job (GetYikeAIAppJob, or one item of BatchGetYikeAIAppJob), parsed leniently.

    Same rule as the other job models: validating a JSON object with a ``JobId`` never raises; what
    cannot be read (an unknown status, a time that does not parse, a Result of another shape, a field
    ICE added) is kept as received and described in ``parse_warnings``. Input that is not an object,
    or has no ``JobId``, raises ``pydantic.ValidationError`` (:meth:`from_response`: ``IceResponseError``).

    :param request_id: ``RequestId`` of the answer (of BatchGetYikeAIAppJob for a listed job).
    :param job_id: ``JobId``.
    :param app_id: ``AppId``, the AI application.
    :param app_params: ``AppParams`` (``AppInputConfig`` in batch answers) as received, JSON text.
    :param app_params_decoded: ``AppParams`` decoded, when it is JSON.
    :param folder_id: ``FolderId``.
    :param production_id: ``ProductionId``.
    :param execution_start_time: ``ExecutionStartTime``, aware UTC.
    :param execution_finish_time: ``ExecutionFinishTime``, aware UTC.
    :param status: ``Status``: a :class:`YikeAIAppJobStatus`, or the raw string if unknown (then the
        job counts as running), or None when absent.
    :param result: ``Result``, decoded.
    :param parse_warnings: what could not be read, one sentence each.
    :param unparsed_fields: the values that could not be read, by API path.
    """

    RESPONSE_ACTION: ClassVar[str] = "GetYikeAIAppJob"
    SUCCESS_STATUS: ClassVar[YikeAIAppJobStatus] = YikeAIAppJobStatus.FINISHED
    FAILURE_STATUS: ClassVar[YikeAIAppJobStatus] = YikeAIAppJobStatus.FAILED

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    request_id: str | None = Field(None, alias="RequestId")
    job_id: str = Field(alias="JobId", min_length=1)
    app_id: str | None = Field(None, alias="AppId")
    app_params: str | None = Field(None, alias="AppParams")
    app_params_decoded: JsonValue = None
    folder_id: str | None = Field(None, alias="FolderId")
    production_id: str | None = Field(None, alias="ProductionId")
    execution_start_time: datetime | None = Field(None, alias="ExecutionStartTime")
    execution_finish_time: datetime | None = Field(None, alias="ExecutionFinishTime")
    status: YikeAIAppJobStatus | str | None = Field(None, alias="Status", union_mode="left_to_right")
    result: YikeAIAppJobResult | None = Field(None, alias="Result")

    @classmethod
    def read_fields(cls, reader: LenientReader) -> dict[str, Any]:
        """The job's fields (see :class:`~airflow_ice.models.lenient.FieldReadJobModel`);
        ``app_params_decoded`` is derived from ``AppParams``."""
        reader.skip("app_params_decoded")
        values: dict[str, Any] = {
            "request_id": reader.text("request_id"),
            "app_id": reader.text("app_id"),
            "folder_id": reader.text("folder_id"),
            "production_id": reader.text("production_id"),
            "execution_start_time": reader.utc_datetime("execution_start_time"),
            "execution_finish_time": reader.utc_datetime("execution_finish_time"),
            "status": reader.status("status", YikeAIAppJobStatus),
            "result": _read_result(reader),
        }
        values["app_params"], values["app_params_decoded"] = _read_app_params(reader)
        return values

    @property
    def output_urls(self) -> list[str]:
        """Every output URL: videos first, then images, then audio."""
        return self.result.output_urls if self.result else []

    @property
    def failure_detail(self) -> str:
        """What ICE said about a failure beyond the status: any undocumented field naming an error."""
        hints = {
            path: value
            for path, value in self.unparsed_fields.items()
            if "." not in path and any(word in path.lower() for word in _FAILURE_HINTS)
        }
        return compact_json(hints)[:500] if hints else ""

    def to_xcom(self) -> dict[str, Any]:
        """A small JSON-safe summary for XCom: ids, status, parameters, times and outputs."""
        result = self.result or YikeAIAppJobResult()
        return {
            "job_id": self.job_id,
            "status": self.status_text,
            "app_id": self.app_id,
            "app_params": self.app_params_decoded if self.app_params_decoded is not None else self.app_params,
            "folder_id": self.folder_id,
            "production_id": self.production_id,
            "execution_start_time": iso_utc(self.execution_start_time),
            "execution_finish_time": iso_utc(self.execution_finish_time),
            "video_outputs": [item.model_dump(mode="json") for item in result.video_result],
            "image_outputs": [item.model_dump(mode="json") for item in result.image_result],
            "audio_outputs": [item.model_dump(mode="json") for item in result.audio_result],
            "output_urls": result.output_urls,
        }


class YikeAIAppJobList(BaseModel):
    """A BatchGetYikeAIAppJob answer: the jobs ICE listed (it may leave some asked-for ids out).

    An item that is not an object with a usable ``JobId`` is left out and described in
    ``parse_warnings``; each job is parsed as leniently as :class:`YikeAIAppJob`.

    :param request_id: ``RequestId``.
    :param jobs: ``JobList``, parsed; each job's ``request_id`` is the answer's ``RequestId``.
    :param parse_warnings: the items that could not be read.
    """

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    request_id: str | None = Field(None, alias="RequestId")
    jobs: list[YikeAIAppJob] = Field(default_factory=list, alias="JobList")
    parse_warnings: list[str] = Field(default_factory=list)

    @classmethod
    def from_response(cls, body: object, action: str = "BatchGetYikeAIAppJob") -> YikeAIAppJobList:
        """Parse a response body.

        :param body: the decoded JSON body.
        :param action: the action that returned it, for the error message.
        :raises IceResponseError: the body is not an object or has no list ``JobList``.
        """
        if not isinstance(body, Mapping):
            raise IceResponseError(action, "the body is not a JSON object", body_text(body))
        items = body.get("JobList")
        if not isinstance(items, list):
            raise IceResponseError(action, "JobList is missing or not a list", body_text(body))
        request_id = body.get("RequestId")
        request_id = request_id if isinstance(request_id, str) else None
        jobs: list[YikeAIAppJob] = []
        warnings: list[str] = []
        for index, item in enumerate(items):
            if request_id is not None and isinstance(item, Mapping) and "RequestId" not in item:
                # Each job carries the RequestId of the answer it came in, as a GetYikeAIAppJob's does.
                item = {**item, "RequestId": request_id}
            try:
                jobs.append(YikeAIAppJob.model_validate(item))
            except ValidationError as exc:
                warnings.append(f"JobList[{index}]: {response_problem(exc)}; left out ({short_repr(item)})")
            except UNREADABLE_VALUE_ERRORS as exc:
                warnings.append(f"JobList[{index}]: {type(exc).__name__}; left out ({short_repr(item)})")
        return cls(
            request_id=request_id,
            jobs=jobs,
            parse_warnings=warnings,
        )


class PrecheckProblem(BaseModel):
    """One application parameter that failed PrecheckYikeAIAppJob.

    :param key: ``Key``, the parameter's name in ``AppParams``.
    :param error_code: ``ErrorCode``, why it failed.
    """

    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="allow", coerce_numbers_to_str=True)

    key: str | None = Field(None, alias="Key")
    error_code: str | None = Field(None, alias="ErrorCode")


_PROBLEMS = TypeAdapter(list[PrecheckProblem])


class YikeAIAppPrecheck(BaseModel):
    """The PrecheckYikeAIAppJob answer: whether ICE accepts the application parameters.

    :param request_id: ``RequestId``.
    :param status: ``Status``: ``Success`` or ``Failed`` as received.
    :param problems: ``Result``: the parameters that failed, with why.
    :param raw: the answer as received, for messages.
    """

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    request_id: str | None = Field(None, alias="RequestId")
    status: str | None = Field(None, alias="Status")
    problems: list[PrecheckProblem] = Field(default_factory=list, alias="Result")
    raw: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def from_response(cls, body: object, action: str = "PrecheckYikeAIAppJob") -> YikeAIAppPrecheck:
        """Parse a response body.

        :param body: the decoded JSON body.
        :param action: the action that returned it, for the error message.
        :raises IceResponseError: the body is not an object, or has no string ``Status``.
        """
        if not isinstance(body, Mapping):
            raise IceResponseError(action, "the body is not a JSON object", body_text(body))
        status = body.get("Status")
        if not isinstance(status, str) or not status.strip():
            raise IceResponseError(action, "the answer has no Status", body_text(body))
        raw = {str(key): json_safe(value) for key, value in body.items()}
        problems: list[PrecheckProblem] = []
        items = body.get("Result")
        if isinstance(items, list) and is_json_safe(items):
            try:
                problems = _PROBLEMS.validate_python(items)
            except ValidationError:
                problems = []  # kept in raw, quoted by describe()
        request_id = body.get("RequestId")
        return cls(
            request_id=request_id if isinstance(request_id, str) else None,
            status=status.strip(),
            problems=problems,
            raw=raw,
        )

    @property
    def passed(self) -> bool:
        """Whether ICE accepted the parameters (``Status`` is ``Success``, any case)."""
        return (self.status or "").lower() == "success"

    def describe(self) -> str:
        """The rejected parameters, e.g. ``Prompt: InvalidValue; Duration: OutOfRange``."""
        if self.problems:
            return "; ".join(f"{p.key or '?'}: {p.error_code or 'rejected'}" for p in self.problems)
        result = self.raw.get("Result")
        return f"Result {compact_json(result)[:500]}" if result not in (None, [], {}) else "no detail given"


def _read_app_params(reader: LenientReader) -> tuple[str | None, Any]:
    value = reader.take("app_params")
    batch_value = reader.take(BATCH_APP_PARAMS_FIELD)
    if value is MISSING or value is None:
        value = batch_value
    if value is MISSING or value is None:
        return None, None
    if isinstance(value, Mapping | list) and is_json_safe(value):
        # Sent as an object rather than JSON text: keep both forms.
        return compact_json(value), value
    if not isinstance(value, str):
        reader.keep("app_params", value, "JSON text")
        return None, None
    try:
        return value, decode_json_text(value) if value.strip() else None
    except ValueError:
        reader.report.warn(f"{reader.path('app_params')}: not JSON; kept as received in app_params only")
        return value, None


_OUTPUTS = TypeAdapter(list[YikeAIAppMediaOutput])
_OUTPUT_LISTS = ("audio_result", "image_result", "video_result")


def _read_result(reader: LenientReader) -> YikeAIAppJobResult | None:
    value = reader.take("result")
    if value is MISSING or value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        try:
            value = decode_json_text(value)
        except ValueError:
            reader.keep("result", value, "an object or JSON text of one")
            return None
    if not isinstance(value, Mapping):
        reader.keep("result", value, "an object")
        return None
    child = LenientReader(value, YikeAIAppJobResult, reader.report, prefix=reader.path("result") + ".")
    previous_raw = value.get("raw")
    if isinstance(previous_raw, Mapping):
        # A dump of this model: decode again from what ICE sent.
        child = LenientReader(previous_raw, YikeAIAppJobResult, reader.report, prefix=child.prefix)
    values: dict[str, Any] = {"raw": {str(key): json_safe(item) for key, item in child.data.items()}}
    for name in _OUTPUT_LISTS:
        values[name] = _output_list(child, name)
    child.skip("raw")
    child.finish()
    return YikeAIAppJobResult.model_validate(values)


def _output_list(child: LenientReader, name: str) -> list[YikeAIAppMediaOutput]:
    return child.json_list(name, _OUTPUTS, shape="a list of {MediaId, OutputUrl}", kept_in="result.raw")
