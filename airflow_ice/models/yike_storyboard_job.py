"""A Yike storyboard job as GetYikeStoryboardJob returns it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from airflow_ice.models.json_text import json_safe
from airflow_ice.models.lenient import (
    FieldReadJobModel,
    LenientReader,
)
from airflow_ice.models.status import YikeStoryboardJobStatus


class _Part(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True)


class YikeStoryboardJobParams(_Part):
    """The job's parameters as ICE echoes them (all strings).

    :param file_url: ``FileURL``, the source text.
    :param model_params: ``ModelParams``, JSON text as sent.
    """

    file_url: str | None = Field(None, alias="FileURL")
    shot_prompt_mode: str | None = Field(None, alias="ShotPromptMode")
    source_type: str | None = Field(None, alias="SourceType")
    model_params: str | None = Field(None, alias="ModelParams")
    shot_split_mode: str | None = Field(None, alias="ShotSplitMode")
    narration_voice_id: str | None = Field(None, alias="NarrationVoiceId")
    video_model: str | None = Field(None, alias="VideoModel")
    style_id: str | None = Field(None, alias="StyleId")
    resolution: str | None = Field(None, alias="Resolution")
    title: str | None = Field(None, alias="Title")
    aspect_ratio: str | None = Field(None, alias="AspectRatio")


class _ListItem(BaseModel):
    # Ids sometimes arrive as numbers; keys ICE adds later are kept.
    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="allow", coerce_numbers_to_str=True)


class FailureShot(_ListItem):
    """A shot that failed (``FailureShotList``).

    :param error_code: ``errorCode``, e.g. ``NoMediaData``.
    :param storyboard_id: ``storyboardId``.
    :param shot_id: ``shotId``.
    """

    error_code: str | None = Field(None, alias="errorCode")
    storyboard_id: str | None = Field(None, alias="storyboardId")
    shot_id: str | None = Field(None, alias="shotId")


class StoryboardInfo(_ListItem):
    """One storyboard of the job (``StoryboardInfoList``).

    :param storyboard_id: ``storyboardId``.
    :param title: ``title``.
    :param status: ``status``, e.g. ``Produced``.
    :param sub_status: ``subStatus``, e.g. ``ProduceSucc``.
    """

    storyboard_id: str | None = Field(None, alias="storyboardId")
    title: str | None = None
    status: str | None = None
    sub_status: str | None = Field(None, alias="subStatus")


class YikeStoryboardJobResult(_Part):
    """``JobResult``, whose fields ICE sends as strings, decoded.

    :param output_url: ``OutputUrl``, the downloadable video.
    :param success_storyboard_list: ``SuccessStoryboardList`` (a JSON array in a string).
    :param exception_storyboard_ids: ``ExceptionStoryboardIds`` (a JSON array in a string).
    :param failure_shot_list: ``FailureShotList``.
    :param success_storyboard_ids: ``SuccessStoryboardIds`` (comma separated in the string).
    :param storyboard_info_list: ``StoryboardInfoList``.
    :param raw: ``JobResult`` exactly as received.
    """

    output_url: str | None = Field(None, alias="OutputUrl")
    success_storyboard_list: list[str] = Field(default_factory=list, alias="SuccessStoryboardList")
    exception_storyboard_ids: list[str] = Field(default_factory=list, alias="ExceptionStoryboardIds")
    failure_shot_list: list[FailureShot] = Field(default_factory=list, alias="FailureShotList")
    success_storyboard_ids: list[str] = Field(default_factory=list, alias="SuccessStoryboardIds")
    storyboard_info_list: list[StoryboardInfo] = Field(default_factory=list, alias="StoryboardInfoList")
    raw: dict[str, Any] = Field(default_factory=dict)


class YikeStoryboardJob(FieldReadJobModel):
    """A Yike storyboard job (GetYikeStoryboardJob), parsed leniently.

    Same rule as :class:`~airflow_ice.models.iproduction_job.IProductionJob`: validating a JSON
    object with a ``JobId`` never raises; what cannot be read is kept and described in
    ``parse_warnings``. Input that is not an object, or has no ``JobId``, raises
    ``pydantic.ValidationError`` (:meth:`from_response`: ``IceResponseError``).

    :param request_id: ``RequestId``.
    :param job_id: ``JobId``.
    :param job_status: ``JobStatus``: a :class:`YikeStoryboardJobStatus`, or the raw string if
        unknown (then the job counts as running), or None when absent.
    :param job_params: ``JobParams``.
    :param job_result: ``JobResult``, decoded.
    :param parse_warnings: what could not be read, one sentence each.
    :param unparsed_fields: the values that could not be read, by API path.
    """

    RESPONSE_ACTION: ClassVar[str] = "GetYikeStoryboardJob"
    SUCCESS_STATUS: ClassVar[YikeStoryboardJobStatus] = YikeStoryboardJobStatus.SUCCEEDED
    FAILURE_STATUS: ClassVar[YikeStoryboardJobStatus] = YikeStoryboardJobStatus.FAILED

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    request_id: str | None = Field(None, alias="RequestId")
    job_id: str = Field(alias="JobId", min_length=1)
    job_status: YikeStoryboardJobStatus | str | None = Field(
        None, alias="JobStatus", union_mode="left_to_right"
    )
    job_params: YikeStoryboardJobParams | None = Field(None, alias="JobParams")
    job_result: YikeStoryboardJobResult | None = Field(None, alias="JobResult")

    @classmethod
    def read_fields(cls, reader: LenientReader) -> dict[str, Any]:
        """The job's fields (see :class:`~airflow_ice.models.lenient.FieldReadJobModel`)."""
        return {
            "request_id": reader.text("request_id"),
            "job_status": reader.status("job_status", YikeStoryboardJobStatus),
            "job_params": _read_params(reader),
            "job_result": _read_result(reader),
        }

    @property
    def status(self) -> YikeStoryboardJobStatus | str | None:
        """Same as ``job_status`` (so code can treat both job kinds alike)."""
        return self.job_status

    def to_xcom(self) -> dict[str, Any]:
        """A small JSON-safe summary for XCom: id, status, output URL and the storyboard lists."""
        result = self.job_result or YikeStoryboardJobResult()
        return {
            "job_id": self.job_id,
            "status": self.status_text,
            "title": self.job_params.title if self.job_params else None,
            "output_url": result.output_url,
            "success_storyboard_list": list(result.success_storyboard_list),
            "success_storyboard_ids": list(result.success_storyboard_ids),
            "exception_storyboard_ids": list(result.exception_storyboard_ids),
            "failure_shot_list": [shot.model_dump(mode="json") for shot in result.failure_shot_list],
            "storyboard_info_list": [info.model_dump(mode="json") for info in result.storyboard_info_list],
        }


def _read_params(reader: LenientReader) -> YikeStoryboardJobParams | None:
    child = reader.child("job_params", YikeStoryboardJobParams)
    if child is None:
        return None
    params = YikeStoryboardJobParams.model_validate(child.texts(YikeStoryboardJobParams))
    child.finish()
    return params


_ItemT = TypeVar("_ItemT")
_TEXTS = TypeAdapter(list[str], config=ConfigDict(coerce_numbers_to_str=True))
_FAILURE_SHOTS = TypeAdapter(list[FailureShot])
_STORYBOARDS = TypeAdapter(list[StoryboardInfo])


def _read_result(reader: LenientReader) -> YikeStoryboardJobResult | None:
    child = reader.child("job_result", YikeStoryboardJobResult)
    if child is None:
        return None
    previous_raw = child.data.get("raw")
    if isinstance(previous_raw, Mapping):
        # A dump of this model: decode again from what ICE sent.
        child = LenientReader(previous_raw, YikeStoryboardJobResult, reader.report, prefix=child.prefix)
    values: dict[str, Any] = {
        "raw": {str(key): json_safe(value) for key, value in child.data.items()},
        "output_url": child.text("output_url"),
        "success_storyboard_list": _decoded_list(child, "success_storyboard_list", _TEXTS),
        "exception_storyboard_ids": _decoded_list(child, "exception_storyboard_ids", _TEXTS),
        "failure_shot_list": _decoded_list(child, "failure_shot_list", _FAILURE_SHOTS),
        "storyboard_info_list": _decoded_list(child, "storyboard_info_list", _STORYBOARDS),
        "success_storyboard_ids": _comma_separated(child, "success_storyboard_ids"),
    }
    child.skip("raw")
    child.finish()
    return YikeStoryboardJobResult.model_validate(values)


def _decoded_list(child: LenientReader, name: str, adapter: TypeAdapter[list[_ItemT]]) -> list[_ItemT]:
    return child.json_list(name, adapter, shape="the documented list shape", kept_in="job_result.raw")


def _comma_separated(child: LenientReader, name: str) -> list[str]:
    value = child.take(name)
    if isinstance(value, str) and value.strip()[:1] != "[":
        return [part.strip() for part in value.split(",") if part.strip()]
    # A JSON array, in a string or not, is accepted too.
    return _decoded_list(child, name, _TEXTS)
