"""What the media job families (producing, convert, snapshot, ...) share in the emulator.

A job runs through its family's running statuses (each an equal share of its duration), then ends
in the family's success or failure status. A submit carrying a ``ClientToken`` is answered, as ICE
does, with the job the token first made (the same parameters) or ``IdempotentParameterMismatch``
(other parameters); such a resend creates no job and is not counted as a submit.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from airflow_ice.emulator.actions.base import ActionEnvironment, ActionHandler, JobRecord, required
from airflow_ice.emulator.actions.listing import ListShape
from airflow_ice.emulator.errors import EmulatorApiError
from airflow_ice.emulator.jobs import JobStore
from airflow_ice.emulator.placement import PLACEMENTS

CLIENT_TOKEN = "ClientToken"
# Signature 1.0's common parameters, which the SDK lists among SubmitVideoTranslationJob's own
# ("the system populates this parameter"): never part of a job's parameters.
SIGNATURE_PARAMETERS = frozenset(
    {"Signature", "SignatureMethod", "SignatureMehtod", "SignatureNonce", "SignatureType", "SignatureVersion"}
)
# What makes an emulated job fail: this text (any case) in the parameter each family names.
FAIL_MARKER = "fail"


def marker_failure(where: str) -> str:
    """A failed emulated job's message: why it failed, so a test's author sees what they set.

    :param where: the parameter that held the marker, e.g. ``Input.Media``.
    """
    return f'Emulated failure: {where} contains "{FAIL_MARKER}" (docs/emulator.md, "Making jobs fail").'


@dataclass
class LifecycleJob:
    """One job of a media family.

    :param job_id: its id.
    :param params: the submit's parameters as received (those the action takes, ClientToken left out).
    :param created_at: when it was submitted (job clock).
    :param duration: how long it runs.
    :param fails: whether it ends in the failure status.
    :param submit_action: the action that created it (a group may serve several submits).
    :param reads_running: its Gets answered while it ran; ``reads_finished``: once it had finished
        (a test proves with them how a client waited: polled each job, or listed them).
    """

    job_id: str
    params: dict[str, str]
    created_at: float
    duration: float
    fails: bool
    submit_action: str
    reads_running: int = 0
    reads_finished: int = 0

    @property
    def finished_at(self) -> float:
        """When it ends (or ended)."""
        return self.created_at + self.duration

    def percent(self, now: float) -> int:
        """How far it has got, 0-100."""
        if now >= self.finished_at:
            return 100
        return int(100 * (now - self.created_at) / self.duration)

    def phase(self, now: float, running: tuple[str, ...], success: str, failure: str) -> str:
        """The status at ``now``: one of ``running`` in turn, then ``success`` or ``failure``."""
        if now >= self.finished_at:
            return failure if self.fails else success
        share = (now - self.created_at) / self.duration if self.duration > 0 else 0.0
        return running[min(int(share * len(running)), len(running) - 1)]


class ClientTokens:
    """ICE's idempotency: token -> (digest of the parameters, job id)."""

    def __init__(self) -> None:
        self._jobs: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def digest(params: Mapping[str, str]) -> str:
        """The parameters' digest (order does not matter)."""
        return hashlib.sha256(json.dumps(sorted(params.items())).encode()).hexdigest()

    def known_job(self, token: str, params: Mapping[str, str]) -> str | None:
        """The job this token made, or None; raises ``IdempotentParameterMismatch`` for other parameters."""
        with self._lock:
            known = self._jobs.get(token)
        if known is None:
            return None
        digest, job_id = known
        if digest != self.digest(params):
            raise EmulatorApiError(
                "IdempotentParameterMismatch",
                "The request uses the same client token as a previous, but non-identical request.",
                400,
            )
        return job_id

    def remember(self, token: str, params: Mapping[str, str], job_id: str) -> None:
        """Note the job a token made."""
        with self._lock:
            self._jobs[token] = (self.digest(params), job_id)

    def clear(self) -> None:
        """Forget every token."""
        with self._lock:
            self._jobs.clear()


class LifecycleActions:
    """Base of a media family's action group: a submit, a get, a job store and the token registry.

    A family sets the class attributes and implements :meth:`check` (ICE's validation, deciding
    whether the job fails) and :meth:`describe` (the get answer).

    :param env: the shared environment (clock, durations, counters, region).
    """

    SUBMIT: ClassVar[str]
    GET: ClassVar[str]
    RUNNING: ClassVar[tuple[str, ...]]
    SUCCESS: ClassVar[str]
    FAILURE: ClassVar[str]
    # Whether the submit takes ClientToken.
    TAKES_CLIENT_TOKEN: ClassVar[bool] = False
    # ICE's name of the job id: the get's parameter and the submit answer's key.
    JOB_ID: ClassVar[str] = "JobId"
    # ICE's list of the family's jobs by status and creation time, where it has one.
    LIST: ClassVar[ListShape | None] = None

    def __init__(self, env: ActionEnvironment) -> None:
        self.env = env
        self.jobs: JobStore[LifecycleJob] = JobStore()
        self.tokens = ClientTokens()
        self._reads_lock = threading.Lock()

    def handlers(self) -> Mapping[str, ActionHandler]:
        """The actions this group answers."""
        handlers: dict[str, ActionHandler] = {self.SUBMIT: self.submit, self.GET: self.get}
        if self.LIST is not None:
            handlers[self.LIST.action] = self.list_jobs
        return handlers

    def reset(self) -> None:
        """Forget every job and token."""
        self.jobs.clear()
        self.tokens.clear()

    def records(self) -> list[JobRecord]:
        """Every job with its get answer now."""
        now = self.env.clock()
        return [
            JobRecord(
                job.submit_action,
                job.job_id,
                self.describe(job, now),
                reads={"Running": job.reads_running, "Finished": job.reads_finished},
            )
            for job in self.jobs.values()
        ]

    def check(self, params: Mapping[str, str]) -> bool:
        """Validate the submit like ICE; return whether the job will fail."""
        raise NotImplementedError

    def describe(self, job: LifecycleJob, now: float) -> dict[str, Any]:
        """The get answer (without RequestId)."""
        raise NotImplementedError

    def submit_answer(self, job: LifecycleJob) -> dict[str, Any]:
        """The submit's answer (without RequestId)."""
        return {self.JOB_ID: job.job_id}

    def status(self, job: LifecycleJob, now: float) -> str:
        """The job's status at ``now``."""
        return job.phase(now, self.RUNNING, self.SUCCESS, self.FAILURE)

    def submit(self, params: Mapping[str, str]) -> dict[str, Any]:
        """Validate, then create the job (or answer with the one its ClientToken made)."""
        return self.create(self.SUBMIT, params, self.check, takes_client_token=self.TAKES_CLIENT_TOKEN)

    def create(
        self,
        action: str,
        params: Mapping[str, str],
        check: Callable[[Mapping[str, str]], bool],
        *,
        takes_client_token: bool,
    ) -> dict[str, Any]:
        """Validate with ``check``, then create a job of ``action`` (or answer with the one its
        ClientToken made; a token is ICE's per action).

        :param action: the submit action answered.
        :param params: the request's parameters.
        :param check: ICE's validation of the action's parameters; returns whether the job fails.
        :param takes_client_token: whether the action takes ``ClientToken``.
        """
        token = params.get(CLIENT_TOKEN) if takes_client_token else None
        # The action's own parameters: not the token, nor signature 1.0's common ones (nonce, time).
        placement = PLACEMENTS[action]
        takes = (placement.query | placement.body) - {CLIENT_TOKEN} - SIGNATURE_PARAMETERS
        job_params = {key: value for key, value in params.items() if key in takes}
        token_key = f"{action}:{token}"
        if token:
            known = self.tokens.known_job(token_key, job_params)
            if known is not None:
                return self.submit_answer(self.jobs.get(known))
        fails = check(job_params)
        job = LifecycleJob(
            job_id=uuid.uuid4().hex,
            params=job_params,
            created_at=self.env.clock(),
            duration=self.env.timing.duration(),
            fails=fails,
            submit_action=action,
        )
        self.jobs.add(job.job_id, job)
        if token:
            self.tokens.remember(token_key, job_params, job.job_id)
        self.env.counters.job_submitted(action)
        return self.submit_answer(job)

    def get(self, params: Mapping[str, str]) -> dict[str, Any]:
        """The job as ICE describes it now."""
        job, now = self.jobs.get(required(params, self.JOB_ID)), self.env.clock()
        self.note_read(job, now)
        return self.describe(job, now)

    def note_read(self, job: LifecycleJob, now: float) -> None:
        """Count one Get of ``job`` answered at ``now``: while it ran, or once it had finished."""
        with self._reads_lock:
            if self.status(job, now) in self.RUNNING:
                job.reads_running += 1
            else:
                job.reads_finished += 1

    def list_jobs(self, params: Mapping[str, str]) -> dict[str, Any]:
        """A page of the family's jobs by status and creation time (:attr:`LIST`)."""
        if self.LIST is None:
            raise NotImplementedError(f"{self.SUBMIT}'s family has no list")
        now = self.env.clock()
        jobs = [
            (job.created_at, job.job_id, self.status(job, now), self._job_object(job, now))
            for job in self.jobs.values()
        ]
        return self.LIST.page(params, jobs)

    def _job_object(self, job: LifecycleJob, now: float) -> Callable[[], dict[str, Any]]:
        """The job object of its Get's answer at ``now`` (the answer's one key's value), when asked for."""

        def described() -> dict[str, Any]:
            (found,) = self.describe(job, now).values()
            return dict(found)

        return described
