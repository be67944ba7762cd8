"""A media producing (timeline editing) job as GetMediaProducingJob returns it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import ConfigDict, Field

from airflow_ice.models.lenient import (
    FieldReadJobModel,
    LenientReader,
    failure_detail,
    iso_time,
)
from airflow_ice.models.status import MediaProducingJobStatus

# Fields read as plain strings (ICE's JSON-text fields are kept as text: they can be long).
_TEXT_FIELDS = (
    "project_id",
    "media_id",
    "media_url",
    "vod_media_id",
    "template_id",
    "clips_param",
    "timeline",
    "sub_job_materials",
    "user_data",
    "code",
    "message",
)


class MediaProducingJob(FieldReadJobModel):
    """A media producing job (``MediaProducingJob`` of GetMediaProducingJob), parsed leniently.

    Validating an answer whose job has a ``JobId`` never raises; what cannot be read is kept in
    ``unparsed_fields`` and described in ``parse_warnings`` (an unknown status: the job counts as
    running). The answer nests the job (``{"RequestId", "MediaProducingJob": {...}}``); a flat
    object (this model's dump) reads too.

    :param request_id: ``RequestId``.
    :param job_id: ``JobId``.
    :param status: ``Status``: a :class:`MediaProducingJobStatus`, the raw string if unknown, or None.
    :param media_url: ``MediaURL``, the produced file.
    :param media_id: ``MediaId``, the produced media asset.
    :param project_id: ``ProjectId``, the editing project.
    :param vod_media_id: ``VodMediaId`` (output to VOD).
    :param duration: ``Duration`` in seconds (audio and video outputs).
    :param progress: ``Progress``, 0-100.
    :param code: ``Code``, ICE's error code of a failed job.
    :param message: ``Message``, ICE's error message of a failed job.
    :param create_time: ``CreateTime``; ``modified_time``: ``ModifiedTime``; ``complete_time``:
        ``CompleteTime``: aware UTC.
    :param template_id: ``TemplateId``; ``clips_param``: ``ClipsParam``; ``timeline``:
        ``Timeline``; ``sub_job_materials``: ``SubJobMaterials``; ``user_data``: ``UserData``: text.
    """

    ENVELOPE: ClassVar[str | None] = "MediaProducingJob"
    RESPONSE_ACTION: ClassVar[str] = "GetMediaProducingJob"
    SUCCESS_STATUS: ClassVar[MediaProducingJobStatus] = MediaProducingJobStatus.SUCCESS
    FAILURE_STATUS: ClassVar[MediaProducingJobStatus] = MediaProducingJobStatus.FAILED

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    request_id: str | None = Field(None, alias="RequestId")
    job_id: str = Field(alias="JobId", min_length=1)
    status: MediaProducingJobStatus | str | None = Field(None, alias="Status", union_mode="left_to_right")
    media_url: str | None = Field(None, alias="MediaURL")
    media_id: str | None = Field(None, alias="MediaId")
    project_id: str | None = Field(None, alias="ProjectId")
    vod_media_id: str | None = Field(None, alias="VodMediaId")
    duration: float | None = Field(None, alias="Duration")
    progress: int | None = Field(None, alias="Progress")
    code: str | None = Field(None, alias="Code")
    message: str | None = Field(None, alias="Message")
    create_time: datetime | None = Field(None, alias="CreateTime")
    modified_time: datetime | None = Field(None, alias="ModifiedTime")
    complete_time: datetime | None = Field(None, alias="CompleteTime")
    template_id: str | None = Field(None, alias="TemplateId")
    clips_param: str | None = Field(None, alias="ClipsParam")
    timeline: str | None = Field(None, alias="Timeline")
    sub_job_materials: str | None = Field(None, alias="SubJobMaterials")
    user_data: str | None = Field(None, alias="UserData")

    @classmethod
    def read_fields(cls, reader: LenientReader) -> dict[str, Any]:
        """The job's fields (see :class:`~airflow_ice.models.lenient.FieldReadJobModel`)."""
        values: dict[str, Any] = {name: reader.text(name) for name in ("request_id", *_TEXT_FIELDS)}
        values["status"] = reader.status("status", MediaProducingJobStatus)
        values["duration"] = reader.number("duration")
        values["progress"] = reader.integer("progress")
        for name in ("create_time", "modified_time", "complete_time"):
            values[name] = reader.utc_datetime(name)
        return values

    @property
    def failure_detail(self) -> str:
        """ICE's error code and message of a failed job."""
        return failure_detail(self.code, self.message)

    def to_xcom(self) -> dict[str, Any]:
        """A small JSON-safe summary for XCom: id, status, the produced media and ICE's error."""
        return {
            "job_id": self.job_id,
            "status": self.status_text,
            "media_url": self.media_url,
            "media_id": self.media_id,
            "project_id": self.project_id,
            "vod_media_id": self.vod_media_id,
            "duration": self.duration,
            "progress": self.progress,
            "code": self.code,
            "message": self.message,
            "user_data": self.user_data,
            "create_time": iso_time(self.create_time),
            "complete_time": iso_time(self.complete_time),
        }
