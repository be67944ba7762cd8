"""What operators, sensors and triggers share while waiting for a job."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx

from airflow_ice.errors import IceCredentialsUnavailableError, IceServerError, IceThrottlingError
from airflow_ice.utils.job_errors import IceJobFailedError

# Polling errors after which the job may still be fine: keep waiting (the hook retried them already).
TRANSIENT_POLL_ERRORS: tuple[type[BaseException], ...] = (
    IceThrottlingError,
    IceServerError,
    IceCredentialsUnavailableError,
    httpx.TransportError,
    asyncio.TimeoutError,
)
# Extra time given to Airflow's own deferral timeout so that the trigger's deadline, after which the
# task can cancel the job and fail clearly, normally fires first.
DEFERRAL_GRACE_SECONDS = 300.0
# Characters of a job's JSON quoted in an error.
JOB_QUOTE_CHARS = 1500


def failure_message(family_name: str, job_id: str, status: str | None, detail: str) -> str:
    """What is known of a failed job, worded the same by triggers and by tasks waiting in a worker.

    :param family_name: e.g. ``IProduction``.
    :param job_id: the ICE job id.
    :param status: the job's status as ICE spelled it.
    :param detail: what ICE said beyond the status (``JobFamily.failure_detail_of``), or "".
    """
    return f"{family_name} job {job_id} ended with status {status}" + (f"; {detail}" if detail else "")


def job_failed_error(
    family_name: str, job_id: str, job: Mapping[str, Any], *, who: str, message: str = ""
) -> IceJobFailedError:
    """The error for a job that ended unsuccessfully: names the task, the job, its status and the job.

    :param family_name: e.g. ``IProduction``.
    :param job_id: the ICE job id.
    :param job: the job's XCom form.
    :param who: the task that waited, for the message.
    :param message: what the trigger said, if anything.
    """
    # Imported here: trigger modules import this one on the triggerer's loop, and the models
    # package is slow to import.
    from airflow_ice.models.json_text import compact_json

    detail = message or f"status {job.get('status')!r}"
    return IceJobFailedError(
        job_id,
        f"{who}: {family_name} job {job_id} failed ({detail}). Job: {compact_json(job)[:JOB_QUOTE_CHARS]}",
    )
