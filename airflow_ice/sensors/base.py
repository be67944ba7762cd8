"""Wait for an ICE job that something else submitted: the sensor shared by every job family."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, NoReturn

from airflow.providers.common.compat.sdk import (
    AirflowSensorTimeout,
    BaseSensorOperator,
    PokeReturnValue,
    conf,
)

from airflow_ice.client.connection_type import DEFAULT_CONN_ID
from airflow_ice.errors import IceInvalidRequestError
from airflow_ice.jobs.params import count_param, is_template, seconds_param
from airflow_ice.lineage.task_lineage import JobLineageMixin

# A DAG file's parse imports this module to build sensors: what only a running task needs (the
# hook and client, the trigger, polling) is imported where it is used.
if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_ice.hooks.ice import IceHook
    from airflow_ice.jobs.events import JobEvent
    from airflow_ice.jobs.family import AnyFamily
    from airflow_ice.jobs.waiting import PollFailurePolicy
    from airflow_ice.triggers.base import IceJobTrigger
    from airflow_ice.triggers.reference import TriggerClass


class IceJobSensor(JobLineageMixin, BaseSensorOperator):
    """Wait until an ICE job finishes; push the parsed job as the return value (its XCom form,
    :func:`~airflow_ice.jobs.xcom_form.xcom_form`: strict JSON, URLs without signatures or tokens).

    Works in ``poke`` and ``reschedule`` modes and, with ``deferrable=True``, in the triggerer (the
    same trigger the operators use). A failed job fails the sensor, even with ``soft_fail`` (which
    skips only on timeout). The sensor never cancels the job: it did not submit it.

    Failed checks follow the operators' rule (:class:`~airflow_ice.jobs.waiting.PollFailurePolicy`):
    throttling never counts, a check that gets an answer resets the count, and more than
    ``max_consecutive_poll_failures`` transient failures (5xx, network) in a row fail the sensor
    with :class:`~airflow_ice.jobs.errors.IceJobWaitError`. In ``poke`` mode the count runs
    across the pokes of one run. In ``reschedule`` mode every poke is a new run of the task with a
    fresh count, so a transient failure there only means "check again at the next poke" and the
    sensor's ``timeout`` bounds the wait. Deferrable, the trigger applies the rule.

    :param job_id: the ICE job id (templated).
    :param ice_conn_id: the Airflow connection to ICE.
    :param deferrable: wait in the triggerer instead of a worker.
    :param poll_interval: seconds between checks, templated (e.g. from a param); when set it
        replaces ``poke_interval``, which Airflow requires to be a number at parse time.
    :param max_consecutive_poll_failures: transient failed checks in a row tolerated (see above).
    :param keep_presigned_urls: keep the presigned URLs ICE reports (with their signature and STS
        token) in the return value; they are then stored in XCom and in the trigger event that
        carries it (deferrable), and nowhere else. The connection's own secrets are removed even then.
    """

    #: The family's declaration (a class attribute; a declared family's waiters set it per instance).
    family: AnyFamily
    #: The trigger it defers to, imported when first read (a DAG file's parse builds none).
    trigger_class: TriggerClass
    template_fields: Sequence[str] = ("job_id", "ice_conn_id", "poll_interval")
    ui_color = "#ff6a00"

    def __init__(
        self,
        *,
        job_id: str,
        ice_conn_id: str = DEFAULT_CONN_ID,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poll_interval: float | str | None = None,
        max_consecutive_poll_failures: int = 5,
        keep_presigned_urls: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id
        self.ice_conn_id = ice_conn_id
        self.deferrable = deferrable
        self.poll_interval = poll_interval
        if poll_interval is not None and not is_template(poll_interval):
            self.poke_interval = seconds_param(poll_interval, "poll_interval")
        try:
            self.max_consecutive_poll_failures = count_param(
                max_consecutive_poll_failures, "max_consecutive_poll_failures"
            )
        except IceInvalidRequestError as exc:
            raise ValueError(f"{type(self).__name__} {self.task_id!r}: {exc}") from None
        if not isinstance(keep_presigned_urls, bool):
            raise ValueError(
                f"{type(self).__name__} {self.task_id!r}: keep_presigned_urls must be True or False, "
                f"got {keep_presigned_urls!r}."
            )
        self.keep_presigned_urls = keep_presigned_urls
        # When ICE created the job, once a poke read it (the trigger lists by it).
        self._created_at: float | None = None

    def make_trigger(self, **arguments: Any) -> IceJobTrigger:
        """The trigger that waits for the job in the triggerer (a declared family adds its declaration).

        :param arguments: the trigger's arguments (job id, deadline, ...).
        """
        return self.trigger_class(**arguments)

    @cached_property
    def hook(self) -> IceHook:
        """The ICE hook for this sensor's connection."""
        from airflow_ice.hooks.ice import IceHook

        return IceHook(ice_conn_id=self.ice_conn_id)

    @cached_property
    def _poll_failures(self) -> PollFailurePolicy:
        # Lives as long as this instance: across the pokes of one run (poke mode), not reschedules.
        from airflow_ice.jobs.waiting import PollFailurePolicy

        return PollFailurePolicy(self.max_consecutive_poll_failures)

    def _checked_job_id(self) -> str:
        from airflow_ice.jobs.errors import IceJobWaitError

        if not isinstance(self.job_id, str) or not self.job_id.strip():
            raise IceJobWaitError(
                str(self.job_id), f"{self.task_id}: job_id must be a non-empty string, got {self.job_id!r}."
            )
        return self.job_id.strip()

    def poke(self, context: Context) -> bool | PokeReturnValue:
        """Check the job once: done (with the job), not yet, or raise if it failed."""
        from airflow_ice.jobs.poll import finished_event, poll_job, refused_event
        from airflow_ice.jobs.xcom_form import shown_text

        job_id = self._checked_job_id()
        try:
            result = poll_job(self.family, self.hook, job_id, self._poll_failures, self.log)
        finally:
            self.hook.close()
        if not result.ends_wait:
            # After a transient failure the hook already retried; the job may be fine: check again.
            if result.job is not None:
                self._created_at = self.family.created_at(result.job)
                self.log.info("%s job %s is %s", self.family.name, job_id, shown_text(result.job.status_text))
            return False
        if result.job is None:
            self._refuse(refused_event(result, job_id))
        event = finished_event(
            self.family,
            job_id,
            result.job,
            keep_presigned_urls=self.keep_presigned_urls,
            warn=self.log.warning,
        )
        return PokeReturnValue(is_done=True, xcom_value=self._complete(event))

    def _refuse(self, event: JobEvent) -> NoReturn:
        """Fail (or, on timeout, let ``soft_fail`` skip) for an event that carries no job."""
        from airflow_ice.jobs.errors import IceJobWaitError
        from airflow_ice.jobs.events import JobEventStatus
        from airflow_ice.jobs.waiting import denied_failure

        if event.status is JobEventStatus.TIMEOUT:
            # An Airflow exception: soft_fail turns it into a skip.
            raise AirflowSensorTimeout(f"{self.task_id}: {event.message}")
        if event.status is JobEventStatus.DENIED:
            raise denied_failure(self.task_id, event.message)
        raise IceJobWaitError(event.job_id, f"{self.task_id}: {event.message}")

    def _complete(self, event: JobEvent) -> dict[str, Any]:
        """The task's result from the event that ended the wait (the trigger's, or a poke's)."""
        from airflow_ice.jobs.events import JobEventStatus
        from airflow_ice.jobs.poll import finished_job
        from airflow_ice.jobs.waiting import job_failed_error

        if event.job is None or event.status not in (JobEventStatus.SUCCESS, JobEventStatus.FAILED):
            self._refuse(event)
        stored, shown, message = finished_job(event, keep_presigned_urls=self.keep_presigned_urls)
        self._record_lineage(shown, event.succeeded, message)
        if not event.succeeded:
            raise job_failed_error(self.family.name, event.job_id, shown, who=self.task_id, message=message)
        self.log.info("%s job %s succeeded.", self.family.name, event.job_id)
        return stored

    def execute(self, context: Context) -> Any:
        """Poke (poke/reschedule modes), or poke once and defer (deferrable)."""
        from airflow_ice.jobs.waiting import DEFERRAL_GRACE_SECONDS

        if self.poll_interval is not None:
            self.poke_interval = seconds_param(self.poll_interval, "poll_interval")
        if not self.deferrable:
            return super().execute(context)
        done = self.poke(context)
        if isinstance(done, PokeReturnValue):
            return done.xcom_value
        self.defer(
            trigger=self.make_trigger(
                job_id=self._checked_job_id(),
                ice_conn_id=self.ice_conn_id,
                poll_interval=self.poke_interval,
                deadline=time.time() + self.timeout,
                # The sensor did not submit the job: never cancel it.
                cancel_on_kill=False,
                max_consecutive_failures=self.max_consecutive_poll_failures,
                # It just checked: the next check is one interval away (the job's start is unknown).
                first_poll_at=time.time() + self.poke_interval,
                keep_presigned_urls=self.keep_presigned_urls,
                # A failed check here was the first poll: the trigger's count goes on from it.
                failures_in_a_row=self._poll_failures.in_a_row,
                # ICE's creation time: a family checked with lists finds the job in them by it.
                created_at=self._created_at,
            ),
            method_name="execute_complete",
            kwargs={"job_id": self._checked_job_id()},
            timeout=timedelta(seconds=self.timeout + DEFERRAL_GRACE_SECONDS),
        )

    def execute_complete(self, context: Context, event: Any = None, job_id: str = "") -> Any:
        """Resume after the trigger fired: success returns the job, timeout raises AirflowSensorTimeout."""
        from airflow_ice.jobs.events import JobEvent

        # dag.test() hands over the event without the defer kwargs: the rendered job_id is the same.
        job_id = job_id or self._checked_job_id()
        return self._complete(JobEvent.from_payload(event, job_id=job_id))

    # Lineage (the mixin reports it): the job's outputs and run facet once it has finished; the
    # sensor does not know what the job read (ICE's job answers leave the input out).

    def known_job_id(self) -> str | None:
        """The job id the sensor waits for (once rendered)."""
        return self.job_id.strip() if isinstance(self.job_id, str) and self.job_id.strip() else None
