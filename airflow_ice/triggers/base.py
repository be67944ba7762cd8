"""The trigger that waits for an ICE job in the triggerer, shared by every job family."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Coroutine
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_ice.client.deadline import calls_bounded_by
from airflow_ice.jobs.events import JobEvent, JobEventStatus
from airflow_ice.jobs.family import AnyFamily, IceJob
from airflow_ice.jobs.poll import PollResult, apoll_job, finished_event, refused_event
from airflow_ice.jobs.waiting import PollFailurePolicy
from airflow_ice.jobs.xcom_form import shown_text
from airflow_ice.triggers.hook_loader import DEFAULT_CONN_ID, load_hook_class
from airflow_ice.triggers.poll_scheduler import POLL_SCHEDULERS
from airflow_ice.triggers.shared_hooks import TRIGGER_HOOKS
from airflow_ice.triggers.task_state import task_left_deferral

if TYPE_CHECKING:
    from airflow._shared.logging.types import Logger

    from airflow_ice.hooks.ice import IceHook

# Width of the random spread of the poll interval (±5%), so many triggers do not poll in lock-step;
# centred on the interval so that a job's end is seen at most 5% later than without jitter. It is
# at least the shared tick (TICK_SHARE), whose rounding it absorbs (see pause_between_polls).
POLL_JITTER = 0.1
# Time allowed for a cancel when the deferred task is killed.
CANCEL_TIMEOUT_SECONDS = 30.0


class IceJobTrigger(BaseTrigger):
    """Poll an ICE job until it finishes, fails, or the deadline passes; yield one event.

    The event is ``{"status": "success" | "failed" | "timeout" | "error" | "denied", "job_id",
    "job", "message"}``, with ``job`` the parsed job (its XCom form,
    :func:`~airflow_ice.jobs.xcom_form.xcom_form`: strict JSON, URLs unsigned unless
    ``keep_presigned_urls``) or None (``denied``: ICE
    refused the credentials or permission, which no retry mends). Every poll runs under the
    deadline (:func:`~airflow_ice.client.deadline.calls_bounded_by`): no request, retry or
    backoff outlives it. ``run()`` only reads: a
    trigger rebuilt after a triggerer restart (or running briefly in two triggerers) has no side
    effects. The job is cancelled only in :meth:`on_kill` (Airflow 3.3+), never in ``cleanup()``.

    :param job_id: the ICE job id.
    :param ice_conn_id: the Airflow connection to ICE.
    :param poll_interval: seconds between polls (spread at random by ±5%). Waits end on the ticks
        the loop's triggers share (:mod:`~airflow_ice.triggers.poll_scheduler`; default 1 s, at
        most a tenth of the interval): the first poll at most one tick late, later ones never late
        (the tick's rounding is part of the jitter).
    :param deadline: absolute wall-clock deadline (epoch seconds) after which a ``timeout`` event is
        sent, or None to wait without limit.
    :param cancel_on_kill: cancel the job when a user kills the deferred task (when the family can).
    :param max_consecutive_failures: transient polling failures in a row (5xx, network) tolerated
        before giving up with an ``error`` event. Throttling never counts: the trigger keeps
        waiting (until the deadline), as the job is unaffected.
    :param first_poll_at: epoch seconds of the first poll (the operator checked the job at once
        and sets it to the job's expected earliest end, see
        :func:`~airflow_ice.jobs.waiting.first_poll_time`), or None to poll as soon as the
        trigger runs (also what a trigger serialised by an earlier version does). A trigger rebuilt
        after the time has passed polls at once.
    :param keep_presigned_urls: keep the job's presigned URLs in the event's ``job`` (the task's
        opt-in); otherwise their signature and token parameters are removed.
    :param failures_in_a_row: transient failures in a row counted before the trigger started (the
        operator's or sensor's check before deferring failed): the trigger's count goes on from it.
    :param created_at: when ICE created the job (epoch seconds, ICE's clock), when the operator or
        sensor read it before deferring: a family checked with ICE's lists
        (:mod:`~airflow_ice.triggers.shared_poll`) finds the job in them by it; None: the job's first
        Get tells.
    """

    #: The family's declaration (a class attribute; a declared family's waiters set it per instance).
    family: AnyFamily

    @property
    def log(self) -> Logger:
        """The trigger class's logger, shared by its instances (Airflow's own ``logger()``).

        Airflow routes each line to its trigger's log by the trigger task's context variables
        (``trigger_id``), not by the logger; a logger per instance would be seven more objects per
        waiting trigger for the collector to walk, thousands of times over.
        """
        return type(self).logger()

    def __init__(
        self,
        job_id: str,
        ice_conn_id: str = DEFAULT_CONN_ID,
        poll_interval: float = 30.0,
        deadline: float | None = None,
        cancel_on_kill: bool = True,
        max_consecutive_failures: int = 5,
        first_poll_at: float | None = None,
        keep_presigned_urls: bool = False,
        failures_in_a_row: int = 0,
        created_at: float | None = None,
    ) -> None:
        super().__init__()
        self.job_id = job_id
        self.ice_conn_id = ice_conn_id
        self.poll_interval = float(poll_interval)
        self.deadline = None if deadline is None else float(deadline)
        self.cancel_on_kill = cancel_on_kill
        self.max_consecutive_failures = int(max_consecutive_failures)
        self.first_poll_at = None if first_poll_at is None else float(first_poll_at)
        self.keep_presigned_urls = bool(keep_presigned_urls)
        self.failures_in_a_row = int(failures_in_a_row)
        self.created_at = None if created_at is None else float(created_at)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Class path and JSON-primitive kwargs to rebuild the trigger."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "job_id": self.job_id,
                "ice_conn_id": self.ice_conn_id,
                "poll_interval": self.poll_interval,
                "deadline": self.deadline,
                "cancel_on_kill": self.cancel_on_kill,
                "max_consecutive_failures": self.max_consecutive_failures,
                "first_poll_at": self.first_poll_at,
                "keep_presigned_urls": self.keep_presigned_urls,
                "failures_in_a_row": self.failures_in_a_row,
                "created_at": self.created_at,
            },
        )

    def _event(self, event: JobEvent) -> TriggerEvent:
        return TriggerEvent(event.to_payload())

    def _end_event(self, result: PollResult) -> TriggerEvent:
        """The event of a check that ended the wait: the finished job, or why there is none."""
        if result.job is not None:
            return self._event(
                finished_event(
                    self.family,
                    self.job_id,
                    result.job,
                    keep_presigned_urls=self.keep_presigned_urls,
                    warn=self.log.warning,
                )
            )
        return self._event(refused_event(result, self.job_id))

    def _remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.time()

    def poll_job(self, hook: IceHook, remaining: float | None) -> Awaitable[IceJob | None]:
        """One read of the job, not yet awaited; a subclass may read it another way (e.g. from a
        batched poller). :func:`~airflow_ice.jobs.poll.apoll_job` awaits it and judges what it gives
        or raises. A plain method: the read is the hook's own coroutine, one frame less per poll.

        :param hook: the trigger's hook.
        :param remaining: seconds left before the deadline (None: no deadline).
        :returns: the read, giving the job, or None when no answer came before the deadline.
        """
        return hook.aget_job(self.family, self.job_id)

    async def pause_before_first_poll(self) -> None:
        """Sleep until ``first_poll_at`` (at most until the deadline); nothing when it has passed."""
        if self.first_poll_at is None:
            return
        wait = self.first_poll_at - time.time()
        remaining = self._remaining()
        if remaining is not None:
            wait = min(wait, remaining)
        if wait > 0:
            await self._sleep(wait)

    async def pause_between_polls(self, remaining: float | None) -> None:
        """Sleep about ``poll_interval`` (with jitter, at most ``remaining``) before the next check.

        The pause ends on the last shared tick at or before its end, so ticks never delay a poll,
        and the tick's rounding is part of the jitter: the pause is drawn from the jitter's range
        less one tick at its short end, then ends up to a tick early. So pauses span the same
        range as without ticks (``poll_interval`` ±5%), with the same mean: ticks add neither
        detection latency nor calls. A pause cut short by the deadline ends on the first tick
        after it, never before.
        """
        scheduler = POLL_SCHEDULERS.for_running_loop()
        tick = scheduler.tick_for(self.poll_interval)  # 0: no ticks
        spread = self.poll_interval * POLL_JITTER  # at least a tick (TICK_SHARE)
        shortest = self.poll_interval - spread / 2 + min(tick, spread)
        wait = random.uniform(shortest, self.poll_interval + spread / 2)
        if remaining is not None and remaining <= wait:
            await scheduler.sleep(remaining, tick)
            return
        await scheduler.sleep(wait, tick, not_after_due=True)

    def _sleep(self, seconds: float) -> Coroutine[Any, Any, None]:
        """A sleep on the loop's shared poll ticks, so that one wake-up serves many triggers.

        Not a coroutine of its own: the caller awaits the scheduler's, one frame less for each of
        thousands of waiting triggers for the collector to walk.
        """
        scheduler = POLL_SCHEDULERS.for_running_loop()
        return scheduler.sleep(seconds, scheduler.tick_for(self.poll_interval))

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll until the job is terminal or the deadline passes."""
        # Shared with the loop's other triggers of this connection: a waiting trigger keeps no
        # hook, engine or credentials of its own.
        hook = TRIGGER_HOOKS.acquire(await load_hook_class(), self.ice_conn_id)
        failures = PollFailurePolicy(self.max_consecutive_failures, self.failures_in_a_row)
        last_status: str | None = None
        try:
            await self.pause_before_first_poll()
            while True:
                with calls_bounded_by(self.deadline):
                    result = await apoll_job(
                        self.family, self.job_id, self.poll_job(hook, self._remaining()), failures, self.log
                    )
                if result.ends_wait:
                    yield self._end_event(result)
                    return
                job = result.job
                # A list check that vouches for a running job tells no status (None): nothing to log.
                if job is not None and job.status_text is not None and job.status_text != last_status:
                    # Only changes: thousands of triggers logging every poll would flood the log.
                    self.log.info(
                        "%s job %s is %s", self.family.name, self.job_id, shown_text(job.status_text)
                    )
                    last_status = job.status_text
                remaining = self._remaining()
                if remaining is not None and remaining <= 0:
                    yield self._event(
                        JobEvent(
                            JobEventStatus.TIMEOUT,
                            self.job_id,
                            None,
                            f"{self.family.name} job {self.job_id} did not finish before the deadline "
                            f"({time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(self.deadline or 0))}).",
                        )
                    )
                    return
                # Not kept while sleeping: the parsed job is most of a waiting trigger's memory.
                del job, result
                await self.pause_between_polls(remaining)
        finally:
            await TRIGGER_HOOKS.release(hook)

    async def on_kill(self) -> None:
        """Cancel the job when a user kills the deferred task (Airflow 3.3+ calls this; 3.1 never does)."""
        if not self.cancel_on_kill:
            return
        if not self.family.can_cancel:
            self.log.warning(
                "%s job %s keeps running: %s.",
                self.family.name,
                self.job_id,
                self.family.no_cancel_reason,
            )
            return
        try:
            left = await task_left_deferral(getattr(self, "task_instance", None))
        except Exception as exc:
            left = None
            self.log.warning("Could not read the task's state: %s", exc)
        if not left:
            # Airflow 3.3.2 also calls on_kill when the trigger moves to another triggerer; a move
            # must never cancel a paid job, so cancel only when the task surely left deferral.
            self.log.warning(
                "Not cancelling %s job %s: the task is %s.",
                self.family.name,
                self.job_id,
                "still deferred (the trigger moved)" if left is False else "in an unknown state",
            )
            return
        hook = (await load_hook_class())(ice_conn_id=self.ice_conn_id)
        try:
            await asyncio.wait_for(hook.acancel_job(self.family, self.job_id), CANCEL_TIMEOUT_SECONDS)
            self.log.info("Cancelled %s job %s because the task was killed.", self.family.name, self.job_id)
        except Exception as exc:
            self.log.warning("Could not cancel %s job %s: %s", self.family.name, self.job_id, exc)
        finally:
            await hook.aclose()
