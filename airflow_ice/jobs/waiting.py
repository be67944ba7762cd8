"""What operators, sensors and triggers share while waiting for a job."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Mapping
from typing import Any

from airflow_ice.errors import (
    IceCredentialsUnavailableError,
    IceNetworkError,
    IceServerError,
    IceThrottlingError,
)
from airflow_ice.jobs.errors import IceJobFailedError

# Polling errors after which the job may still be fine: keep waiting (the hook retried them already).
TRANSIENT_POLL_ERRORS: tuple[type[BaseException], ...] = (
    IceThrottlingError,
    IceServerError,
    IceCredentialsUnavailableError,
    IceNetworkError,
    asyncio.TimeoutError,
)


class PollVerdict(enum.Enum):
    """What a waiter does after a poll failed."""

    KEEP_WAITING = "keep_waiting"
    """Poll again at the next check."""
    GIVE_UP = "give_up"
    """Stop waiting and fail: too many transient failures in a row."""


class PollFailurePolicy:
    """The one rule for failed polls, shared by the operator's worker loop, the sensor and the trigger.

    A transient failure (:data:`TRANSIENT_POLL_ERRORS`: 5xx, network, credentials briefly
    unavailable) counts; after more than ``limit`` of them in a row the waiter gives up. Throttling
    never counts (ICE is busy, the job is unaffected): the waiter keeps waiting until its deadline.
    A successful poll resets the count. The check an operator or sensor makes before deferring is
    the first poll: its failure is counted, and the trigger goes on from that count.

    :param limit: transient failures in a row tolerated (``max_consecutive_poll_failures``).
    :param in_a_row: failures in a row already counted (by the check made before deferring).
    """

    def __init__(self, limit: int, in_a_row: int = 0) -> None:
        self.limit = limit
        self.in_a_row = in_a_row

    def succeeded(self) -> None:
        """A poll got an answer: the count starts again."""
        self.in_a_row = 0

    def failed(self, error: BaseException) -> PollVerdict:
        """A poll raised one of :data:`TRANSIENT_POLL_ERRORS`: keep waiting, or give up.

        :param error: what the poll raised.
        """
        if isinstance(error, IceThrottlingError):
            return PollVerdict.KEEP_WAITING
        self.in_a_row += 1
        return PollVerdict.GIVE_UP if self.in_a_row > self.limit else PollVerdict.KEEP_WAITING

    def counted(self, error: BaseException) -> str:
        """How the failure is counted, for the log line, e.g. ``3 in a row`` or ``throttled, not counted``."""
        return (
            "throttled, not counted" if isinstance(error, IceThrottlingError) else f"{self.in_a_row} in a row"
        )

    def gave_up_message(self, family_name: str, job_id: str, error: BaseException) -> str:
        """What a waiter says when it gives up (the job may still be running)."""
        return (
            f"gave up polling {family_name} job {job_id} after {self.in_a_row} failed polls in a row; "
            f"the job may still be running. Last error: {error}"
        )


def first_poll_time(
    *, submitted_at: float | None, expected_seconds: float, checked_at: float, poll_interval: float
) -> float:
    """When to poll after the check made at once (epoch seconds): at the job's expected earliest
    end if that is still ahead, else one ``poll_interval`` after the check. Later polls follow
    every ``poll_interval``.

    :param submitted_at: when the job was submitted, or None when unknown (a reattached job).
    :param expected_seconds: the job's expected minimum duration.
    :param checked_at: when the check at once was made.
    :param poll_interval: seconds between polls.
    """
    if submitted_at is not None and submitted_at + expected_seconds > checked_at:
        return submitted_at + expected_seconds
    return checked_at + poll_interval


def deferred_wait_deadline(
    *, checked_at: float, timeout: float, task_started_at: float | None, execution_timeout: float | None
) -> float:
    """When a deferred wait ends (epoch seconds): the earlier of ``timeout`` after the check and the
    task's ``execution_timeout`` after the try started.

    Airflow applies ``execution_timeout`` to a task's runs in a worker, not to its deferral; as the
    dbt Cloud provider does, the trigger gets it as its deadline, so that the task can cancel the
    job when it passes instead of Airflow failing the task with the job left running.

    :param checked_at: when the job was checked, just before deferring.
    :param timeout: the operator's ``timeout`` in seconds.
    :param task_started_at: when the try started (the task instance's ``start_date``), if known.
    :param execution_timeout: the task's ``execution_timeout`` in seconds, or None when not set.
    """
    deadline = checked_at + timeout
    if task_started_at is None or execution_timeout is None:
        return deadline
    return min(deadline, task_started_at + execution_timeout)


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


def denied_failure(who: str, message: str) -> Exception:
    """The failure for credentials or permissions ICE refused: Airflow does not retry it, since a
    retry with the same connection is refused again.

    :param who: the task, for the message.
    :param message: what ICE said.
    """
    # Imported here: trigger modules import this one, and the task SDK is not theirs to load.
    from airflow.providers.common.compat.sdk import AirflowFailException

    return AirflowFailException(
        f"{who}: {message} The task is failed without retry: fix the connection's credentials or "
        "the RAM permissions, then clear the task."
    )
