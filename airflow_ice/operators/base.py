"""Submit an ICE job and wait for it: the machinery shared by every job family's operator."""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.providers.common.compat.sdk import AirflowFailException, BaseOperator, conf

from airflow_ice.client.connection_type import DEFAULT_CONN_ID
from airflow_ice.errors import (
    IceAuthError,
    IceCallDeadlineError,
    IceInvalidRequestError,
)
from airflow_ice.jobs.params import (
    is_known_at_parse_time,
    json_object_param,
)
from airflow_ice.jobs.tag import USER_DATA_MAX_CHARS, TaskIdentity, tagged_user_data
from airflow_ice.lineage.job_lineage import DatasetName, media_datasets
from airflow_ice.lineage.task_lineage import JobLineageMixin
from airflow_ice.links.console import CONSOLE_URL_XCOM_KEY, IceConsoleJobLink, console_job_url
from airflow_ice.links.job_output import JOB_ID_XCOM_KEY, OUTPUT_URL_XCOM_KEY, IceJobOutputLink
from airflow_ice.links.pushed_value import LINK_VALUES_PUSHED
from airflow_ice.models.validation import check_known_fields, validate_request
from airflow_ice.operators.wait_settings import DEFAULT_TIMEOUT_SECONDS, WaitSettings
from airflow_ice.provider_config import CONSOLE_JOB_URL, DEFAULT_CONSOLE_JOB_URL, SECTION

# A DAG file's parse imports this module to build operators: what only a running task needs (the
# hook and client, the trigger, polling, retry safety, cancellation) is imported where it is used.
if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_ice.hooks.ice import IceHook
    from airflow_ice.jobs.cancellation import Cancellation
    from airflow_ice.jobs.events import JobEvent
    from airflow_ice.jobs.family import AnyFamily, IceJob
    from airflow_ice.jobs.waiting import PollFailurePolicy
    from airflow_ice.lineage.job_lineage import IceJobRun
    from airflow_ice.operators.retry_safety import RetrySafety
    from airflow_ice.triggers.base import IceJobTrigger
    from airflow_ice.triggers.reference import TriggerClass


class IceJobOperator(JobLineageMixin, BaseOperator):
    """Submit one ICE job, then wait for it in the worker or, deferrable, in the triggerer.

    Subclasses set :attr:`family` and :attr:`trigger_class` and implement :meth:`build_request` and
    :meth:`submit`. The flow: validate (before any submit), reattach to the job of an earlier try or
    submit, push ``ice_job_id`` (and the output URL when known) to XCom, check the job once, then
    wait; on success return the parsed job (its XCom form, :func:`~airflow_ice.jobs.xcom_form.xcom_form`:
    strict JSON, URLs without signatures or tokens), on failure raise naming the job.

    Retries never pay twice: the job id is kept in a store that survives retries (the task state
    store on Airflow 3.3+, else an Airflow Variable). On the next try a job still running is
    reattached, a job that succeeded is returned as is, and only a failed or cancelled job is
    submitted again. A submit whose answer was lost (:class:`~airflow_ice.errors.IceOutcomeUnknownError`)
    fails the task without retry (``AirflowFailException``): ICE may have created the job, so look for
    it by its ``UserData`` tag before clearing the task. Families whose submit takes ICE's
    ``ClientToken`` (:attr:`JobFamily.client_token <airflow_ice.jobs.family.JobFamily>`) are
    the exception: the token (:func:`~airflow_ice.jobs.tag.client_token`) is stored before the
    submit, the client resends the submit after a lost answer, and a later try resends it too,
    since ICE answers the same token with the job it made.

    :param ice_conn_id: the Airflow connection to ICE.
    :param wait_for_completion: wait for the job to finish; if False, return the job id at once.
    :param poll_interval: seconds between status checks.
    :param timeout: wall-clock limit (seconds or timedelta) on waiting for the job, default 24 h;
        then the job is cancelled (where ICE can) and the task fails. Deferred, the task's
        ``execution_timeout`` (counted from the try's start) bounds the wait too: the trigger's
        deadline is the earlier of the two, and either cancels the job. In a worker,
        ``execution_timeout`` is Airflow's own kill (the job is cancelled if ``cancel_on_kill``).
    :param deferrable: wait in the triggerer instead of holding a worker slot.
    :param cancel_on_kill: cancel the job when the task is killed (where ICE can cancel).
    :param durable: a retry continues with the job of an earlier try instead of submitting again:
        one still running is waited for, one that succeeded is returned, only a failed or
        cancelled one is submitted again. The name and meaning of Airflow 3.3's
        ``ResumableJobMixin`` parameter, here on every supported Airflow, deferrable or not (see
        docs/operators.md, "Retries never pay twice").
    :param max_consecutive_poll_failures: transient polling failures in a row tolerated while waiting.
    :param expected_duration: the least time the job is expected to run (seconds or timedelta,
        templated; 0 for none). After the check at once, the job is not polled again before this
        much time has passed since the submit; then every ``poll_interval``. Default: the family's
        figure for the request (per IProduction ``FunctionName``, see
        :data:`~airflow_ice.families.iproduction.EXPECTED_SECONDS`).
    :param keep_presigned_urls: keep the presigned URLs ICE reports (with their signature and STS
        token) in the return value, for downstream tasks that download with them. They are then
        stored in XCom and in the trigger event that carries it (deferrable), readable by anyone
        who can read the DAG's XCom, and nowhere else: links, asset events, OpenLineage, logs and
        errors get them unsigned. The connection's own secrets are removed even then.
    """

    #: The family's declaration (a class attribute; a declared family's waiters set it per instance).
    family: AnyFamily
    #: The trigger it defers to, imported when first read (a DAG file's parse builds none).
    trigger_class: TriggerClass
    #: Parameters given as a dict or JSON text of an object, decoded before the model sees them.
    json_object_parameters: ClassVar[tuple[str, ...]] = ("user_data",)
    #: For the default :meth:`request_parameters`: the operator attributes that fill the request
    #: model (named as its fields).
    request_fields: ClassVar[tuple[str, ...]] = ()
    #: A request field kept under another attribute name (``output``: BaseOperator's own XComArg).
    request_attributes: ClassVar[Mapping[str, str]] = {}
    #: ICE's limit on ``user_data``, which gets the task's ``airflow_ice`` tag.
    user_data_limit: ClassVar[int] = USER_DATA_MAX_CHARS
    #: The waiting parameters every family's operator templates (after its own).
    wait_template_fields: ClassVar[tuple[str, ...]] = (
        "ice_conn_id",
        "poll_interval",
        "expected_duration",
        "timeout",
        "wait_for_completion",
        "cancel_on_kill",
    )
    operator_extra_links = (IceJobOutputLink(), IceConsoleJobLink())
    ui_color = "#ff6a00"

    def __init__(
        self,
        *,
        ice_conn_id: str = DEFAULT_CONN_ID,
        wait_for_completion: bool = True,
        poll_interval: float | timedelta = 30.0,
        timeout: float | timedelta = DEFAULT_TIMEOUT_SECONDS,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        cancel_on_kill: bool = True,
        durable: bool = True,
        max_consecutive_poll_failures: int = 5,
        expected_duration: float | timedelta | None = None,
        keep_presigned_urls: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.ice_conn_id = ice_conn_id
        self.wait_for_completion = wait_for_completion
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.deferrable = deferrable
        self.cancel_on_kill = cancel_on_kill
        self.durable = durable
        self.max_consecutive_poll_failures = max_consecutive_poll_failures
        self.expected_duration = expected_duration
        if not isinstance(keep_presigned_urls, bool):
            raise ValueError(
                f"{type(self).__name__} {self.task_id!r}: keep_presigned_urls must be True or False, "
                f"got {keep_presigned_urls!r}."
            )
        self.keep_presigned_urls = keep_presigned_urls
        # Cheap checks now; templated values are checked again once rendered.
        try:
            self.settings = self.resolve_settings(allow_templates=True)
        except IceInvalidRequestError as exc:
            raise ValueError(f"{type(self).__name__} {self.task_id!r}: {exc}") from None
        # Set while this instance waits in a worker, for on_kill.
        self.job_id: str | None = None
        # The extra links read their XComs only once this try (or the one that deferred) pushed them.
        setattr(self, LINK_VALUES_PUSHED, False)

    def resolve_settings(self, *, allow_templates: bool = False) -> WaitSettings:
        """Check the waiting parameters (after templating, they may be text).

        :param allow_templates: accept unrendered Jinja (at DAG parse time), using defaults for it.
        :raises IceInvalidRequestError: a parameter is invalid.
        """
        return WaitSettings.of(self, allow_templates=allow_templates)

    # What each family provides

    def request_parameters(self) -> dict[str, Any]:
        """The ICE parameters as the DAG gave them (rendered or not), by the request model's field names.

        By default the :attr:`request_fields`, read from the operator's attributes.
        """
        if not self.request_fields:
            raise NotImplementedError(f"{type(self).__name__} declares no request_fields")
        return {name: getattr(self, self.request_attributes.get(name, name)) for name in self.request_fields}

    def build_request(self, identity: TaskIdentity) -> Any:
        """Validate the (templated) parameters into the family's request model, tagged with ``identity``.

        :meth:`request_parameters` into the family's request model: JSON-object parameters decoded, blank
        ones left out (a blank template means "not given"), ``user_data`` tagged.

        :raises IceInvalidRequestError: a parameter is invalid (names the parameter).
        """
        return validate_request(
            self.family.request_class, self._model_input(self.request_parameters(), identity)
        )

    def _model_input(self, parameters: dict[str, Any], identity: TaskIdentity | None) -> dict[str, Any]:
        """What the request model takes: JSON-object parameters decoded, ``user_data`` tagged with the
        task (untagged when ``identity`` is None, at parse time), unset ones left out (so that blank
        templates mean "not given")."""
        data = dict(parameters)
        for name in self.json_object_parameters:
            if name in data:
                data[name] = json_object_param(data[name], name)
        if identity is not None and "user_data" in data:
            data["user_data"] = tagged_user_data(data["user_data"], identity, limit=self.user_data_limit)
        return {name: value for name, value in data.items() if value not in (None, "")}

    def check_literal_parameters(self) -> None:
        """When the DAG file is parsed: refuse literal ICE parameters the request model refuses.

        Templated values, other tasks' results and the whole request's own rules are checked once
        rendered, in :meth:`execute`. A mapped task's operator, built at run time, is left to
        :meth:`execute` too, which fails it without retry.

        :raises ValueError: naming the operator, its task and each bad parameter.
        """
        if getattr(self, "_BaseOperator__from_mapped", False):
            return
        parameters = self.request_parameters()
        unknown = [name for name, value in parameters.items() if not is_known_at_parse_time(value)]
        known = {name: value for name, value in parameters.items() if name not in unknown}
        try:
            check_known_fields(self.family.request_class, self._model_input(known, None), unknown=unknown)
        except IceInvalidRequestError as exc:
            raise ValueError(f"{type(self).__name__} {self.task_id!r}: {exc}") from None

    def submit(self, hook: IceHook, request: Any) -> str:
        """Submit the request; return the job id."""
        return hook.submit_job(self.family, request)

    def request_output_url(self, request: Any) -> str | None:
        """The output URL already known from the request (before the job runs), if any."""
        return None

    def check_succeeded_job(self, job: Mapping[str, Any]) -> None:
        """Inspect a successful job (its XCom form as shown: URLs unsigned) before returning it; raise to fail the task."""

    # Execution

    def make_trigger(self, **arguments: Any) -> IceJobTrigger:
        """The trigger that waits for the job in the triggerer (a declared family adds its declaration).

        :param arguments: the trigger's arguments (job id, deadline, ...).
        """
        return self.trigger_class(**arguments)

    @cached_property
    def hook(self) -> IceHook:
        """The ICE hook for this operator's connection."""
        from airflow_ice.hooks.ice import IceHook

        return IceHook(ice_conn_id=self.ice_conn_id)

    def _task_label(self) -> str:
        return f"{type(self).__name__} (task {self.task_id!r})"

    def execute(self, context: Context) -> Any:
        """Validate, reattach or submit, push the job id, then wait (or defer)."""
        from airflow_ice.jobs.waiting import denied_failure
        from airflow_ice.operators.retry_safety import RetrySafety, request_fingerprint

        identity = TaskIdentity.from_context(context)
        try:
            self.settings = self.resolve_settings()
            request = self.build_request(identity)
        except IceInvalidRequestError as exc:
            # Bad parameters cannot get better on a retry: fail now, before anything was submitted.
            raise AirflowFailException(f"{self._task_label()}: invalid parameters: {exc}") from exc
        fingerprint = request_fingerprint(request)
        safety = RetrySafety.for_task(context, self.family, durable=self.settings.durable, log=self.log)
        try:
            return self._run(context, request, fingerprint, safety)
        except IceAuthError as exc:
            raise denied_failure(self._task_label(), str(exc)) from exc
        finally:
            self.hook.close()

    def _run(self, context: Context, request: Any, fingerprint: str, safety: RetrySafety) -> Any:
        """Reattach or submit, push the job id, then wait (or defer)."""
        from airflow_ice.client.redaction import unsigned_url
        from airflow_ice.jobs.reattach_store import StoredJob
        from airflow_ice.jobs.waiting import (
            DEFERRAL_GRACE_SECONDS,
            PollFailurePolicy,
            deferred_wait_deadline,
            first_poll_time,
        )
        from airflow_ice.jobs.xcom_form import shown_text

        job = safety.reattachable(self.hook, fingerprint)
        # Unknown for a reattached job: its first wait is then one poll_interval.
        submitted_at: float | None = None
        if job is None:
            token = safety.client_token(context, fingerprint)
            if token is not None:
                request = request.model_copy(update={"client_token": token})
            submitted_at = time.time()
            job_id = safety.submit(functools.partial(self.submit, self.hook, request), self._task_label())
            safety.remember(StoredJob(job_id, fingerprint, token))
        else:
            job_id = job.job_id
        self.job_id = job_id
        ti = context["ti"]
        ti.xcom_push(key=JOB_ID_XCOM_KEY, value=job_id)
        # Pushed even when empty: the link reads it while the task waits (a missing key logs an error).
        ti.xcom_push(key=OUTPUT_URL_XCOM_KEY, value=unsigned_url(self.request_output_url(request) or ""))
        ti.xcom_push(key=CONSOLE_URL_XCOM_KEY, value=self.console_url(job_id))
        setattr(self, LINK_VALUES_PUSHED, True)
        if not self.settings.wait_for_completion:
            self.log.info("%s job %s submitted; not waiting for it.", self.family.name, job_id)
            safety.forget()
            return job_id
        # The check at once is the first poll: a transient failure counts as any poll's does.
        failures = PollFailurePolicy(self.settings.max_consecutive_poll_failures)
        if job is None or not job.is_terminal:
            job = self._poll(job_id, failures)
        if job is not None and job.is_terminal:
            return self._finish_job(context, job, safety)
        expected = self.settings.expected_duration
        first_poll_at = first_poll_time(
            submitted_at=submitted_at,
            expected_seconds=self.family.expected_seconds_of(request) if expected is None else expected,
            checked_at=time.time(),
            poll_interval=self.settings.poll_interval,
        )
        checked_at = time.time()
        deadline = checked_at + self.settings.timeout
        if self.deferrable:
            # Airflow does not apply execution_timeout to a deferral: the trigger's deadline does.
            started = context["ti"].start_date
            deadline = deferred_wait_deadline(
                checked_at=checked_at,
                timeout=self.settings.timeout,
                task_started_at=None if started is None else started.timestamp(),
                execution_timeout=None
                if self.execution_timeout is None
                else self.execution_timeout.total_seconds(),
            )
            self.log.info(
                "%s job %s is %s; deferring (polling every %gs).",
                self.family.name,
                job_id,
                "not read yet" if job is None else shown_text(job.status_text),
                self.settings.poll_interval,
            )
            self.defer(
                trigger=self.make_trigger(
                    job_id=job_id,
                    ice_conn_id=self.ice_conn_id,
                    poll_interval=self.settings.poll_interval,
                    deadline=deadline,
                    cancel_on_kill=self.settings.cancel_on_kill,
                    max_consecutive_failures=self.settings.max_consecutive_poll_failures,
                    first_poll_at=first_poll_at,
                    keep_presigned_urls=self.keep_presigned_urls,
                    failures_in_a_row=failures.in_a_row,
                    # ICE's creation time: a family checked with lists finds the job in them by it.
                    created_at=None if job is None else self.family.created_at(job),
                ),
                method_name="execute_complete",
                kwargs={"job_id": job_id},
                timeout=timedelta(seconds=max(0.0, deadline - checked_at) + DEFERRAL_GRACE_SECONDS),
            )
        return self._poll_until_done(context, job_id, deadline, first_poll_at, safety, failures)

    def execute_complete(self, context: Context, event: Any = None, job_id: str = "") -> Any:
        """Resume after the trigger fired: only an explicit ``success`` event succeeds."""
        from airflow_ice.jobs.errors import IceJobWaitError
        from airflow_ice.jobs.events import JobEvent, JobEventStatus
        from airflow_ice.jobs.waiting import denied_failure
        from airflow_ice.operators.retry_safety import RetrySafety

        setattr(self, LINK_VALUES_PUSHED, True)  # by the try that deferred
        # dag.test() hands over the event without the defer kwargs: fall back to what was pushed.
        job_id = job_id or self._pushed_job_id(context, event)
        try:
            self.settings = self.resolve_settings()
            checked = JobEvent.from_payload(event, job_id=job_id)
            safety = RetrySafety.for_task(context, self.family, durable=self.settings.durable, log=self.log)
            if checked.status is JobEventStatus.TIMEOUT:
                self._on_timeout(job_id, safety, deferred=True)
            if checked.status is JobEventStatus.DENIED:
                raise denied_failure(self._task_label(), checked.message)
            if checked.status is JobEventStatus.ERROR:
                raise IceJobWaitError(job_id, f"{self._task_label()}: {checked.message}")
            return self._finish(context, checked, safety)
        finally:
            self.hook.close()

    @staticmethod
    def _pushed_job_id(context: Context, event: Any) -> str:
        """The job id pushed before deferring (XCom survives a deferral), else the event's."""
        ti = context["ti"]
        pushed = ti.xcom_pull(task_ids=ti.task_id, key=JOB_ID_XCOM_KEY, map_indexes=ti.map_index)
        if isinstance(pushed, str) and pushed:
            return pushed
        from_event = event.get("job_id") if isinstance(event, Mapping) else None
        return from_event if isinstance(from_event, str) and from_event else "<unknown>"

    def _poll_until_done(
        self,
        context: Context,
        job_id: str,
        deadline: float,
        first_poll_at: float,
        safety: RetrySafety,
        failures: PollFailurePolicy,
    ) -> Any:
        from airflow_ice.client.deadline import calls_bounded_by
        from airflow_ice.jobs.xcom_form import shown_text

        next_poll_at = first_poll_at
        while True:
            now = time.time()
            remaining = deadline - now
            if remaining <= 0:
                self._on_timeout(job_id, safety)
            time.sleep(max(0.0, min(next_poll_at - now, remaining)))
            next_poll_at = time.time() + self.settings.poll_interval
            try:
                with calls_bounded_by(deadline):
                    job = self._poll(job_id, failures)
            except IceCallDeadlineError:
                continue  # the deadline passed during the poll: time out at the top of the loop
            if job is None:
                continue
            if job.is_terminal:
                return self._finish_job(context, job, safety)
            self.log.info("%s job %s is %s", self.family.name, job_id, shown_text(job.status_text))

    def _poll(self, job_id: str, failures: PollFailurePolicy) -> IceJob | None:
        """One status check under the poll-failure policy: the job, or None after a transient
        failure that is waited through.

        :raises IceJobWaitError: more transient failures in a row than allowed, or an answer that
            waiting will not mend.
        """
        from airflow_ice.jobs.errors import IceJobWaitError
        from airflow_ice.jobs.poll import PollOutcome, poll_job

        result = poll_job(self.family, self.hook, job_id, failures, self.log)
        if result.outcome is PollOutcome.DENIED and isinstance(result.error, IceAuthError):
            raise result.error  # failed without retry by execute()
        if result.job is None and result.ends_wait:
            raise IceJobWaitError(job_id, f"{self._task_label()}: {result.message}") from result.error
        return result.job

    def _finish_job(self, context: Context, job: IceJob, safety: RetrySafety) -> dict[str, Any]:
        from airflow_ice.jobs.poll import finished_event

        event = finished_event(
            self.family, job.job_id, job, keep_presigned_urls=self.keep_presigned_urls, warn=self.log.warning
        )
        return self._finish(context, event, safety)

    def _finish(self, context: Context, event: JobEvent, safety: RetrySafety) -> dict[str, Any]:
        """The task's result from a finished job's event (the trigger's, or the worker's last poll)."""
        from airflow_ice.jobs.poll import finished_job
        from airflow_ice.jobs.waiting import job_failed_error

        job_id = event.job_id
        assert event.job is not None  # success and failed events carry the job
        stored, shown, message = finished_job(event, keep_presigned_urls=self.keep_presigned_urls)
        run = self._record_lineage(shown, event.succeeded, message)
        url = self.family.output_url_of(shown)
        if url:
            context["ti"].xcom_push(key=OUTPUT_URL_XCOM_KEY, value=url)
        if not event.succeeded:
            # A failed job is never reattached to: the next try submits a new one.
            safety.forget()
            raise job_failed_error(self.family.name, job_id, shown, who=self._task_label(), message=message)
        # A job that succeeded stays stored until it passes the check: a retry reuses it, never pays again.
        self.check_succeeded_job(shown)
        self._record_asset_events(context, run)
        safety.forget()
        self.log.info("%s job %s succeeded.", self.family.name, job_id)
        return stored

    def _on_timeout(self, job_id: str, safety: RetrySafety, *, deferred: bool = False) -> None:
        """Cancel the job (where ICE can) and fail: the wait exceeded ``timeout`` (deferred: or the
        task's ``execution_timeout``, whichever ended first)."""
        from airflow_ice.jobs.cancellation import CancelOutcome
        from airflow_ice.jobs.errors import IceJobTimeoutError

        limit = f"timeout={self.settings.timeout:.0f}s"
        if deferred and self.execution_timeout is not None:
            limit = (
                f"its deadline, the earlier of {limit} and the task's "
                f"execution_timeout={self.execution_timeout.total_seconds():.0f}s"
            )
        cancellation = self._cancel(job_id, reason=f"it did not finish within {limit}")
        if cancellation.outcome is CancelOutcome.CANCELLED:
            # A cancelled job is never reattached to: a retry submits a new one.
            safety.forget()
        raise IceJobTimeoutError(
            job_id,
            f"{self._task_label()}: {self.family.name} job {job_id} did not finish within {limit}; "
            f"{cancellation}.",
        )

    def _cancel(self, job_id: str, *, reason: str) -> Cancellation:
        """Best-effort cancel; says how it ended."""
        from airflow_ice.jobs.cancellation import Cancellation, CancelOutcome

        if not self.family.can_cancel:
            self.log.warning(
                "%s job %s keeps running: %s (%s).",
                self.family.name,
                job_id,
                self.family.no_cancel_reason,
                reason,
            )
            return Cancellation(CancelOutcome.NOT_CANCELLABLE)
        try:
            self.hook.cancel_job(self.family, job_id)
        except Exception as exc:
            self.log.warning("Could not cancel %s job %s: %s", self.family.name, job_id, exc)
            return Cancellation(CancelOutcome.FAILED, str(exc))
        self.log.info("Cancelled %s job %s because %s.", self.family.name, job_id, reason)
        return Cancellation(CancelOutcome.CANCELLED)

    def on_kill(self) -> None:
        """Cancel the job being waited for in this worker when ``cancel_on_kill`` (where ICE can)."""
        if self.job_id is None or not self.settings.cancel_on_kill:
            return
        try:
            self._cancel(self.job_id, reason="the task was killed")
        finally:
            self.hook.close()

    # Lineage (the mixin reports it) and asset events: nothing here may fail a task.

    def _lineage_request(self) -> Mapping[str, Any] | None:
        """The request in its API form (the family's readers read it), or None while it is invalid."""
        try:
            request = validate_request(
                self.family.request_class, self._model_input(self.request_parameters(), None)
            )
            data: dict[str, Any] = request.model_dump(mode="json", by_alias=True, exclude_none=True)
        except Exception:  # invalid or unrendered: execute() reports it
            return None
        return data

    def lineage_inputs(self, region: str | None) -> list[DatasetName]:
        """What the job reads (OSS objects, media ids), as the family's declaration reads the request.

        :param region: the connection's region.
        """
        request = self._lineage_request()
        return media_datasets(self.family.inputs_of(request), region) if request is not None else []

    def lineage_declared_outputs(self, region: str | None) -> list[DatasetName]:
        """Where the job was asked to write, known before it runs (the family's declaration).

        :param region: the connection's region.
        """
        request = self._lineage_request()
        return (
            media_datasets(self.family.requested_outputs_of(request), region) if request is not None else []
        )

    def _record_asset_events(self, context: Context, run: IceJobRun) -> None:
        from airflow_ice.lineage.asset_events import record_asset_events

        try:
            added = record_asset_events(self.outlets, context["outlet_events"], run)
        except Exception as exc:
            self.log.warning("Could not record the asset events of job %s: %s", run.job_id, exc)
            return
        if added:
            self.log.info("Job %s: %d asset event(s) through asset aliases.", run.job_id, added)

    def known_job_id(self) -> str | None:
        """The job submitted or reattached by this try (None before, and after a deferral)."""
        return self.job_id

    def console_url(self, job_id: str) -> str:
        """The job's page in the ICE console (``[alibaba_ice] console_job_url``), or "" if it cannot be built."""
        template = conf.get(SECTION, CONSOLE_JOB_URL, fallback=DEFAULT_CONSOLE_JOB_URL)
        try:
            return console_job_url(
                template, region=self._lineage_region() or "", job_id=job_id, family=self.family.name
            )
        except ValueError as exc:
            self.log.warning("No ICE console link for job %s: %s", job_id, exc)
            return ""
