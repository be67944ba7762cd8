"""A transcode job as GetTranscodeJob returns it: a parent job and one sub-job per output group."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from airflow_ice.models.json_text import is_json_safe, json_safe
from airflow_ice.models.lenient import MISSING, FieldReadJobModel, LenientReader, iso_time
from airflow_ice.models.status import TranscodeJobStatus, parse_status

_TEXT_FIELDS = ("request_id", "submit_request_id", "name", "trigger_source", "user_data")
_TIME_FIELDS = ("create_time", "submit_time", "finish_time")


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


class TranscodeSubJob(BaseModel):
    """One sub-job (``TranscodeJobList`` item): one output group's file; unknown keys kept.

    :param job_id: ``JobId``; ``job_index``: ``JobIndex``, the output group's place.
    :param status: ``Status``: ``Init``, ``Processing``, ``Success``, ``Fail`` or ``Deleted`` (raw).
    :param output: ``Output``: ``{"Type", "Media", "OutputUrl"}`` as requested.
    :param out_file_meta: ``OutFileMeta``: ``{"FileBasicInfo": {"FileUrl", ...}, "VideoStreamInfoList",
        "AudioStreamInfoList"}`` of the written file.
    :param submit_result_json: ``SubmitResultJson``, what ICE said when it submitted the sub-job.
    """

    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="allow", coerce_numbers_to_str=True)

    job_id: str | None = Field(None, alias="JobId")
    job_index: int | None = Field(None, alias="JobIndex")
    parent_job_id: str | None = Field(None, alias="ParentJobId")
    name: str | None = Field(None, alias="Name")
    status: str | None = Field(None, alias="Status")
    request_id: str | None = Field(None, alias="RequestId")
    user_data: str | None = Field(None, alias="UserData")
    create_time: str | None = Field(None, alias="CreateTime")
    submit_time: str | None = Field(None, alias="SubmitTime")
    finish_time: str | None = Field(None, alias="FinishTime")
    input_group: list[dict[str, Any]] | None = Field(None, alias="InputGroup")
    output: dict[str, Any] | None = Field(None, alias="Output")
    out_file_meta: dict[str, Any] | None = Field(None, alias="OutFileMeta")
    process_config: dict[str, Any] | None = Field(None, alias="ProcessConfig")
    schedule_config: dict[str, Any] | None = Field(None, alias="ScheduleConfig")
    submit_result_json: dict[str, Any] | None = Field(None, alias="SubmitResultJson")

    @property
    def succeeded(self) -> bool:
        """Whether this sub-job wrote its file."""
        return (
            self.status is not None
            and parse_status(TranscodeJobStatus, self.status) is TranscodeJobStatus.SUCCESS
        )

    @property
    def file_url(self) -> str | None:
        """``OutFileMeta.FileBasicInfo.FileUrl``, the written file's URL."""
        basic = (self.out_file_meta or {}).get("FileBasicInfo")
        return _text(basic.get("FileUrl")) if isinstance(basic, Mapping) else None

    @property
    def failure_detail(self) -> str:
        """The sub-job's status, and ICE's code and message where its submit result has them."""
        result = self.submit_result_json or {}
        said = ": ".join(text for text in (_text(result.get("Code")), _text(result.get("Message"))) if text)
        label = f"sub-job {self.job_index if self.job_index is not None else '?'}"
        label += f" ({self.name})" if self.name else ""
        return f"{label} {self.status}" + (f" ({said})" if said else "")

    def to_xcom(self) -> dict[str, Any]:
        """Id, index, name, status, the requested output and the written file's URL."""
        output = self.output or {}
        return {
            "job_id": self.job_id,
            "index": self.job_index,
            "name": self.name,
            "status": self.status,
            "output_media": output.get("Media"),
            "url": self.file_url,
        }


_SUB_JOBS = TypeAdapter(list[TranscodeSubJob])


class TranscodeJob(FieldReadJobModel):
    """A transcode job (``TranscodeParentJob`` of GetTranscodeJob), parsed leniently.

    Validating an answer whose job has a ``ParentJobId`` never raises; what cannot be read is kept in
    ``unparsed_fields`` and described in ``parse_warnings`` (an unknown status: still running).
    The job succeeds when at least one sub-job did (ICE's rule); only successful sub-jobs' files
    are its outputs.

    :param request_id: ``RequestId`` of this answer; ``submit_request_id``: the parent's own
        ``RequestId`` (its submit's), when it differs.
    :param job_id: ``ParentJobId``.
    :param status: ``Status``: a :class:`TranscodeJobStatus`, the raw string if unknown, or None.
    :param percent: ``Percent``, 0-100; ``job_count``: ``JobCount``, the number of sub-jobs.
    :param input_group: ``InputGroup``; ``output_group``: ``OutputGroup``; ``schedule_config``:
        ``ScheduleConfig``: as ICE echoes the request.
    :param transcode_job_list: ``TranscodeJobList``, each a :class:`TranscodeSubJob`.
    :param name: ``Name``; ``trigger_source``: ``TriggerSource`` (``API``, ``WorkFlow``, ``Console``);
        ``user_data``: ``UserData``.
    :param create_time: ``CreateTime``; ``submit_time``: ``SubmitTime``; ``finish_time``:
        ``FinishTime``: aware UTC.
    """

    ENVELOPE: ClassVar[str | None] = "TranscodeParentJob"
    RESPONSE_ACTION: ClassVar[str] = "GetTranscodeJob"
    SUCCESS_STATUS: ClassVar[TranscodeJobStatus] = TranscodeJobStatus.SUCCESS
    FAILURE_STATUS: ClassVar[TranscodeJobStatus] = TranscodeJobStatus.FAIL
    OTHER_FAILURE_STATUSES: ClassVar[tuple[TranscodeJobStatus, ...]] = (TranscodeJobStatus.DELETED,)

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    request_id: str | None = Field(None, alias="RequestId")
    submit_request_id: str | None = Field(None, alias="TranscodeParentJob.RequestId")
    job_id: str = Field(alias="ParentJobId", min_length=1)
    status: TranscodeJobStatus | str | None = Field(None, alias="Status", union_mode="left_to_right")
    percent: int | None = Field(None, alias="Percent")
    job_count: int | None = Field(None, alias="JobCount")
    name: str | None = Field(None, alias="Name")
    trigger_source: str | None = Field(None, alias="TriggerSource")
    user_data: str | None = Field(None, alias="UserData")
    input_group: list[Any] = Field(default_factory=list, alias="InputGroup")
    output_group: list[Any] = Field(default_factory=list, alias="OutputGroup")
    schedule_config: dict[str, Any] | None = Field(None, alias="ScheduleConfig")
    transcode_job_list: list[TranscodeSubJob] = Field(default_factory=list, alias="TranscodeJobList")
    create_time: datetime | None = Field(None, alias="CreateTime")
    submit_time: datetime | None = Field(None, alias="SubmitTime")
    finish_time: datetime | None = Field(None, alias="FinishTime")

    @classmethod
    def read_fields(cls, reader: LenientReader) -> dict[str, Any]:
        """The job's fields (see :class:`~airflow_ice.models.lenient.FieldReadJobModel`)."""
        values: dict[str, Any] = {name: reader.text(name) for name in _TEXT_FIELDS}
        values["status"] = reader.status("status", TranscodeJobStatus)
        values["percent"] = reader.integer("percent")
        values["job_count"] = reader.integer("job_count")
        for name in _TIME_FIELDS:
            values[name] = reader.utc_datetime(name)
        for name in ("input_group", "output_group"):
            value = reader.take(name)
            if isinstance(value, list) and is_json_safe(value):
                values[name] = value
            elif value is not MISSING and value is not None:
                reader.keep(name, value, "a list")
        part = reader.child("schedule_config", cls)
        values["schedule_config"] = {str(k): json_safe(v) for k, v in part.data.items()} if part else None
        sub_jobs = reader.take("transcode_job_list")
        if sub_jobs is not MISSING and sub_jobs is not None:
            try:
                if not is_json_safe(sub_jobs):
                    raise ValueError("not plain JSON")
                values["transcode_job_list"] = _SUB_JOBS.validate_python(sub_jobs)
            except (ValidationError, ValueError):
                reader.keep("transcode_job_list", sub_jobs, "a list of sub-jobs")
        return values

    def _written(self) -> Iterator[Mapping[str, Any]]:
        """The ``Output`` of every file written: successful sub-jobs' (each with its URL), else,
        for a successful job that lists no sub-job, the output groups'."""
        if self.transcode_job_list:
            for sub_job in self.transcode_job_list:
                if sub_job.succeeded:
                    yield {**(sub_job.output or {}), "FileUrl": sub_job.file_url}
        elif self.succeeded:
            for group in self.output_group:
                output = group.get("Output") if isinstance(group, Mapping) else None
                if isinstance(output, Mapping):
                    yield output

    @property
    def output_urls(self) -> list[str]:
        """Every written file's address: the URL ICE reports, else the requested OSS address."""
        urls = []
        for output in self._written():
            url = _text(output.get("FileUrl")) or (
                _text(output.get("Media")) if output.get("Type", "OSS") == "OSS" else None
            )
            if url:
                urls.append(url)
        return urls

    @property
    def output_media_ids(self) -> list[str]:
        """The media assets written (outputs of ``Type: Media``)."""
        return [
            media
            for output in self._written()
            if output.get("Type") == "Media" and (media := _text(output.get("Media")))
        ]

    @property
    def failure_detail(self) -> str:
        """The sub-jobs that did not succeed, with what ICE said about them."""
        failed = [sub_job for sub_job in self.transcode_job_list if not sub_job.succeeded]
        return "; ".join(sub_job.failure_detail for sub_job in failed)[:500]

    def to_xcom(self) -> dict[str, Any]:
        """A small JSON-safe summary for XCom: id, status, written files, sub-jobs, times."""
        return {
            "job_id": self.job_id,
            "status": self.status_text,
            "percent": self.percent,
            "job_count": self.job_count,
            "name": self.name,
            "output_urls": self.output_urls,
            "output_media_ids": self.output_media_ids,
            "sub_jobs": [sub_job.to_xcom() for sub_job in self.transcode_job_list],
            "user_data": self.user_data,
            "create_time": iso_time(self.create_time),
            "finish_time": iso_time(self.finish_time),
        }
