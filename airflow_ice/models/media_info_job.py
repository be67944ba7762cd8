"""A media info job as GetMediaInfoJob returns it: the file's format and streams, typed."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from airflow_ice.models.iproduction_job import IProductionScheduleInfo, read_schedule_config
from airflow_ice.models.json_text import json_safe
from airflow_ice.models.lenient import (
    MISSING,
    FieldReadJobModel,
    LenientReader,
    failure_detail,
    iso_time,
)
from airflow_ice.models.status import MediaInfoJobStatus


def _number_or_none(value: Any) -> Any:
    # ICE sends every figure as a string ("1280", "10.0", sometimes "N/A"): one that does not read
    # (or is past float's range, as a string or a number) is None here and stays in the item's ``raw``.
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        try:
            number = float(value)
        except (ValueError, OverflowError):
            return None
        return number if math.isfinite(number) else None
    return value


def _integer_or_none(value: Any) -> Any:
    number = _number_or_none(value)
    return int(number) if isinstance(number, float) and number.is_integer() else number


Number = Annotated[float | None, BeforeValidator(_number_or_none)]
Integer = Annotated[int | None, BeforeValidator(_integer_or_none)]


class _Described(BaseModel):
    """A part of MediaInfoProperty: typed fields, plus everything ICE sent in ``raw``."""

    model_config = ConfigDict(populate_by_name=True, frozen=True, coerce_numbers_to_str=True)

    raw: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _keep_raw(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "raw" not in data:
            return {**data, "raw": {str(key): json_safe(value) for key, value in data.items()}}
        return data


class MediaFormat(_Described):
    """``FileBasicInfo``: the container.

    :param format_name: ``FormatName``, e.g. ``mov,mp4,m4a,3gp,3g2,mj2``.
    :param duration: ``Duration`` in seconds; ``bitrate``: ``Bitrate`` in Kbit/s.
    :param file_size: ``FileSize`` in bytes; ``width``/``height``: the picture size.
    """

    file_name: str | None = Field(None, alias="FileName")
    file_url: str | None = Field(None, alias="FileUrl")
    file_type: str | None = Field(None, alias="FileType")
    file_status: str | None = Field(None, alias="FileStatus")
    format_name: str | None = Field(None, alias="FormatName")
    media_id: str | None = Field(None, alias="MediaId")
    region: str | None = Field(None, alias="Region")
    duration: Number = Field(None, alias="Duration")
    bitrate: Number = Field(None, alias="Bitrate")
    file_size: Integer = Field(None, alias="FileSize")
    width: Integer = Field(None, alias="Width")
    height: Integer = Field(None, alias="Height")


class VideoStream(_Described):
    """One ``VideoStreamInfoList`` item.

    ICE names some of a video stream's fields in ffprobe's style (``Codec_name``, ``Bit_rate``),
    unlike an audio stream's (``CodecName``, ``Bitrate``); the official SDK reads them so too.

    :param codec_name: ``Codec_name``, e.g. ``h264``; ``codec_long_name``: ``Codec_long_name``;
        ``profile``, ``level``, ``pix_fmt`` likewise.
    :param width: ``Width``; ``height``: ``Height``; ``index``: ``Index``.
    :param fps: ``Fps``; ``avg_fps``: ``Avg_fps``: frame rates as ICE writes them (``25.0``, ``30000/1001``).
    :param duration: ``Duration`` in seconds; ``bit_rate``: ``Bit_rate`` in Kbit/s.
    """

    index: Integer = Field(None, alias="Index")
    codec_name: str | None = Field(None, alias="Codec_name")
    codec_long_name: str | None = Field(None, alias="Codec_long_name")
    profile: str | None = Field(None, alias="Profile")
    level: str | None = Field(None, alias="Level")
    pix_fmt: str | None = Field(None, alias="PixFmt")
    width: Integer = Field(None, alias="Width")
    height: Integer = Field(None, alias="Height")
    fps: str | None = Field(None, alias="Fps")
    avg_fps: str | None = Field(None, alias="Avg_fps")
    dar: str | None = Field(None, alias="Dar")
    sar: str | None = Field(None, alias="Sar")
    rotate: Integer = Field(None, alias="Rotate")
    num_frames: Integer = Field(None, alias="NumFrames")
    duration: Number = Field(None, alias="Duration")
    bit_rate: Number = Field(None, alias="Bit_rate")
    lang: str | None = Field(None, alias="Lang")


class AudioStream(_Described):
    """One ``AudioStreamInfoList`` item.

    :param codec_name: ``CodecName``, e.g. ``aac``.
    :param channels: ``Channels``; ``channel_layout``: ``ChannelLayout``, e.g. ``stereo``.
    :param sample_rate: ``SampleRate`` in Hz; ``bitrate``: ``Bitrate`` in Kbit/s.
    """

    index: Integer = Field(None, alias="Index")
    codec_name: str | None = Field(None, alias="CodecName")
    codec_long_name: str | None = Field(None, alias="CodecLongName")
    channels: Integer = Field(None, alias="Channels")
    channel_layout: str | None = Field(None, alias="ChannelLayout")
    sample_rate: Integer = Field(None, alias="SampleRate")
    sample_fmt: str | None = Field(None, alias="SampleFmt")
    duration: Number = Field(None, alias="Duration")
    bitrate: Number = Field(None, alias="Bitrate")
    lang: str | None = Field(None, alias="Lang")


_FORMAT = TypeAdapter(MediaFormat)
_VIDEO = TypeAdapter(list[VideoStream])
_AUDIO = TypeAdapter(list[AudioStream])


class MediaInfoJob(FieldReadJobModel):
    """A media info job (``MediaInfoJob`` of GetMediaInfoJob), parsed leniently.

    Validating an answer whose job has a ``JobId`` never raises; what cannot be read is kept in
    ``unparsed_fields`` and described in ``parse_warnings`` (an unknown status: still running).

    :param job_id: ``JobId``; ``request_id``: ``RequestId`` of this answer.
    :param submit_request_id: ``MediaInfoJob.RequestId``, the ``RequestId`` of the submit that made
        the job (the official SDK's model has it inside the job), when it differs from ``request_id``.
    :param is_async: ``Async``: whether ICE analysed the file asynchronously.
    :param schedule_config: ``ScheduleConfig``: ``{PipelineId, Priority}``.
    :param status: ``Status``: ``Init``, ``Success``, ``Fail`` (:class:`MediaInfoJobStatus`) or raw.
    :param format: ``MediaInfoProperty.FileBasicInfo``, typed.
    :param video_streams: ``MediaInfoProperty.VideoStreamInfoList``, typed.
    :param audio_streams: ``MediaInfoProperty.AudioStreamInfoList``, typed.
    :param input: ``Input`` as received; ``name``, ``user_data``, ``trigger_source`` likewise.
    :param submit_result: ``SubmitResultJson`` (ICE's error of a failed job is there).
    """

    ENVELOPE: ClassVar[str | None] = "MediaInfoJob"
    RESPONSE_ACTION: ClassVar[str] = "GetMediaInfoJob"
    SUCCESS_STATUS: ClassVar[MediaInfoJobStatus] = MediaInfoJobStatus.SUCCESS
    FAILURE_STATUS: ClassVar[MediaInfoJobStatus] = MediaInfoJobStatus.FAIL

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    request_id: str | None = Field(None, alias="RequestId")
    submit_request_id: str | None = Field(None, alias="MediaInfoJob.RequestId")
    job_id: str = Field(alias="JobId", min_length=1)
    is_async: bool | None = Field(None, alias="Async")
    schedule_config: IProductionScheduleInfo | None = Field(None, alias="ScheduleConfig")
    status: MediaInfoJobStatus | str | None = Field(None, alias="Status", union_mode="left_to_right")
    format: MediaFormat | None = None
    video_streams: list[VideoStream] = Field(default_factory=list)
    audio_streams: list[AudioStream] = Field(default_factory=list)
    input: dict[str, Any] | None = Field(None, alias="Input")
    name: str | None = Field(None, alias="Name")
    user_data: str | None = Field(None, alias="UserData")
    trigger_source: str | None = Field(None, alias="TriggerSource")
    submit_result: dict[str, Any] | None = Field(None, alias="SubmitResultJson")
    submit_time: datetime | None = Field(None, alias="SubmitTime")
    finish_time: datetime | None = Field(None, alias="FinishTime")

    @classmethod
    def read_fields(cls, reader: LenientReader) -> dict[str, Any]:
        """The job's fields (see :class:`~airflow_ice.models.lenient.FieldReadJobModel`)."""
        values: dict[str, Any] = {
            name: reader.text(name)
            for name in ("request_id", "submit_request_id", "name", "user_data", "trigger_source")
        }
        values["is_async"] = reader.boolean("is_async")
        values["schedule_config"] = read_schedule_config(reader)
        values["status"] = reader.status("status", MediaInfoJobStatus)
        values["submit_time"] = reader.utc_datetime("submit_time")
        values["finish_time"] = reader.utc_datetime("finish_time")
        for name in ("input", "submit_result"):
            part = reader.child(name, cls)
            values[name] = {str(k): json_safe(v) for k, v in part.data.items()} if part is not None else None
        values.update(_read_property(reader))
        return values

    @property
    def failure_detail(self) -> str:
        """ICE's error of a failed job (from ``SubmitResultJson``)."""
        result = self.submit_result or {}
        return failure_detail(result.get("Code"), result.get("Message"))

    def to_xcom(self) -> dict[str, Any]:
        """A JSON-safe summary for XCom: id, status, the format and every stream's typed fields."""
        return {
            "job_id": self.job_id,
            "status": self.status_text,
            "format": self.format.model_dump(exclude={"raw"}) if self.format else None,
            "video_streams": [stream.model_dump(exclude={"raw"}) for stream in self.video_streams],
            "audio_streams": [stream.model_dump(exclude={"raw"}) for stream in self.audio_streams],
            "user_data": self.user_data,
            "finish_time": iso_time(self.finish_time),
        }


def _read_property(reader: LenientReader) -> dict[str, Any]:
    """``MediaInfoProperty`` (or a dump's own fields) into format and streams."""
    if "format" in reader.data or "video_streams" in reader.data:  # a dump of this model
        reader.skip("format", "video_streams", "audio_streams")
        return {name: reader.data.get(name) for name in ("format", "video_streams", "audio_streams")}
    reader.skip("MediaInfoProperty")
    prop = reader.data.get("MediaInfoProperty")
    if prop is None:
        return {}
    if not isinstance(prop, Mapping):
        reader.report.keep("MediaInfoProperty", prop, "expected an object")
        return {}
    child = LenientReader(prop, _PropertyNames, reader.report, prefix="MediaInfoProperty.")
    kept = "unparsed_fields"
    values: dict[str, Any] = {
        "video_streams": child.json_list("video", _VIDEO, shape="a list of video streams", kept_in=kept),
        "audio_streams": child.json_list("audio", _AUDIO, shape="a list of audio streams", kept_in=kept),
    }
    basic = child.take("basic")
    if isinstance(basic, Mapping):
        try:
            values["format"] = _FORMAT.validate_python(basic)
        except ValidationError:
            child.keep("basic", basic, "the documented FileBasicInfo")
    elif basic is not MISSING and basic is not None:
        child.keep("basic", basic, "an object")
    child.finish()
    return values


class _PropertyNames(BaseModel):
    # The API names of MediaInfoProperty's parts, for the reader.
    basic: Any = Field(None, alias="FileBasicInfo")
    video: Any = Field(None, alias="VideoStreamInfoList")
    audio: Any = Field(None, alias="AudioStreamInfoList")
