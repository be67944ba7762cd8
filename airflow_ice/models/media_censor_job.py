"""A media censor (content moderation) job as QueryMediaCensorJobDetail returns it, its verdicts typed.

ICE wraps each list of the answer in an object named for its items (``CensorResults:
{CensorResult: [...]}``, ``VideoTimelines: {VideoTimeline: [...]}``); the models hold the lists.
A model's own dump (the lists bare, Python names) reads back the same.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from airflow_ice.models.lenient import MISSING, FieldReadJobModel, LenientReader, failure_detail, iso_time
from airflow_ice.models.status import MediaCensorJobStatus, TolerantStatus, parse_status


class CensorSuggestion(TolerantStatus):
    """What ICE suggests doing with moderated content (``Suggestion``): publish it, have a person
    review it, or block it. ICE's overall suggestion is the strictest of the parts' (any ``block``
    makes it ``block``, else any ``review`` makes it ``review``)."""

    PASS = "pass"
    REVIEW = "review"
    BLOCK = "block"


class _Part(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True)


class CensorVerdict(_Part):
    """One moderation result: a title's, a frame's for one scene, a cover's, ...

    :param suggestion: ``Suggestion``: a :class:`CensorSuggestion`, the raw text if unknown, or None.
    :param label: ``Label``, what was found, e.g. ``normal``, ``porn``, ``ad``, ``terrorism``,
        ``meaningless`` (several comma-separated).
    :param scene: ``Scene``, what was checked, e.g. ``porn``, ``terrorism``, ``ad``, ``live``,
        ``logo``, ``antispam`` (text).
    :param rate: ``Rate``, ICE's confidence in the label, 0-100 (ICE sends it as text).
    """

    suggestion: CensorSuggestion | str | None = Field(None, alias="Suggestion", union_mode="left_to_right")
    label: str | None = Field(None, alias="Label")
    scene: str | None = Field(None, alias="Scene")
    rate: float | None = Field(None, alias="Rate")

    @property
    def flagged(self) -> bool:
        """Whether ICE suggests anything but ``pass`` (an unknown suggestion counts as flagged)."""
        return self.suggestion is not None and self.suggestion is not CensorSuggestion.PASS

    def to_xcom(self) -> dict[str, Any]:
        """The verdict's fields by their Python names, the suggestion as text."""
        suggestion = self.suggestion
        return {
            "suggestion": suggestion.value if isinstance(suggestion, CensorSuggestion) else suggestion,
            "label": self.label,
            "scene": self.scene,
            "rate": self.rate,
        }


class CensorOssObject(_Part):
    """An OSS object as ICE names it: ``Bucket``, ``Location`` (e.g. ``oss-cn-shanghai``), ``Object``."""

    bucket: str | None = Field(None, alias="Bucket")
    location: str | None = Field(None, alias="Location")
    object: str | None = Field(None, alias="Object")

    @property
    def oss_url(self) -> str | None:
        """``oss://bucket/object``, when both are known."""
        return f"oss://{self.bucket}/{self.object}" if self.bucket and self.object else None


class CensorFrame(_Part):
    """One frame of the video's timeline (``VideoTimelines.VideoTimeline[]``).

    :param timestamp: ``Timestamp``, where in the video, as ICE writes it.
    :param object: ``Object``, the frame's snapshot in the output bucket.
    :param results: ``CensorResults.CensorResult``: the verdict per scene.
    """

    timestamp: str | None = Field(None, alias="Timestamp")
    object: str | None = Field(None, alias="Object")
    results: list[CensorVerdict] = Field(default_factory=list, alias="CensorResults")


class VideoCensorResult(_Part):
    """``VensorCensorResult`` (ICE's spelling): the video's moderation.

    :param results: ``CensorResults.CensorResult``: the whole video's verdict per scene.
    :param frames: ``VideoTimelines.VideoTimeline``: one page of the frames, in time order.
    :param next_page_token: ``NextPageToken``: set when more frames follow (read them with
        :meth:`~airflow_ice.hooks.ice.IceHook.query_media_censor_job_detail`).
    """

    results: list[CensorVerdict] = Field(default_factory=list, alias="CensorResults")
    frames: list[CensorFrame] = Field(default_factory=list, alias="VideoTimelines")
    next_page_token: str | None = Field(None, alias="NextPageToken")


class CoverImageCensorResult(_Part):
    """One of ``CoverImageCensorResults.CoverImageCensorResult``: a cover image and its verdicts.

    :param bucket: ``Bucket``; ``location``: ``Location``; ``object``: ``Object``: the image.
    :param results: ``Results.Result``: the verdict per scene.
    """

    bucket: str | None = Field(None, alias="Bucket")
    location: str | None = Field(None, alias="Location")
    object: str | None = Field(None, alias="Object")
    results: list[CensorVerdict] = Field(default_factory=list, alias="Results")


class VideoCensorConfig(_Part):
    """``VideoCensorConfig``: how the video was moderated.

    :param biz_type: ``BizType``, the moderation policy (``common`` by default).
    :param video_censor: ``VideoCensor``: whether the picture was moderated (``true``/``false`` as text).
    :param output_file: ``OutputFile``: where the frames' snapshots went (``{Count}`` numbers them).
    """

    biz_type: str | None = Field(None, alias="BizType")
    video_censor: str | None = Field(None, alias="VideoCensor")
    output_file: CensorOssObject | None = Field(None, alias="OutputFile")


class MediaCensorJob(FieldReadJobModel):
    """A media censor job (``MediaCensorJobDetail`` of QueryMediaCensorJobDetail), parsed leniently.

    Validating an answer whose job has a ``JobId`` never raises; what cannot be read is kept in
    ``unparsed_fields`` and described in ``parse_warnings`` (an unknown state: still running).

    :param job_id: ``JobId``; ``request_id``: ``RequestId``.
    :param status: ``State``: a :class:`~airflow_ice.models.status.MediaCensorJobStatus`, the raw
        string if unknown, or None.
    :param suggestion: ``Suggestion``, the overall verdict (:class:`CensorSuggestion`).
    :param title_result: ``TitleCensorResult``; ``description_result``: ``DescCensorResult``;
        ``barrage_result``: ``BarrageCensorResult``: the texts' verdicts.
    :param cover_image_results: ``CoverImageCensorResults``: each cover image's verdicts.
    :param video_result: ``VensorCensorResult``: the video's verdicts and (one page of) its frames.
    :param video_censor_config: ``VideoCensorConfig``; ``input``: ``Input``, the moderated file.
    :param code: ``Code``; ``message``: ``Message``: ICE's error of a failed job.
    :param pipeline_id: ``PipelineId``; ``user_data``: ``UserData``.
    :param creation_time: ``CreationTime``; ``finish_time``: ``FinishTime``: aware UTC.
    """

    ENVELOPE: ClassVar[str | None] = "MediaCensorJobDetail"
    RESPONSE_ACTION: ClassVar[str] = "QueryMediaCensorJobDetail"
    SUCCESS_STATUS: ClassVar[MediaCensorJobStatus] = MediaCensorJobStatus.SUCCESS
    FAILURE_STATUS: ClassVar[MediaCensorJobStatus] = MediaCensorJobStatus.FAIL

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    request_id: str | None = Field(None, alias="RequestId")
    job_id: str = Field(alias="JobId", min_length=1)
    status: MediaCensorJobStatus | str | None = Field(None, alias="State", union_mode="left_to_right")
    suggestion: CensorSuggestion | str | None = Field(None, alias="Suggestion", union_mode="left_to_right")
    title_result: CensorVerdict | None = Field(None, alias="TitleCensorResult")
    description_result: CensorVerdict | None = Field(None, alias="DescCensorResult")
    barrage_result: CensorVerdict | None = Field(None, alias="BarrageCensorResult")
    cover_image_results: list[CoverImageCensorResult] = Field(
        default_factory=list, alias="CoverImageCensorResults"
    )
    video_result: VideoCensorResult | None = Field(None, alias="VensorCensorResult")
    video_censor_config: VideoCensorConfig | None = Field(None, alias="VideoCensorConfig")
    input: CensorOssObject | None = Field(None, alias="Input")
    code: str | None = Field(None, alias="Code")
    message: str | None = Field(None, alias="Message")
    pipeline_id: str | None = Field(None, alias="PipelineId")
    user_data: str | None = Field(None, alias="UserData")
    creation_time: datetime | None = Field(None, alias="CreationTime")
    finish_time: datetime | None = Field(None, alias="FinishTime")

    @classmethod
    def read_fields(cls, reader: LenientReader) -> dict[str, Any]:
        """The job's fields (see :class:`~airflow_ice.models.lenient.FieldReadJobModel`)."""
        values: dict[str, Any] = {
            name: reader.text(name) for name in ("request_id", "code", "message", "pipeline_id", "user_data")
        }
        values["status"] = reader.status("status", MediaCensorJobStatus)
        values["suggestion"] = _suggestion(reader)
        values["creation_time"] = reader.utc_datetime("creation_time")
        values["finish_time"] = reader.utc_datetime("finish_time")
        for name in ("title_result", "description_result", "barrage_result"):
            values[name] = _read_child(reader, name, CensorVerdict, _verdict)
        values["input"] = _read_child(reader, "input", CensorOssObject, _oss_object)
        values["video_censor_config"] = _read_child(reader, "video_censor_config", VideoCensorConfig, _config)
        values["video_result"] = _read_child(reader, "video_result", VideoCensorResult, _video)
        values["cover_image_results"] = [
            _cover(item) for item in _wrapped_items(reader, "cover_image_results", CoverImageCensorResult)
        ]
        return values

    @property
    def failure_detail(self) -> str:
        """ICE's error code and message of a failed job."""
        return failure_detail(self.code, self.message)

    @property
    def suggestion_text(self) -> str | None:
        """The overall suggestion as text (``pass``, ``review``, ``block``, or what ICE sent)."""
        suggestion = self.suggestion
        return suggestion.value if isinstance(suggestion, CensorSuggestion) else suggestion

    @property
    def result_file(self) -> str | None:
        """``oss://bucket/<folder>/<JobId>.output``: ICE's file of the full results, beside the
        frames' snapshots (the SDK documents the name)."""
        config = self.video_censor_config
        output = config.output_file if config else None
        if output is None or not output.bucket or not output.object:
            return None
        folder = posixpath.dirname(output.object)
        return f"oss://{output.bucket}/{folder + '/' if folder else ''}{self.job_id}.output"

    def flagged(self) -> dict[str, Any]:
        """What ICE did not pass, by part: ``title``, ``description``, ``barrages`` (a verdict each),
        ``cover_images`` (each flagged image and its flagged verdicts), ``video`` (the whole video's
        flagged verdicts) and ``frames`` (each flagged frame of the page read: ``timestamp``,
        ``object``, its flagged verdicts). A part with nothing flagged is left out."""
        found: dict[str, Any] = {}
        texts = {
            "title": self.title_result,
            "description": self.description_result,
            "barrages": self.barrage_result,
        }
        for part, verdict in texts.items():
            if verdict is not None and verdict.flagged:
                found[part] = verdict.to_xcom()
        covers = [
            {
                "object": CensorOssObject(bucket=cover.bucket, object=cover.object).oss_url or cover.object,
                "results": _flagged(cover.results),
            }
            for cover in self.cover_image_results
            if _flagged(cover.results)
        ]
        if covers:
            found["cover_images"] = covers
        video = self.video_result
        if video is not None and _flagged(video.results):
            found["video"] = _flagged(video.results)
        frames = [
            {"timestamp": frame.timestamp, "object": frame.object, "results": _flagged(frame.results)}
            for frame in (video.frames if video else [])
            if _flagged(frame.results)
        ]
        if frames:
            found["frames"] = frames
        return found

    def to_xcom(self) -> dict[str, Any]:
        """A compact JSON-safe summary: id, state, the overall ``suggestion`` (gate publication on
        it), what was ``flagged`` (see :meth:`flagged`), whether more frames follow, the moderated
        file, the results file, ICE's error."""
        video = self.video_result
        return {
            "job_id": self.job_id,
            "status": self.status_text,
            "suggestion": self.suggestion_text,
            "flagged": self.flagged(),
            "frames_read": len(video.frames) if video else 0,
            "frames_next_page_token": video.next_page_token if video else None,
            "input": self.input.oss_url if self.input else None,
            "result_file": self.result_file,
            "code": self.code,
            "message": self.message,
            "pipeline_id": self.pipeline_id,
            "user_data": self.user_data,
            "creation_time": iso_time(self.creation_time),
            "finish_time": iso_time(self.finish_time),
        }


def _flagged(verdicts: list[CensorVerdict]) -> list[dict[str, Any]]:
    return [verdict.to_xcom() for verdict in verdicts if verdict.flagged]


def _suggestion(reader: LenientReader) -> CensorSuggestion | str | None:
    raw = reader.text("suggestion")
    if raw is None:
        return None
    suggestion = parse_status(CensorSuggestion, raw)
    if suggestion is None:
        reader.report.warn(
            f"{reader.path('suggestion')}: unknown suggestion {raw!r}; kept as is, counted as flagged"
        )
        return raw
    return suggestion


def _read_child(reader: LenientReader, name: str, model: type[BaseModel], read: Any) -> Any:
    child = reader.child(name, model)
    if child is None:
        return None
    value = read(child)
    child.finish()
    return value


def _wrapped_items(reader: LenientReader, name: str, model: type[BaseModel]) -> list[LenientReader]:
    """A reader per item of a list ICE wraps in an object (``{"<Item>": [...]}``, the item's name the
    list's without its last letter, or ``Result`` for ``Results``); a model dump's bare list too."""
    value = reader.take(name)
    if value is MISSING or value is None:
        return []
    path = reader.path(name)
    items: Any = value
    if isinstance(value, Mapping):
        inner = _item_name(path.rsplit(".", 1)[-1])
        unknown = {key: item for key, item in value.items() if key != inner}
        for key, item in unknown.items():
            reader.report.keep(f"{path}.{key}", item, "field not known to this version of airflow_ice")
        items = value.get(inner, [])
        path = f"{path}.{inner}"
    if items is None:
        return []
    if not isinstance(items, list):
        reader.report.keep(path, items, "expected a list")
        return []
    readers = []
    for index, item in enumerate(items):
        if isinstance(item, Mapping):
            readers.append(LenientReader(item, model, reader.report, prefix=f"{path}[{index}]."))
        else:
            reader.report.keep(f"{path}[{index}]", item, "expected an object")
    return readers


def _item_name(list_name: str) -> str:
    # CensorResults -> CensorResult, VideoTimelines -> VideoTimeline, CoverImageCensorResults ->
    # CoverImageCensorResult, Results -> Result.
    return list_name[:-1] if list_name.endswith("s") else list_name


def _verdicts(reader: LenientReader, name: str) -> list[CensorVerdict]:
    found = []
    for item in _wrapped_items(reader, name, CensorVerdict):
        found.append(_verdict(item))
        item.finish()
    return found


def _verdict(reader: LenientReader) -> CensorVerdict:
    return CensorVerdict(
        suggestion=_suggestion(reader),
        label=reader.text("label"),
        scene=reader.text("scene"),
        rate=reader.number("rate"),
    )


def _oss_object(reader: LenientReader) -> CensorOssObject:
    return CensorOssObject.model_validate(reader.texts(CensorOssObject))


def _config(reader: LenientReader) -> VideoCensorConfig:
    return VideoCensorConfig(
        biz_type=reader.text("biz_type"),
        video_censor=reader.text("video_censor"),
        output_file=_read_child(reader, "output_file", CensorOssObject, _oss_object),
    )


def _video(reader: LenientReader) -> VideoCensorResult:
    frames = []
    for item in _wrapped_items(reader, "frames", CensorFrame):
        frames.append(
            CensorFrame(
                timestamp=item.text("timestamp"),
                object=item.text("object"),
                results=_verdicts(item, "results"),
            )
        )
        item.finish()
    return VideoCensorResult(
        results=_verdicts(reader, "results"), frames=frames, next_page_token=reader.text("next_page_token")
    )


def _cover(reader: LenientReader) -> CoverImageCensorResult:
    cover = CoverImageCensorResult(
        bucket=reader.text("bucket"),
        location=reader.text("location"),
        object=reader.text("object"),
        results=_verdicts(reader, "results"),
    )
    reader.finish()
    return cover
