"""The events that ICE job triggers send to the waiting operator or sensor, and their validation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from airflow_ice.client.redaction import unsigned_urls_in
from airflow_ice.jobs.errors import IceJobEventError

# Longest message kept in an event; raw ICE answers can be long and events are stored in the DB.
MAX_MESSAGE_CHARS = 2000


class JobEventStatus(str, Enum):
    """How the wait ended."""

    SUCCESS = "success"
    FAILED = "failed"
    TIMEOUT = "timeout"
    ERROR = "error"
    DENIED = "denied"
    """ICE refused the credentials or the permission: waiting or retrying cannot help."""


EVENT_KEYS = frozenset({"status", "job_id", "job", "message"})


@dataclass(frozen=True)
class JobEvent:
    """One trigger event: ``{"status", "job_id", "job", "message"}``.

    :param status: ``success``, ``failed``, ``timeout``, ``error`` or ``denied``.
    :param job_id: the ICE job id.
    :param job: the parsed job (:func:`~airflow_ice.jobs.xcom_form.xcom_form`), or None when it
        could not be read.
    :param message: a human-readable summary (what ICE said, or why waiting stopped); its URLs are
        unsigned in the payload, since the waiting task raises and logs it.
    """

    status: JobEventStatus
    job_id: str
    job: dict[str, Any] | None
    message: str

    @property
    def succeeded(self) -> bool:
        """True only for an explicit success."""
        return self.status is JobEventStatus.SUCCESS

    def to_payload(self) -> dict[str, Any]:
        """The JSON payload of the ``TriggerEvent``."""
        return {
            "status": self.status.value,
            "job_id": self.job_id,
            "job": self.job,
            "message": unsigned_urls_in(self.message)[:MAX_MESSAGE_CHARS],
        }

    @classmethod
    def from_payload(cls, payload: object, *, job_id: str) -> JobEvent:
        """Validate a trigger event payload.

        :param payload: the event as received by ``execute_complete``.
        :param job_id: the job the task waited for; named in every error, and checked against the event.
        :raises IceJobEventError: the payload is not a well-formed event for this job.
        """
        if not isinstance(payload, Mapping):
            raise IceJobEventError(
                job_id,
                f"ICE job {job_id}: the trigger sent {type(payload).__name__} {payload!r:.300}, "
                "not an event dict; the job's outcome is unknown, check it in the ICE console.",
            )
        missing = sorted(EVENT_KEYS - payload.keys())
        if missing:
            raise IceJobEventError(
                job_id,
                f"ICE job {job_id}: the trigger event lacks {', '.join(missing)}: {dict(payload)!r:.500}",
            )
        unknown = sorted(str(key) for key in payload.keys() - EVENT_KEYS)
        if unknown:
            raise IceJobEventError(
                job_id,
                f"ICE job {job_id}: the trigger event has unexpected keys {', '.join(unknown)}: "
                f"{dict(payload)!r:.500}",
            )
        raw_status = payload["status"]
        try:
            status = JobEventStatus(raw_status)
        except ValueError:
            allowed = ", ".join(s.value for s in JobEventStatus)
            raise IceJobEventError(
                job_id,
                f"ICE job {job_id}: the trigger event has status {raw_status!r}, expected one of {allowed}",
            ) from None
        if payload["job_id"] != job_id:
            raise IceJobEventError(
                job_id,
                f"ICE job {job_id}: the trigger event is about job {payload['job_id']!r}, not this one",
            )
        job = payload["job"]
        if job is not None and not isinstance(job, dict):
            raise IceJobEventError(
                job_id,
                f"ICE job {job_id}: the trigger event's job is {type(job).__name__}, not a dict or None",
            )
        if status is JobEventStatus.SUCCESS and job is None:
            raise IceJobEventError(job_id, f"ICE job {job_id}: a success event must carry the job")
        message = payload["message"]
        return cls(status=status, job_id=job_id, job=job, message="" if message is None else str(message))
