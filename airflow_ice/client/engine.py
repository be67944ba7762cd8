"""The ICE engine: one connection's calls, from parameters to a parsed answer, sync and async.

For each attempt it waits for the action's adaptive pace (:mod:`airflow_ice.client.adaptive_rate`)
and the connection's cap, takes the credentials to sign with, signs afresh (nonce, timestamp),
sends through a transport within one deadline and size cap, and has
:mod:`airflow_ice.client.outcome` judge the answer (a throttling one slows the action's pace). Tenacity runs the attempts that the verdict
allows. No Airflow import: :class:`~airflow_ice.hooks.ice.IceHook` is the Airflow face.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, NamedTuple, Protocol

from tenacity import AsyncRetrying, RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from airflow_ice.client.adaptive_rate import ADAPTIVE_RATES, AdaptiveRate, AdaptiveRates
from airflow_ice.client.config import IceConnectionConfig
from airflow_ice.client.deadline import seconds_left
from airflow_ice.client.outcome import (
    AnswerCheck,
    AnswerReader,
    Endpoint,
    Outcome,
    ReadT,
    Verdict,
    judge_answer,
    judge_failure,
    refused,
)
from airflow_ice.client.pool import (
    KEEPALIVE_EXPIRY,
    MAX_CONNECTIONS,
    SHARED_CLIENTS,
    AsyncClientPool,
    ClientLease,
    EndpointIdentity,
)
from airflow_ice.client.rate_limit import RATE_LIMITERS, TokenBucket
from airflow_ice.client.retry import BackoffWait, aretried_after, retried_after
from airflow_ice.client.signing import Credentials
from airflow_ice.client.tls import TlsSettings, ssl_context_for
from airflow_ice.client.transport import AnswerLimits, SyncTransport, TransportFailure
from airflow_ice.client.wire import WireRequest, WireResponse, signed_request, to_wire_params
from airflow_ice.errors import IceCallDeadlineError, IceCredentialsUnavailableError, IceError

log = logging.getLogger("airflow_ice.client")

# Actions whose repetition cannot create or change anything: safe to retry after a lost answer.
_IDEMPOTENT_PREFIXES = ("Get", "Query", "List", "Describe", "Search", "BatchGet", "Cancel", "Precheck")

OnRetry = Callable[[str, int, str, float], None]
"""Told of each retry: the action, the attempt that failed, what happened, and the wait in seconds."""


# ICE's idempotency token: a call carrying it is answered with the same job however often it is sent.
CLIENT_TOKEN = "ClientToken"


def is_idempotent(
    action: str, params: Mapping[str, Any] | None = None, body: Mapping[str, Any] | None = None
) -> bool:
    """Whether repeating the call is harmless: reads and cancels (judged from the action's name), and
    any call carrying ICE's ``ClientToken`` (ICE answers a resent submit with the job it made)."""
    if action.startswith(_IDEMPOTENT_PREFIXES):
        return True
    return any(bool(part and part.get(CLIENT_TOKEN)) for part in (params, body))


class CredentialsSource(Protocol):
    """Where the credentials to sign each attempt with come from."""

    def get_credentials(self) -> Credentials:
        """The credentials to sign with now (may fetch temporary ones)."""
        ...

    async def aget_credentials(self) -> Credentials:
        """Async :meth:`get_credentials`, never blocking the loop."""
        ...


class PreparedCall(NamedTuple):
    """One call's parameters as sent, and how its outcome is judged (made once per call: a named
    tuple, quicker to make than a frozen dataclass).

    :param action: the API action.
    :param query: parameters of the query string.
    :param body: parameters of the form body.
    :param idempotent: whether an unknown outcome may be retried.
    :param tag: the ``UserData`` sent, to find a job whose submit had an unknown outcome.
    :param check: what a 2xx answer must satisfy to be done.
    :param read: what makes a 2xx answer's bytes into the call's result (see :meth:`IceClient.read`).
    """

    action: str
    query: dict[str, str]
    body: dict[str, str]
    idempotent: bool
    tag: str | None
    check: AnswerCheck | None
    read: AnswerReader[Any] | None

    @classmethod
    def of(
        cls,
        action: str,
        params: Mapping[str, Any] | None,
        body: Mapping[str, Any] | None,
        idempotent: bool | None,
        check: AnswerCheck | None,
        read: AnswerReader[Any] | None = None,
    ) -> PreparedCall:
        """Validate the action and turn the parameters into wire strings."""
        if not action or not action.isalnum():
            raise ValueError(
                f"action {action!r} is not an ICE API action name such as 'QueryIProductionJob'."
            )
        query, form = to_wire_params(params), to_wire_params(body)
        return cls(
            action,
            query,
            form,
            is_idempotent(action, query, form) if idempotent is None else idempotent,
            query.get("UserData") or form.get("UserData"),
            check,
            read,
        )


class _FailedAttempt(Exception):
    """Carries a verdict through tenacity (which decides by exceptions)."""

    def __init__(self, verdict: Verdict) -> None:
        self.verdict = verdict
        super().__init__(str(verdict.error))

    @property
    def retry_after(self) -> float | None:
        """The server's requested wait, read by :class:`~airflow_ice.client.retry.BackoffWait`."""
        return getattr(self.verdict.error, "retry_after", None)


_warned: set[tuple[str, str]] = set()
_warned_lock = threading.Lock()


def _warn_once(config: IceConnectionConfig) -> None:
    for warning in config.transport_warnings():
        with _warned_lock:
            if (config.base_url, warning) in _warned:
                continue
            _warned.add((config.base_url, warning))
        log.warning(warning)


class IceClient:
    """Signed, limited, retried calls to one ICE connection; sync and async.

    :param config: the connection's settings.
    :param credentials: the credentials to sign each attempt with.
    :param backoff: the wait between attempts.
    :param on_retry: told of each retry (for the caller's log).
    :param pool: where the async transport is leased from.
    :param paces: the adaptive pace of each action (the process-wide ones by default).
    """

    def __init__(
        self,
        config: IceConnectionConfig,
        credentials: CredentialsSource,
        *,
        backoff: BackoffWait | None = None,
        on_retry: OnRetry | None = None,
        pool: AsyncClientPool | None = None,
        paces: AdaptiveRates | None = None,
    ) -> None:
        self.config = config
        self._credentials = credentials
        self._backoff = backoff or BackoffWait()
        self._on_retry = on_retry
        self._pool = pool or SHARED_CLIENTS
        self._limits = AnswerLimits(config.timeout, config.max_response_bytes)
        identity = EndpointIdentity.of(config)
        self._identity = identity
        self._paces = paces or ADAPTIVE_RATES
        self._action_paces: dict[str, AdaptiveRate] = {}
        self._limiter: TokenBucket | None = (
            None
            if config.max_requests_per_second is None
            else RATE_LIMITERS.limiter_for(identity, config.max_requests_per_second)
        )
        self._endpoint = Endpoint(config.base_url, config.conn_id, config.region, config.explicit_endpoint)
        self._sync: SyncTransport | None = None
        self._lease: ClientLease | None = None
        _warn_once(config)

    def __repr__(self) -> str:
        return f"IceClient({self.config.base_url}, connection {self.config.conn_id!r})"

    # Sync

    def call(
        self,
        action: str,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        *,
        idempotent: bool | None = None,
        check: AnswerCheck | None = None,
    ) -> dict[str, Any]:
        """Call ``action`` and return its JSON answer (see :meth:`IceHook.call`)."""
        answer: dict[str, Any] = self._run(PreparedCall.of(action, params, body, idempotent, check))
        return answer

    def read(
        self, action: str, params: Mapping[str, Any] | None, reader: AnswerReader[ReadT] | None
    ) -> ReadT | dict[str, Any]:
        """Call the read ``action``; its answer as ``reader`` makes it straight from the bytes, or
        its JSON answer when ``reader`` is None or declines (the answer escapes a character, or does
        not validate whole).

        :param action: a read (a Get or Query action).
        :param params: its query parameters.
        :param reader: see :data:`~airflow_ice.client.outcome.AnswerReader`.
        """
        return self._run(PreparedCall.of(action, params, None, None, None, reader))

    def _run(self, call: PreparedCall) -> Any:
        pace = self._pace_of(call.action)
        try:
            try:
                return self._attempt(call, pace)
            except _FailedAttempt as failed:
                if not failed.verdict.may_retry(call.idempotent):
                    raise
                return retried_after(
                    failed, partial(self._attempt, call, pace), lambda: Retrying(**self._retrying(call))
                )
        except _FailedAttempt as failed:
            raise self._final_error(call, failed) from None

    def _attempt(self, call: PreparedCall, pace: AdaptiveRate) -> Any:
        epoch = pace.go_if_unpaced()
        if epoch is None:
            epoch = pace.acquire_blocking()
        if self._limiter is not None:
            self._limiter.acquire_blocking()
        limits = self._limits_now(call.action)  # after any wait for a slot, which the deadline bounds too
        try:
            credentials = self._credentials.get_credentials()
        except IceCredentialsUnavailableError as exc:
            raise _FailedAttempt(refused(exc, retryable=True)) from exc
        request = signed_request(self.config, credentials, call.action, call.query, call.body)
        try:
            response = self._sync_transport().send(request, limits)
        except TransportFailure as failure:
            raise _FailedAttempt(judge_failure(call.action, failure, self._endpoint)) from failure
        return self._done_or_raise(call, request, response, pace, epoch)

    def _sync_transport(self) -> SyncTransport:
        if self._sync is None:
            from airflow_ice.client.httpx_transport import SyncHttpTransport

            context = ssl_context_for(TlsSettings.of(self.config))
            self._sync = SyncHttpTransport(context, self.config.base_url, MAX_CONNECTIONS, KEEPALIVE_EXPIRY)
        return self._sync

    def close(self) -> None:
        """Close the sync transport's connections."""
        sync, self._sync = self._sync, None
        if sync is not None:
            sync.close()

    # Async

    async def acall(
        self,
        action: str,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        *,
        idempotent: bool | None = None,
        check: AnswerCheck | None = None,
    ) -> dict[str, Any]:
        """Async :meth:`call`: the same signing, outcomes and retries, never blocking the loop."""
        answer: dict[str, Any] = await self._arun(PreparedCall.of(action, params, body, idempotent, check))
        return answer

    async def aread(
        self, action: str, params: Mapping[str, Any] | None, reader: AnswerReader[ReadT] | None
    ) -> ReadT | dict[str, Any]:
        """Async :meth:`read`."""
        return await self._arun(PreparedCall.of(action, params, None, None, None, reader))

    async def _arun(self, call: PreparedCall) -> Any:
        lease = self._open_lease() or await self.alease()
        pace = self._pace_of(call.action)
        try:
            try:
                return await self._aattempt(call, lease, pace)
            except _FailedAttempt as failed:
                if not failed.verdict.may_retry(call.idempotent):
                    raise
                return await aretried_after(
                    failed,
                    partial(self._aattempt, call, lease, pace),
                    lambda: AsyncRetrying(**self._retrying(call)),
                )
        except _FailedAttempt as failed:
            raise self._final_error(call, failed) from None

    async def _aattempt(self, call: PreparedCall, lease: ClientLease, pace: AdaptiveRate) -> Any:
        epoch = pace.go_if_unpaced()
        if epoch is None:
            epoch = await pace.acquire()
        if self._limiter is not None:
            await self._limiter.acquire()
        limits = self._limits_now(call.action)  # after any wait for a slot, which the deadline bounds too
        try:
            credentials = await self._credentials.aget_credentials()
        except IceCredentialsUnavailableError as exc:
            raise _FailedAttempt(refused(exc, retryable=True)) from exc
        signed: list[WireRequest] = []

        def sign() -> WireRequest:
            # Signed only once a slot is free: the signature's timestamp stays fresh.
            signed.append(signed_request(self.config, credentials, call.action, call.query, call.body))
            return signed[0]

        try:
            response = await lease.send(sign, limits)
        except TransportFailure as failure:
            raise _FailedAttempt(judge_failure(call.action, failure, self._endpoint)) from failure
        return self._done_or_raise(call, signed[0], response, pace, epoch)

    async def alease(self) -> ClientLease:
        """This client's lease on the shared async transport (taken on first use)."""
        lease = self._open_lease()
        if lease is not None:
            return lease
        # None yet, or one whose transport closed with an earlier event loop (a second asyncio.run).
        self._lease = None
        acquired = await self._pool.acquire(self.config)
        if self._lease is None:
            self._lease = acquired
            return acquired
        # Concurrent first calls (asyncio.gather) each acquired one; a client holds one lease,
        # or aclose() would leave the others holding the shared transport open for good.
        await acquired.release()
        return self._lease

    def _open_lease(self) -> ClientLease | None:
        # The lease taken, while it can send (checked on every call without awaiting alease()).
        lease = self._lease
        return None if lease is None or lease.closed else lease

    async def aclose(self) -> None:
        """Let go of the shared async transport (the last user closes its connections)."""
        lease, self._lease = self._lease, None
        if lease is not None:
            await lease.release()

    # Shared by both paths

    def _pace_of(self, action: str) -> AdaptiveRate:
        pace = self._action_paces.get(action)
        if pace is None:
            pace = self._action_paces[action] = self._paces.for_action(self._identity, action)
        return pace

    def _limits_now(self, action: str) -> AnswerLimits:
        left = seconds_left()
        if left is None or left >= self._limits.timeout:
            return self._limits
        if left <= 0:
            raise IceCallDeadlineError(action)
        return AnswerLimits(left, self._limits.max_bytes)

    def _done_or_raise(
        self, call: PreparedCall, request: WireRequest, response: WireResponse, pace: AdaptiveRate, epoch: int
    ) -> Any:
        verdict = judge_answer(
            call.action, response, request.scrub, self.config.max_response_bytes, call.check, call.read
        )
        if verdict.throttled:
            pace.throttled(epoch)
        if verdict.outcome is Outcome.DONE:
            if verdict.answer is None:
                return verdict.made  # made by the call's reader from bytes that hold no secret
            # An answer that echoes this request's secret, STS token or signature (e.g. in a URL
            # presigned with the caller's token) reaches parsed jobs, XCom and events without them.
            answer: dict[str, Any] = request.scrub.in_json_value(verdict.answer, verdict.source)
            return answer
        raise _FailedAttempt(verdict)

    @staticmethod
    def _retryable(call: PreparedCall) -> Callable[[BaseException], bool]:
        def may_retry(exc: BaseException) -> bool:
            return isinstance(exc, _FailedAttempt) and exc.verdict.may_retry(call.idempotent)

        return may_retry

    @staticmethod
    def _final_error(call: PreparedCall, failed: _FailedAttempt) -> IceError:
        return failed.verdict.error_for(call.action, call.idempotent, call.tag)

    def _retrying(self, call: PreparedCall) -> dict[str, Any]:
        return {
            "stop": stop_after_attempt(self.config.max_retries + 1),
            "wait": self._backoff,
            "retry": retry_if_exception(self._retryable(call)),
            "reraise": True,
            "before_sleep": self._told_of_retry(call.action),
        }

    def _told_of_retry(self, action: str) -> Callable[[RetryCallState], None]:
        def tell(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            wait = state.next_action.sleep if state.next_action else 0.0
            what = str(exc) if exc else "no result"
            if self._on_retry is not None:
                self._on_retry(action, state.attempt_number, what, wait)
            else:
                log.warning(
                    "ICE %s attempt %d failed (%s); retrying in %.1fs",
                    action,
                    state.attempt_number,
                    what,
                    wait,
                )

        return tell


__all__ = ["CLIENT_TOKEN", "CredentialsSource", "IceClient", "OnRetry", "PreparedCall", "is_idempotent"]
