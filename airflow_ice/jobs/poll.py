"""One status check of a job, judged in one place for the operator, the sensor and the trigger.

Every waiter reads a job through :func:`poll_job` (sync) or :func:`apoll_job` (async) and acts
on the :class:`PollResult`: the job, or why there is none (the poll-failure policy applied here).
A finished job becomes the task's result through :func:`finished_event`, which the trigger sends
and the operator and sensor read alike.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from airflow_ice.errors import IceApiError, IceAuthError, IceCallDeadlineError, IceResponseError, sentence
from airflow_ice.jobs.events import JobEvent, JobEventStatus
from airflow_ice.jobs.family import AnyFamily, IceJob
from airflow_ice.jobs.waiting import TRANSIENT_POLL_ERRORS, PollFailurePolicy, PollVerdict, failure_message
from airflow_ice.jobs.xcom_form import shown_text, xcom_form

if TYPE_CHECKING:
    from airflow_ice.hooks.ice import IceHook


class PollOutcome(enum.Enum):
    """How one status check ended."""

    JOB = "job"
    """ICE answered: :attr:`PollResult.job` is the job (finished or not)."""
    MISSED = "missed"
    """A transient failure (throttling, 5xx, network) the policy waits through: check again later."""
    NO_ANSWER = "no_answer"
    """The wait's deadline passed during the check."""
    GAVE_UP = "gave_up"
    """More transient failures in a row than the policy tolerates."""
    DENIED = "denied"
    """ICE refused the credentials or the permission: no retry mends it."""
    UNREADABLE = "unreadable"
    """ICE refused the read (no such job, bad parameter) or its answer cannot be read."""


# Outcomes after which waiting goes on.
WAITING_OUTCOMES = frozenset({PollOutcome.MISSED, PollOutcome.NO_ANSWER})


@dataclass(frozen=True)
class PollResult:
    """One status check's outcome.

    :param outcome: how it ended.
    :param job: the job (``JOB``), else None.
    :param message: why the wait ends without a job (``GAVE_UP``, ``DENIED``, ``UNREADABLE``).
    :param error: the exception behind it, if any.
    """

    outcome: PollOutcome
    job: IceJob | None = None
    message: str = ""
    error: BaseException | None = None

    @property
    def ends_wait(self) -> bool:
        """Whether the wait is over: a finished job, or an outcome waiting cannot mend."""
        if self.outcome is PollOutcome.JOB:
            return self.job is not None and self.job.is_terminal
        return self.outcome not in WAITING_OUTCOMES


def judge_poll_failure(
    error: BaseException,
    family: AnyFamily,
    job_id: str,
    failures: PollFailurePolicy,
    log: logging.Logger | Any,
) -> PollResult:
    """What a check that raised ``error`` means for the wait (the one rule for failed polls).

    :param error: what the read raised.
    :param family: the job's family (named in the message).
    :param job_id: the job.
    :param failures: the wait's poll-failure policy (counts transient failures in a row).
    :param log: where a transient failure is logged, with the count so far.
    """
    if isinstance(error, IceCallDeadlineError):
        return PollResult(PollOutcome.NO_ANSWER, error=error)
    if isinstance(error, TRANSIENT_POLL_ERRORS):
        # The hook already retried (throttling with backoff); the job may well be fine.
        verdict = failures.failed(error)
        log.warning("Polling %s job %s failed (%s): %s", family.name, job_id, failures.counted(error), error)
        if verdict is PollVerdict.GIVE_UP:
            message = failures.gave_up_message(family.name, job_id, error)
            return PollResult(PollOutcome.GAVE_UP, message=message, error=error)
        return PollResult(PollOutcome.MISSED, error=error)
    if isinstance(error, IceAuthError):
        return PollResult(
            PollOutcome.DENIED, message=f"Cannot read {family.name} job {job_id}: {error}", error=error
        )
    if isinstance(error, IceApiError):
        # Not found, bad parameter: waiting longer will not help.
        return PollResult(
            PollOutcome.UNREADABLE, message=f"Cannot read {family.name} job {job_id}: {error}", error=error
        )
    if isinstance(error, IceResponseError):
        message = (
            f"Unexpected answer for {family.name} job {job_id}: {sentence(error.detail)} Raw: {error.raw!r}"
        )
        return PollResult(PollOutcome.UNREADABLE, message=message, error=error)
    # Never crash a waiter and lose the job id: report what happened.
    message = f"Unexpected error while polling {family.name} job {job_id}: {type(error).__name__}: {error}"
    return PollResult(PollOutcome.UNREADABLE, message=message, error=error)


def _answered(job: IceJob | None, failures: PollFailurePolicy) -> PollResult:
    if job is None:
        return PollResult(PollOutcome.NO_ANSWER)
    failures.succeeded()
    return PollResult(PollOutcome.JOB, job=job)


def poll_job(
    family: AnyFamily, hook: IceHook, job_id: str, failures: PollFailurePolicy, log: logging.Logger | Any
) -> PollResult:
    """Read the job once (:meth:`IceHook.get_job <airflow_ice.hooks.ice.IceHook.get_job>`) and judge it.

    :param family: the job's family.
    :param hook: the hook to read with.
    :param job_id: the job.
    :param failures: the wait's poll-failure policy.
    :param log: where a missed check is logged.
    """
    try:
        job = hook.get_job(family, job_id)
    except Exception as exc:
        return judge_poll_failure(exc, family, job_id, failures, log)
    return _answered(job, failures)


async def apoll_job(
    family: AnyFamily,
    job_id: str,
    read: Awaitable[IceJob | None],
    failures: PollFailurePolicy,
    log: logging.Logger | Any,
) -> PollResult:
    """Await one read of the job (e.g. :meth:`IceHook.aget_job <airflow_ice.hooks.ice.IceHook.aget_job>`,
    or a batched read) and judge it; a read that gave None got no answer before the deadline.

    :param family: the job's family.
    :param job_id: the job.
    :param read: the read, not yet awaited.
    :param failures: the wait's poll-failure policy.
    :param log: where a missed check is logged.
    """
    try:
        job = await read
    except Exception as exc:
        return judge_poll_failure(exc, family, job_id, failures, log)
    return _answered(job, failures)


def finished_event(
    family: AnyFamily,
    job_id: str,
    job: IceJob,
    *,
    keep_presigned_urls: bool,
    warn: Callable[..., Any],
) -> JobEvent:
    """A finished job as the event that ends the wait: ``success`` or ``failed``, the job in its
    XCom form (:func:`~airflow_ice.jobs.xcom_form.xcom_form`) and what ICE said.

    :param family: the job's family.
    :param job_id: the job waited for (whatever id the answer carries).
    :param job: the finished job.
    :param keep_presigned_urls: keep the presigned URLs' signatures (the task's opt-in).
    :param warn: where values XCom cannot hold are named.
    """
    stored = xcom_form(job.to_xcom(), keep_presigned_urls=keep_presigned_urls, warn=warn).value
    if job.succeeded:
        return JobEvent(
            JobEventStatus.SUCCESS, job_id, stored, f"{family.name} job {job_id}: {job.status_text}"
        )
    message = failure_message(family.name, job_id, job.status_text, family.failure_detail_of(job))
    return JobEvent(JobEventStatus.FAILED, job_id, stored, message)


class FinishedJob(NamedTuple):
    """A finished job's event as a task keeps and shows it.

    :param stored: the job as XCom keeps it (the task's return value).
    :param shown: the job for everything else (link, lineage, asset events, errors): URLs unsigned.
    :param message: what ICE said of a failure, shown; "" on success.
    """

    stored: dict[str, Any]
    shown: dict[str, Any]
    message: str


def finished_job(event: JobEvent, *, keep_presigned_urls: bool) -> FinishedJob:
    """The stored and shown forms of a ``success`` or ``failed`` event's job.

    :param event: the event that ended the wait; it carries the job.
    :param keep_presigned_urls: whether the stored form kept the presigned URLs' signatures.
    """
    stored = event.job or {}
    shown = xcom_form(stored).value if keep_presigned_urls else stored
    return FinishedJob(stored, shown, "" if event.succeeded else shown_text(event.message) or "")


def refused_event(result: PollResult, job_id: str) -> JobEvent:
    """The event that ends a wait without a job: ``denied`` or ``error`` (gave up, unreadable)."""
    status = JobEventStatus.DENIED if result.outcome is PollOutcome.DENIED else JobEventStatus.ERROR
    return JobEvent(status, job_id, None, result.message)
