"""A batch media producing job as GetBatchMediaProducingJob returns it: the main job and one sub-job
per video it made."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from airflow_ice.models.json_text import decode_json_text
from airflow_ice.models.lenient import MISSING, FieldReadJobModel, LenientReader, failure_detail, iso_time
from airflow_ice.models.status import BatchMediaProducingJobStatus, BatchSubJobStatus

_TEXT_FIELDS = (
    "request_id",
    "job_type",
    "input_config",
    "editing_config",
    "output_config",
    "user_data",
    "extend",
    "extend_input",
    "extend_output",
)


class BatchSubJob(BaseModel):
    """One video of the batch (``SubJobList[]``), as ICE reports it.

    :param job_id: ``JobId``, the sub-job (a media producing job).
    :param status: ``Status``: a :class:`BatchSubJobStatus`, or the raw text if unknown.
    :param media_url: ``MediaURL``, the video; ``media_id``: ``MediaId``, its media asset.
    :param project_id: ``ProjectId``, its editing project.
    :param duration: ``Duration`` of the video, in seconds.
    :param error_code: ``ErrorCode``; ``error_message``: ``ErrorMessage`` (a failed sub-job).
    """

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    job_id: str | None = Field(None, alias="JobId")
    status: BatchSubJobStatus | str | None = Field(None, alias="Status", union_mode="left_to_right")
    media_url: str | None = Field(None, alias="MediaURL")
    media_id: str | None = Field(None, alias="MediaId")
    project_id: str | None = Field(None, alias="ProjectId")
    duration: float | None = Field(None, alias="Duration")
    error_code: str | None = Field(None, alias="ErrorCode")
    error_message: str | None = Field(None, alias="ErrorMessage")

    @property
    def succeeded(self) -> bool:
        """Whether this video was made."""
        return self.status is BatchSubJobStatus.SUCCESS

    @property
    def failed(self) -> bool:
        """Whether this video failed."""
        return self.status is BatchSubJobStatus.FAILED


class BatchMediaProducingJob(FieldReadJobModel):
    """A batch media producing job (``EditingBatchJob`` of GetBatchMediaProducingJob), parsed
    leniently: what cannot be read is kept in ``unparsed_fields`` and named in ``parse_warnings``
    (an unknown status: still running).

    The main job ``Finished`` says the batch ran; each video's own status is in :attr:`sub_jobs`.

    :param job_id: ``JobId``; ``request_id``: ``RequestId``.
    :param status: ``Status``: a :class:`BatchMediaProducingJobStatus`, the raw text if unknown, or None.
    :param job_type: ``JobType`` (``Script``, ``Smart_Mix``, ...).
    :param sub_jobs: ``SubJobList``: one :class:`BatchSubJob` per video.
    :param extend: ``Extend``, JSON text with the main job's ``ErrorCode`` and ``ErrorMessage``.
    :param input_config: ``InputConfig``; ``editing_config``: ``EditingConfig``; ``output_config``:
        ``OutputConfig``; ``extend_input``: ``ExtendInput``; ``extend_output``: ``ExtendOutput``;
        ``user_data``: ``UserData``: ICE's JSON text, as received.
    :param create_time: ``CreateTime``; ``modified_time``: ``ModifiedTime``; ``complete_time``:
        ``CompleteTime``: aware UTC.
    """

    ENVELOPE: ClassVar[str | None] = "EditingBatchJob"
    RESPONSE_ACTION: ClassVar[str] = "GetBatchMediaProducingJob"
    SUCCESS_STATUS: ClassVar[BatchMediaProducingJobStatus] = BatchMediaProducingJobStatus.FINISHED
    FAILURE_STATUS: ClassVar[BatchMediaProducingJobStatus] = BatchMediaProducingJobStatus.FAILED

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    request_id: str | None = Field(None, alias="RequestId")
    job_id: str = Field(alias="JobId", min_length=1)
    status: BatchMediaProducingJobStatus | str | None = Field(
        None, alias="Status", union_mode="left_to_right"
    )
    job_type: str | None = Field(None, alias="JobType")
    sub_jobs: list[BatchSubJob] = Field(default_factory=list, alias="SubJobList")
    extend: str | None = Field(None, alias="Extend")
    input_config: str | None = Field(None, alias="InputConfig")
    editing_config: str | None = Field(None, alias="EditingConfig")
    output_config: str | None = Field(None, alias="OutputConfig")
    extend_input: str | None = Field(None, alias="ExtendInput")
    extend_output: str | None = Field(None, alias="ExtendOutput")
    user_data: str | None = Field(None, alias="UserData")
    create_time: datetime | None = Field(None, alias="CreateTime")
    modified_time: datetime | None = Field(None, alias="ModifiedTime")
    complete_time: datetime | None = Field(None, alias="CompleteTime")

    @classmethod
    def read_fields(cls, reader: LenientReader) -> dict[str, Any]:
        """The job's fields (see :class:`~airflow_ice.models.lenient.FieldReadJobModel`)."""
        values: dict[str, Any] = {name: reader.text(name) for name in _TEXT_FIELDS}
        values["status"] = reader.status("status", BatchMediaProducingJobStatus)
        for name in ("create_time", "modified_time", "complete_time"):
            values[name] = reader.utc_datetime(name)
        values["sub_jobs"] = _sub_jobs(reader)
        return values

    @property
    def succeeded_videos(self) -> list[BatchSubJob]:
        """The sub-jobs that made their video."""
        return [job for job in self.sub_jobs if job.succeeded]

    @property
    def failed_videos(self) -> list[BatchSubJob]:
        """The sub-jobs that failed."""
        return [job for job in self.sub_jobs if job.failed]

    @property
    def failure_detail(self) -> str:
        """The main job's ``ErrorCode`` and ``ErrorMessage`` from ``Extend``."""
        try:
            extend = decode_json_text(self.extend) if self.extend else None
        except ValueError:
            return self.extend[:500] if self.extend else ""
        if not isinstance(extend, dict):
            return ""
        return failure_detail(extend.get("ErrorCode"), extend.get("ErrorMessage"))

    def to_xcom(self) -> dict[str, Any]:
        """Id, status, every video (status, URL, media id, error), the counts, ICE's error, times."""
        return {
            "job_id": self.job_id,
            "status": self.status_text,
            "job_type": self.job_type,
            "sub_jobs": [job.model_dump(mode="json") for job in self.sub_jobs],
            "output_urls": [job.media_url for job in self.succeeded_videos if job.media_url],
            "succeeded": len(self.succeeded_videos),
            "failed": len(self.failed_videos),
            "error": self.failure_detail or None,
            "extend_output": self.extend_output,
            "user_data": self.user_data,
            "create_time": iso_time(self.create_time),
            "complete_time": iso_time(self.complete_time),
        }


def _sub_jobs(reader: LenientReader) -> list[BatchSubJob]:
    """``SubJobList``: each sub-job read leniently (a bad one is kept raw, the others read)."""
    value = reader.take("sub_jobs")
    if value is MISSING or value is None:
        return []
    if not isinstance(value, list):
        reader.keep("sub_jobs", value, "a list")
        return []
    found = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            reader.report.keep(
                f"{reader.path('sub_jobs')}[{index}]", item, f"expected an object, got {item!r:.80}"
            )
            continue
        child = LenientReader(item, BatchSubJob, reader.report, prefix=f"{reader.path('sub_jobs')}[{index}].")
        sub: dict[str, Any] = {
            name: child.text(name)
            for name in ("job_id", "media_url", "media_id", "project_id", "error_code", "error_message")
        }
        sub["status"] = child.status("status", BatchSubJobStatus)
        sub["duration"] = child.number("duration")
        child.finish()
        found.append(BatchSubJob.model_validate(sub))
    return found
