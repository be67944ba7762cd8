"""Errors raised while waiting for an ICE job, each naming the job id.

They derive from :class:`~airflow_ice.errors.IceError`, not from ``AirflowException``: a sensor
with ``soft_fail=True`` turns Airflow exceptions into a skip, and a failed job must fail the sensor.
"""

from __future__ import annotations

from airflow_ice.client.redaction import unsigned_urls_in
from airflow_ice.errors import IceError


class IceJobError(IceError):
    """Base class of the errors about one ICE job.

    :param job_id: the ICE job id.
    :param message: what happened; every URL in it loses its signature and token parameters
        (messages quote jobs and ICE's answers, and end up in task logs and the UI).
    """

    def __init__(self, job_id: str, message: str) -> None:
        self.job_id = job_id
        super().__init__(unsigned_urls_in(message))

    def __reduce__(self) -> tuple[object, ...]:
        # Keep the job id through pickling (Airflow may pickle exceptions).
        return (type(self), (self.job_id, str(self)))


class IceJobFailedError(IceJobError):
    """The job ended in a failed state (or succeeded with failures the task was told not to accept)."""


class IceJobTimeoutError(IceJobError):
    """The job did not finish within the task's ``timeout`` (the wall-clock wait limit)."""


class IceJobWaitError(IceJobError):
    """The job's state could not be read (auth, not found, too many failed polls, odd answer)."""


class IceJobEventError(IceJobError):
    """A trigger event that does not have the expected shape."""
