"""Retries never pay twice: reattach to an earlier try's job, ``ClientToken`` and the request's
fingerprint (docs/operators.md, "Retries never pay twice")."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_ice.errors import IceApiError, IceOutcomeUnknownError
from airflow_ice.jobs.reattach_store import ReattachStore, StoredJob, reattach_store_for
from airflow_ice.jobs.tag import TaskIdentity, client_token
from airflow_ice.jobs.xcom_form import shown_text
from airflow_ice.models.json_text import compact_json

if TYPE_CHECKING:
    from logging import Logger

    from airflow.providers.common.compat.sdk import Context

    from airflow_ice.hooks.ice import IceHook
    from airflow_ice.jobs.family import AnyFamily, IceJob


def request_fingerprint(request: Any) -> str:
    """Digest of a request model: an earlier try's job is reattached only if it was the same request."""
    data = request.model_dump(mode="json", by_alias=True, exclude_none=True)
    return hashlib.sha256(compact_json(data).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class RetrySafety:
    """One try's view of the job id store that survives retries (the task state store on Airflow
    3.3+, else an Airflow Variable), or of none when the operator is not ``durable``.

    :param family: the job's family.
    :param store: the task's store, or None (not durable: every try submits).
    :param log: the operator's logger.
    """

    family: AnyFamily
    store: ReattachStore | None
    log: Logger | Any

    @classmethod
    def for_task(
        cls, context: Context, family: AnyFamily, *, durable: bool, log: Logger | Any
    ) -> RetrySafety:
        """The task's store when ``durable``.

        :param context: the task's context.
        :param family: the job's family.
        :param durable: whether a retry continues with an earlier try's job.
        :param log: the operator's logger.
        """
        store = reattach_store_for(context, TaskIdentity.from_context(context)) if durable else None
        return cls(family, store, log)

    def reattachable(self, hook: IceHook, fingerprint: str) -> IceJob | None:
        """The job of an earlier try to continue with (running, or succeeded), or None to submit anew.

        :param hook: the hook to read the job with.
        :param fingerprint: this try's :func:`request_fingerprint`.
        """
        if self.store is None:
            return None
        stored = self.store.get()
        if stored is None or not stored.submitted:
            return None
        name = self.family.name
        if stored.fingerprint != fingerprint:
            self.log.warning(
                "An earlier try submitted %s job %s with other parameters; submitting a new job.",
                name,
                stored.job_id,
            )
            return None
        try:
            job: IceJob = hook.get_job(self.family, stored.job_id)
        except IceApiError as exc:
            if exc.http_status == 404 or "NotFound" in exc.code or "NotExist" in exc.code:
                self.log.warning(
                    "The earlier try's job %s no longer exists (%s); submitting anew.", stored.job_id, exc
                )
                return None
            raise
        if not job.is_terminal:
            self.log.info(
                "Reattaching to %s job %s submitted by an earlier try (status %s, found in the %s).",
                name,
                job.job_id,
                shown_text(job.status_text),
                self.store.description,
            )
            return job
        if job.succeeded:
            self.log.info("%s job %s of an earlier try already succeeded; using it.", name, job.job_id)
            return job
        self.log.warning(
            "%s job %s of an earlier try ended with %s; submitting a new job.",
            name,
            job.job_id,
            shown_text(job.status_text),
        )
        return None

    def client_token(self, context: Context, fingerprint: str) -> str | None:
        """The submit's ``ClientToken`` (families that take one): an earlier try's that got no job id
        for the same request, else a new one, stored before the submit is sent.

        :param context: the task's context (its identity and try number make the token).
        :param fingerprint: this try's :func:`request_fingerprint`.
        """
        if not self.family.client_token:
            return None
        stored = self.store.get() if self.store is not None else None
        if stored is not None and not stored.submitted and stored.fingerprint == fingerprint:
            self.log.info(
                "An earlier try's %s submit got no answer; sending it again with its ClientToken "
                "(ICE answers with the job it made, if it made one).",
                self.family.name,
            )
            return stored.client_token
        token = client_token(TaskIdentity.from_context(context), fingerprint, int(context["ti"].try_number))
        self.remember(StoredJob("", fingerprint, token))
        return token

    def submit(self, send: Callable[[], str], who: str) -> str:
        """Send the submit once; an outcome-unknown answer fails the task without retry.

        :param send: sends the submit, returns the job id.
        :param who: the task, as errors name it.
        """
        try:
            job_id = send()
        except IceOutcomeUnknownError as exc:
            # A retry could pay for a second job: stop here and let a person check.
            raise AirflowFailException(f"{who}: {exc} The task is failed without retry on purpose.") from exc
        self.log.info("Submitted %s job %s.", self.family.name, job_id)
        return job_id

    def remember(self, stored: StoredJob) -> None:
        """Keep the job (or the token of a submit in flight) for a later try; never fails the task."""
        if self.store is None:
            return
        try:
            self.store.put(stored)
        except Exception as exc:
            # The job runs anyway; only reattaching on a retry is lost.
            self.log.warning(
                "Could not store job id %s in the %s: %s", stored.job_id, self.store.description, exc
            )

    def forget(self) -> None:
        """Let the next try submit anew (the job failed, was cancelled, or was returned)."""
        if self.store is None:
            return
        try:
            self.store.forget()
        except Exception as exc:
            self.log.warning("Could not clear the stored job id in the %s: %s", self.store.description, exc)
