"""The ICE hook: signed, retried, pooled calls to Alibaba Cloud Intelligent Media Services."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from airflow.providers.common.compat.connection import get_async_connection, get_async_extra_dejson
from airflow.providers.common.compat.sdk import BaseHook, mask_secret
from tenacity import AsyncRetrying, RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from airflow_ice.client_pool import (
    CONNECTION_READS,
    SHARED_CLIENTS,
    ClientLease,
    EndpointIdentity,
    TlsSettings,
    ssl_context_for,
)
from airflow_ice.connection import IceConnectionConfig, config_from_connection
from airflow_ice.credentials import CredentialsProvider, resolve_credentials_provider
from airflow_ice.errors import (
    IceApiError,
    IceAuthError,
    IceError,
    IceOutcomeUnknownError,
    IceResponseError,
)
from airflow_ice.models import (
    IProductionJob,
    IProductionJobRequest,
    SubmitJobResponse,
    YikeAIAppJob,
    YikeAIAppJobList,
    YikeAIAppJobRequest,
    YikeAIAppPrecheck,
    YikeStoryboardJob,
    YikeStoryboardJobRequest,
    validate_request,
)
from airflow_ice.rate_limit import RATE_LIMITERS, TokenBucket
from airflow_ice.retry import (
    BackoffWait,
    Outcome,
    acall_with_retries,
    call_with_retries,
    classify,
    describe,
)
from airflow_ice.signing import Credentials
from airflow_ice.transport import (
    Answer,
    build_request,
    install_log_redaction,
    parse_response,
    signed_request,
    to_wire_params,
)

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Connection

RequestT = TypeVar("RequestT", IProductionJobRequest, YikeStoryboardJobRequest, YikeAIAppJobRequest)

# Actions whose repetition cannot create or change anything: safe to retry after a lost answer.
_IDEMPOTENT_PREFIXES = ("Get", "Query", "List", "Describe", "Search", "BatchGet", "Cancel", "Precheck")

install_log_redaction()

_POOL_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30.0)


def is_idempotent(action: str) -> bool:
    """Whether repeating ``action`` is harmless (reads and cancels), judged from its name."""
    return action.startswith(_IDEMPOTENT_PREFIXES)


class IceHook(BaseHook):
    """Signed calls to Alibaba Cloud ICE, sync and async, over pooled httpx clients.

    Every call is signed afresh per attempt (nonce, timestamp) and retried with exponential
    backoff and jitter on throttling, 5xx, timeouts and connection errors, up to the
    connection's ``max_retries``. Submits, which ICE cannot deduplicate, are retried only when
    ICE surely did not take them (connection refused, throttling, 503); when the answer is lost
    they raise :class:`~airflow_ice.errors.IceOutcomeUnknownError` instead.

    :param ice_conn_id: the Airflow connection (type ``alibaba_ice`` or ``alibaba_cloud``).
    :param retry_wait_initial: first backoff wait in seconds (doubles per retry, with jitter).
    :param retry_wait_max: the longest backoff wait in seconds.
    """

    conn_name_attr = "ice_conn_id"
    default_conn_name = "ice_default"
    conn_type = "alibaba_ice"
    hook_name = "Alibaba Cloud ICE"

    def __init__(
        self,
        ice_conn_id: str = default_conn_name,
        *,
        retry_wait_initial: float = 0.5,
        retry_wait_max: float = 20.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.ice_conn_id = ice_conn_id
        self._backoff = BackoffWait(retry_wait_initial, retry_wait_max)
        self._config: IceConnectionConfig | None = None
        self._client: httpx.Client | None = None
        self._lease: ClientLease | None = None
        self._credentials: CredentialsProvider | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(ice_conn_id={self.ice_conn_id!r})"

    # Connection and clients

    @staticmethod
    def _config_from(conn: Connection, extra: Mapping[str, Any]) -> IceConnectionConfig:
        return config_from_connection(
            conn_id=conn.conn_id,
            login=conn.login,
            password=conn.password,
            extra=extra,
            host=conn.host,
            port=conn.port,
        )

    def get_config(self) -> IceConnectionConfig:
        """The validated connection settings, read once per hook (sync)."""
        if self._config is None:
            conn = self.get_connection(self.ice_conn_id)
            config = self._config_from(conn, conn.extra_dejson)
            if config.stored_credentials is not None:
                _mask_credentials(config.stored_credentials)
            self._config = config
        return self._config

    async def aget_config(self) -> IceConnectionConfig:
        """The validated connection settings, read once per hook without blocking the event loop."""
        if self._config is None:
            # Hooks reading the same connection at the same moment (a triggerer starting many
            # triggers) share one lookup.
            self._config = await CONNECTION_READS.read(self.ice_conn_id, self._aread_config)
        return self._config

    async def _aread_config(self) -> IceConnectionConfig:
        conn = await get_async_connection(self.ice_conn_id, hook=self)
        extra = await get_async_extra_dejson(conn)
        # Airflow's async connection API already registers the password and secret-named
        # extras with the masker; calling the sync mask_secret here could block the loop.
        return self._config_from(conn, extra)

    def credentials_provider(self, config: IceConnectionConfig) -> CredentialsProvider:
        """Where the connection's credentials come from, resolved once per hook (no I/O).

        :param config: the connection's settings.
        """
        if self._credentials is None:
            self._credentials = resolve_credentials_provider(
                config.stored_credentials,
                config.credential_settings,
                ssl_context_factory=functools.partial(ssl_context_for, TlsSettings.of(config)),
                on_new_credentials=_mask_credentials,
            )
        return self._credentials

    def _signing_config(self) -> IceConnectionConfig:
        """The settings with the credentials to sign with now (cached temporary ones are cheap)."""
        config = self.get_config()
        return _with_credentials(config, self.credentials_provider(config).get_credentials())

    async def _asigning_config(self) -> IceConnectionConfig:
        config = await self.aget_config()
        return _with_credentials(config, await self.credentials_provider(config).aget_credentials())

    def get_conn(self) -> httpx.Client:
        """The hook's pooled sync client, created on first use."""
        if self._client is None:
            config = self.get_config()
            self._client = httpx.Client(
                timeout=_timeout(config), limits=_POOL_LIMITS, verify=ssl_context_for(TlsSettings.of(config))
            )
        return self._client

    async def aget_conn(self) -> httpx.AsyncClient:
        """The async client: shared by every hook of the process with the same endpoint, credentials
        and TLS settings (see :mod:`airflow_ice.client_pool`). Do not close it; :meth:`aclose` the hook.
        """
        return (await self._alease()).client

    async def _alease(self) -> ClientLease:
        if self._lease is not None:
            return self._lease
        # The connection's own settings (not this moment's temporary credentials): the shared
        # client's key stays the same when temporary credentials are refreshed.
        acquired = await SHARED_CLIENTS.acquire(await self.aget_config())
        if self._lease is None:
            self._lease = acquired
            return acquired
        # Concurrent first calls of this hook (asyncio.gather) each acquired one; a hook holds one
        # lease, or aclose() would leave the others holding the shared client open for good.
        await acquired.release()
        return self._lease

    def close(self) -> None:
        """Close the sync client's connections."""
        if self._client is not None:
            self._client.close()
            self._client = None

    async def aclose(self) -> None:
        """Let go of the shared async client (the last hook using it closes its connections)."""
        lease, self._lease = self._lease, None
        if lease is not None:
            await lease.release()

    def __enter__(self) -> IceHook:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> IceHook:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # Generic calls

    def call(
        self,
        action: str,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        *,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        """Call any ICE action and return its JSON answer.

        :param action: the API action, e.g. ``QueryIProductionJob``.
        :param params: parameters sent in the query string; dicts and lists become compact JSON.
        :param body: parameters sent form-encoded in the body.
        :param idempotent: whether a lost answer may be retried; by default true for reads and
            cancels (``Get*``, ``Query*``, ``List*``, ...), false otherwise.
        :raises IceApiError: ICE answered with an error (typed by code).
        :raises IceOutcomeUnknownError: a non-idempotent call whose answer was lost.
        """
        query, form, retry_lost, tag = _prepare(action, params, body, idempotent)
        config = self._signing_config()
        client = self.get_conn()
        limiter = _rate_limiter(config)

        def attempt() -> dict[str, Any]:
            if limiter is not None:
                limiter.acquire_blocking()
            signing = self._signing_config()  # temporary credentials may have been refreshed
            try:
                response = client.send(build_request(signing, action, query, form))
            except httpx.TransportError as exc:
                raise _unless_retryable(exc, action, retry_lost, tag) from exc
            return _parse(action, response, retry_lost, tag)

        retryable = _retryable(retry_lost)
        return call_with_retries(
            attempt, retryable, lambda: Retrying(**self._retry_kwargs(config, action, retryable))
        )

    async def acall(
        self,
        action: str,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        *,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        """Async :meth:`call`: the same signing, retries and errors, never blocking the loop."""
        query, form, retry_lost, tag = _prepare(action, params, body, idempotent)
        config = await self._asigning_config()
        lease = await self._alease()
        limiter = _rate_limiter(config)

        async def attempt() -> dict[str, Any]:
            if limiter is not None:
                await limiter.acquire()
            signing = await self._asigning_config()  # temporary credentials may have been refreshed
            try:
                # Signed only once a slot is free: the signature's timestamp stays fresh.
                response = await lease.send(lambda: signed_request(signing, action, query, form))
            except httpx.TransportError as exc:
                raise _unless_retryable(exc, action, retry_lost, tag) from exc
            return _parse(action, response, retry_lost, tag)

        retryable = _retryable(retry_lost)
        return await acall_with_retries(
            attempt, retryable, lambda: AsyncRetrying(**self._retry_kwargs(config, action, retryable))
        )

    def _retry_kwargs(
        self, config: IceConnectionConfig, action: str, retryable: Callable[[BaseException], bool]
    ) -> dict[str, Any]:
        return {
            "stop": stop_after_attempt(config.max_retries + 1),
            "wait": self._backoff,
            "retry": retry_if_exception(retryable),
            "reraise": True,
            "before_sleep": self._log_retry(action),
        }

    def _log_retry(self, action: str) -> Callable[[RetryCallState], None]:
        def log(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            wait = state.next_action.sleep if state.next_action else 0.0
            self.log.warning(
                "ICE %s attempt %d failed (%s); retrying in %.1fs",
                action,
                state.attempt_number,
                describe(exc) if exc else "no result",
                wait,
            )

        return log

    # IProduction jobs

    def submit_iproduction_job(self, request: IProductionJobRequest | Mapping[str, Any]) -> str:
        """Submit an IProduction job (cover, clip, caption, ... see ``FunctionName``) and return its id.

        :param request: the job, as an :class:`IProductionJobRequest` or a dict of its fields;
            validated before anything is sent.
        """
        job = _as_request(IProductionJobRequest, request)
        return _job_id("SubmitIProductionJob", self.call("SubmitIProductionJob", job.to_query()))

    async def asubmit_iproduction_job(self, request: IProductionJobRequest | Mapping[str, Any]) -> str:
        """Async :meth:`submit_iproduction_job`."""
        job = _as_request(IProductionJobRequest, request)
        return _job_id("SubmitIProductionJob", await self.acall("SubmitIProductionJob", job.to_query()))

    def query_iproduction_job(self, job_id: str) -> IProductionJob:
        """The IProduction job's status and parsed result.

        :param job_id: the job id returned by the submit.
        """
        return IProductionJob.from_response(self.call("QueryIProductionJob", {"JobId": _job_id_arg(job_id)}))

    async def aquery_iproduction_job(self, job_id: str) -> IProductionJob:
        """Async :meth:`query_iproduction_job`."""
        data = await self.acall("QueryIProductionJob", {"JobId": _job_id_arg(job_id)})
        return IProductionJob.from_response(data)

    def cancel_iproduction_job(self, job_id: str) -> None:
        """Cancel a queued or running IProduction job.

        :param job_id: the job id returned by the submit.
        """
        self.call("CancelIProductionJob", {"JobId": _job_id_arg(job_id)})

    async def acancel_iproduction_job(self, job_id: str) -> None:
        """Async :meth:`cancel_iproduction_job`."""
        await self.acall("CancelIProductionJob", {"JobId": _job_id_arg(job_id)})

    # Yike storyboard jobs

    def submit_yike_storyboard_job(self, request: YikeStoryboardJobRequest | Mapping[str, Any]) -> str:
        """Submit a Yike novel-to-video storyboard job and return its id.

        :param request: the job, as a :class:`YikeStoryboardJobRequest` or a dict of its fields;
            validated before anything is sent.
        """
        job = _as_request(YikeStoryboardJobRequest, request)
        data = self.call("SubmitYikeStoryboardJob", job.to_query(), job.to_body())
        return _job_id("SubmitYikeStoryboardJob", data)

    async def asubmit_yike_storyboard_job(self, request: YikeStoryboardJobRequest | Mapping[str, Any]) -> str:
        """Async :meth:`submit_yike_storyboard_job`."""
        job = _as_request(YikeStoryboardJobRequest, request)
        data = await self.acall("SubmitYikeStoryboardJob", job.to_query(), job.to_body())
        return _job_id("SubmitYikeStoryboardJob", data)

    def get_yike_storyboard_job(self, job_id: str) -> YikeStoryboardJob:
        """The storyboard job's status, parameters and decoded result.

        :param job_id: the job id returned by the submit.
        """
        return YikeStoryboardJob.from_response(
            self.call("GetYikeStoryboardJob", {"JobId": _job_id_arg(job_id)})
        )

    async def aget_yike_storyboard_job(self, job_id: str) -> YikeStoryboardJob:
        """Async :meth:`get_yike_storyboard_job`."""
        data = await self.acall("GetYikeStoryboardJob", {"JobId": _job_id_arg(job_id)})
        return YikeStoryboardJob.from_response(data)

    def resume_yike_storyboard_job(self, job_id: str) -> None:
        """Resume a failed storyboard job (ICE has no cancel for storyboard jobs).

        :param job_id: the job id returned by the submit.
        """
        self.call("ResumeYikeStoryboardJob", {"JobId": _job_id_arg(job_id)})

    async def aresume_yike_storyboard_job(self, job_id: str) -> None:
        """Async :meth:`resume_yike_storyboard_job`."""
        await self.acall("ResumeYikeStoryboardJob", {"JobId": _job_id_arg(job_id)})

    # Yike AI application jobs

    def submit_yike_ai_app_job(self, request: YikeAIAppJobRequest | Mapping[str, Any]) -> str:
        """Submit a Yike AI application job (parameters in the body) and return its id.

        :param request: the job, as a :class:`YikeAIAppJobRequest` or a dict of its fields;
            validated before anything is sent.
        """
        job = _as_request(YikeAIAppJobRequest, request)
        return _job_id("SubmitYikeAIAppJob", self.call("SubmitYikeAIAppJob", body=job.to_body()))

    async def asubmit_yike_ai_app_job(self, request: YikeAIAppJobRequest | Mapping[str, Any]) -> str:
        """Async :meth:`submit_yike_ai_app_job`."""
        job = _as_request(YikeAIAppJobRequest, request)
        return _job_id("SubmitYikeAIAppJob", await self.acall("SubmitYikeAIAppJob", body=job.to_body()))

    def get_yike_ai_app_job(self, job_id: str) -> YikeAIAppJob:
        """The AI application job's status, parameters and outputs.

        :param job_id: the job id returned by the submit.
        """
        return YikeAIAppJob.from_response(self.call("GetYikeAIAppJob", {"JobId": _job_id_arg(job_id)}))

    async def aget_yike_ai_app_job(self, job_id: str) -> YikeAIAppJob:
        """Async :meth:`get_yike_ai_app_job`."""
        return YikeAIAppJob.from_response(await self.acall("GetYikeAIAppJob", {"JobId": _job_id_arg(job_id)}))

    def batch_get_yike_ai_app_jobs(self, job_ids: Sequence[str]) -> list[YikeAIAppJob]:
        """Several AI application jobs in one call (BatchGetYikeAIAppJob), in ICE's order.

        ICE may leave ids out (unknown jobs); items it sends that cannot be read are left out too.
        ICE publishes no maximum number of ids: keep batches small.

        :param job_ids: the job ids (duplicates are sent once).
        """
        data = self.call("BatchGetYikeAIAppJob", {"JobIds": _job_ids_arg(job_ids)})
        return YikeAIAppJobList.from_response(data).jobs

    async def abatch_get_yike_ai_app_jobs(self, job_ids: Sequence[str]) -> list[YikeAIAppJob]:
        """Async :meth:`batch_get_yike_ai_app_jobs`."""
        data = await self.acall("BatchGetYikeAIAppJob", {"JobIds": _job_ids_arg(job_ids)})
        return YikeAIAppJobList.from_response(data).jobs

    def precheck_yike_ai_app_job(self, request: YikeAIAppJobRequest | Mapping[str, Any]) -> YikeAIAppPrecheck:
        """Ask ICE whether it accepts the application parameters, without running (or paying for) a job.

        :param request: the job as for :meth:`submit_yike_ai_app_job` (only AppId and AppParams are checked).
        """
        job = _as_request(YikeAIAppJobRequest, request)
        return YikeAIAppPrecheck.from_response(self.call("PrecheckYikeAIAppJob", job.to_precheck_query()))

    async def aprecheck_yike_ai_app_job(
        self, request: YikeAIAppJobRequest | Mapping[str, Any]
    ) -> YikeAIAppPrecheck:
        """Async :meth:`precheck_yike_ai_app_job`."""
        job = _as_request(YikeAIAppJobRequest, request)
        data = await self.acall("PrecheckYikeAIAppJob", job.to_precheck_query())
        return YikeAIAppPrecheck.from_response(data)

    # Airflow UI

    def test_connection(self) -> tuple[bool, str]:
        """Check the credentials and endpoint with a harmless query of a job that does not exist."""
        try:
            config = self.get_config()
            source = self.credentials_provider(config).describe()
            self.call("QueryIProductionJob", {"JobId": "airflow-ice-connection-test"})
        except IceAuthError as exc:
            return False, str(exc)
        except IceApiError as exc:
            # Any other answer means ICE verified the signature: the credentials work.
            return True, (
                f"Connection works: ICE at {config.base_url} accepted the credentials from {source} ({exc.code})."
            )
        except (IceError, httpx.HTTPError) as exc:
            return False, f"Cannot use the connection: {describe(exc)}"
        finally:
            self.close()
        return True, f"Connection works: ICE at {config.base_url} accepted the credentials from {source}."


def _with_credentials(config: IceConnectionConfig, credentials: Credentials) -> IceConnectionConfig:
    return config if credentials is config.credentials else replace(config, credentials=credentials)


def _mask_credentials(credentials: Credentials) -> None:
    """Register a secret and STS token with Airflow's log masker."""
    mask_secret(credentials.access_key_secret)
    if credentials.security_token:
        mask_secret(credentials.security_token)


def _rate_limiter(config: IceConnectionConfig) -> TokenBucket | None:
    if config.max_requests_per_second is None:
        return None
    return RATE_LIMITERS.limiter_for(EndpointIdentity.of(config), config.max_requests_per_second)


def _timeout(config: IceConnectionConfig) -> httpx.Timeout:
    return httpx.Timeout(config.timeout, connect=min(config.timeout, 10.0))


def _prepare(
    action: str,
    params: Mapping[str, Any] | None,
    body: Mapping[str, Any] | None,
    idempotent: bool | None,
) -> tuple[dict[str, str], dict[str, str], bool, str | None]:
    if not action or not action.isalnum():
        raise ValueError(f"action {action!r} is not an ICE API action name such as 'QueryIProductionJob'.")
    query, form = to_wire_params(params), to_wire_params(body)
    retry_lost = is_idempotent(action) if idempotent is None else idempotent
    return query, form, retry_lost, query.get("UserData") or form.get("UserData")


def _retryable(retry_lost: bool) -> Callable[[BaseException], bool]:
    """Whether a failed attempt may be retried: surely not taken, or lost and safe to repeat."""

    def should_retry(exc: BaseException) -> bool:
        outcome = classify(exc)
        return outcome is Outcome.NOT_TAKEN or (retry_lost and outcome is Outcome.UNKNOWN)

    return should_retry


def _unless_retryable(exc: BaseException, action: str, retry_lost: bool, tag: str | None) -> BaseException:
    """Turn a lost answer to a non-idempotent call into an outcome-unknown error (never retried)."""
    if not retry_lost and classify(exc) is Outcome.UNKNOWN:
        return IceOutcomeUnknownError(action, tag, describe(exc))
    return exc


def _parse(action: str, response: Answer, retry_lost: bool, tag: str | None) -> dict[str, Any]:
    try:
        return parse_response(action, response)
    except IceApiError as exc:
        raised = _unless_retryable(exc, action, retry_lost, tag)
        if raised is exc:
            raise
        raise raised from exc


def _as_request(model: type[RequestT], request: RequestT | Mapping[str, Any]) -> RequestT:
    if isinstance(request, model):
        return request
    if isinstance(request, Mapping):
        return validate_request(model, request)
    raise TypeError(
        f"request must be a {model.__name__} or a dict of its fields, not {type(request).__name__}"
    )


def _job_id_arg(job_id: str) -> str:
    if not isinstance(job_id, str) or not job_id.strip():
        raise ValueError(f"job_id must be a non-empty string, got {job_id!r}.")
    return job_id.strip()


def _job_ids_arg(job_ids: Sequence[str]) -> str:
    if isinstance(job_ids, str) or not isinstance(job_ids, Sequence):
        raise ValueError(f"job_ids must be a list of job ids, got {job_ids!r:.100}.")
    unique = dict.fromkeys(_job_id_arg(job_id) for job_id in job_ids)
    if not unique:
        raise ValueError("job_ids must name at least one job.")
    if any("," in job_id for job_id in unique):
        raise ValueError("a job id must not contain a comma (JobIds is a comma-separated list).")
    return ",".join(unique)


def _job_id(action: str, data: Mapping[str, Any]) -> str:
    try:
        return SubmitJobResponse.model_validate(data).job_id
    except ValueError:
        raise IceResponseError(action, "the answer has no JobId", repr(dict(data))) from None


__all__ = ["IceHook", "is_idempotent"]
