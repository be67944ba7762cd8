"""The ICE hook: signed, retried, pooled calls to Alibaba Cloud Intelligent Media Services."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.connection import get_async_connection, get_async_extra_dejson
from airflow.providers.common.compat.sdk import BaseHook, mask_secret

from airflow_ice.client.config import IceConnectionConfig, config_from_connection
from airflow_ice.client.connection_type import CONN_TYPE, DEFAULT_CONN_ID
from airflow_ice.errors import IceApiError, IceAuthError, IceError, IceResponseError
from airflow_ice.families import family_named
from airflow_ice.hooks.connection_reads import CONNECTION_READS
from airflow_ice.jobs.family import AnyFamily, JobFamily, JobT, RequestT
from airflow_ice.jobs.list_check import MAX_PAGE_SIZE, JobListPage, ListCheck
from airflow_ice.models.request_fields import client_token_text
from airflow_ice.models.validation import validate_request

if TYPE_CHECKING:
    import httpx
    from airflow.providers.common.compat.sdk import Connection

    from airflow_ice.client.engine import IceClient
    from airflow_ice.client.signing import Credentials
    from airflow_ice.credentials import CredentialsProvider
    from airflow_ice.models import (
        AsrJobRequest,
        AudioProduceJobRequest,
        AvatarVideoJobRequest,
        BatchMediaProducingJob,
        BatchMediaProducingJobRequest,
        DynamicImageJob,
        DynamicImageJobRequest,
        HighlightExtractionJobRequest,
        IProductionJob,
        IProductionJobRequest,
        MediaCensorJob,
        MediaCensorJobRequest,
        MediaConvertJob,
        MediaConvertJobRequest,
        MediaInfoJob,
        MediaInfoJobRequest,
        MediaProducingJob,
        MediaProducingJobRequest,
        PackageJob,
        PackageJobRequest,
        SegmentationJobRequest,
        SmartHandleJob,
        SmarttagJob,
        SmarttagJobRequest,
        SnapshotJob,
        SnapshotJobRequest,
        TranscodeJob,
        TranscodeJobRequest,
        VideoTranslationJobRequest,
        YikeAIAppJob,
        YikeAIAppJobRequest,
        YikeAIAppPrecheck,
        YikeStoryboardJob,
        YikeStoryboardJobRequest,
    )


def is_idempotent(
    action: str, params: Mapping[str, Any] | None = None, body: Mapping[str, Any] | None = None
) -> bool:
    """Whether repeating the call is harmless: reads, cancels, and calls carrying a ``ClientToken``."""
    from airflow_ice.client.engine import is_idempotent as judged

    return judged(action, params, body)


def import_call_path() -> None:
    """Import what a hook's first call imports: the engine, the async transport (aiohttp) and the
    credential sources. Blocking (files are read): triggers run it in a thread before they poll
    (:func:`~airflow_ice.triggers.hook_loader.load_hook_class`), so no import stalls the loop."""
    import importlib

    from airflow_ice.client.pool import default_transport_factory

    for module in ("airflow_ice.client.engine", "airflow_ice.credentials.resolver"):
        importlib.import_module(module)
    default_transport_factory()


def has_job_id(answer: Mapping[str, Any], name: str = "JobId") -> str | None:
    """A submit's answer is done only with a job id string (else ICE may still have made the job).

    :param answer: the object of the answer that holds the job id.
    :param name: ICE's name of the job id (``JobId``, or the family's :attr:`~JobFamily.job_id_name`).
    """
    job_id = answer.get(name)
    if not isinstance(job_id, str) or not job_id.strip():
        return f"the answer has no {name} string ({name}: {job_id!r:.100})"
    return None


def _job_of(answer: Mapping[str, Any], envelope: str | None) -> Mapping[str, Any]:
    """The submit answer's job object: the answer itself, or the object under ``envelope``."""
    if envelope is None:
        return answer
    job = answer.get(envelope)
    return job if isinstance(job, Mapping) else {}


def _job_id_check(family: AnyFamily) -> Callable[[Mapping[str, Any]], str | None]:
    envelope, name = family.submit_envelope, family.job_id_name

    def check(answer: Mapping[str, Any]) -> str | None:
        problem = has_job_id(_job_of(answer, envelope), name)
        return f"{envelope}: {problem}" if problem and envelope else problem

    return check


class IceHook(BaseHook):
    """Signed calls to Alibaba Cloud ICE, sync and async, over pooled connections.

    The Airflow face of :class:`~airflow_ice.client.engine.IceClient`: it reads the connection,
    registers its secrets with Airflow's masker and hands the engine the credentials to sign with.
    Every call is signed afresh per attempt and retried with exponential backoff and jitter, up to
    the connection's ``max_retries``, when its outcome allows (:mod:`airflow_ice.client.outcome`):
    throttling, 503 and failed connections always; lost or unreadable answers only for reads and
    cancels. A submit whose outcome is unknown raises
    :class:`~airflow_ice.errors.IceOutcomeUnknownError` and is never sent again.

    :param ice_conn_id: the Airflow connection (type ``alibaba_ice`` or ``alibaba_cloud``).
    :param retry_wait_initial: first backoff wait in seconds (doubles per retry, with jitter).
    :param retry_wait_max: the longest backoff wait in seconds.
    """

    conn_name_attr = "ice_conn_id"
    default_conn_name = DEFAULT_CONN_ID
    conn_type = CONN_TYPE
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
        self._retry_wait = (retry_wait_initial, retry_wait_max)
        self._config: IceConnectionConfig | None = None
        self._engine: IceClient | None = None
        self._client: httpx.Client | None = None
        self._credentials: CredentialsProvider | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(ice_conn_id={self.ice_conn_id!r})"

    # The connection form on Airflow 3.1 (3.2+ reads the provider info's, and never calls these).

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """The form's extra fields, from the provider info's ``conn-fields`` (for Airflow 3.1)."""
        from airflow_ice.hooks.connection_form import connection_form_widgets

        return connection_form_widgets()

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """The standard fields hidden, relabelled and explained, from the provider info's
        ``ui-field-behaviour`` (for Airflow 3.1)."""
        from airflow_ice.hooks.connection_form import ui_field_behaviour

        return ui_field_behaviour()

    # Connection and clients

    @staticmethod
    def _config_from(conn: Connection) -> IceConnectionConfig:
        # The extra field as stored: Airflow's extra_dejson turns a field that is not JSON into {}
        # (every setting its default), and the config refuses that.
        return config_from_connection(
            conn_id=conn.conn_id,
            login=conn.login,
            password=conn.password,
            extra=conn.extra,
            host=conn.host,
            port=conn.port,
        )

    def get_config(self) -> IceConnectionConfig:
        """The validated connection settings, read once per hook (sync).

        :raises IceConfigurationError: the connection is malformed (before anything is sent).
        """
        if self._config is None:
            conn = self.get_connection(self.ice_conn_id)
            config = self._config_from(conn)
            conn.extra_dejson  # noqa: B018  # registers the secret-named extras with the masker
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
        config = self._config_from(conn)
        # Registers the password and secret-named extras with the masker, without blocking the
        # loop (the sync mask_secret could).
        await get_async_extra_dejson(conn)
        return config

    def credentials_provider(self, config: IceConnectionConfig) -> CredentialsProvider:
        """Where the connection's credentials come from, resolved once per hook (no I/O).

        :param config: the connection's settings.
        """
        if self._credentials is None:
            import functools

            from airflow_ice.client.tls import TlsSettings, ssl_context_for
            from airflow_ice.credentials import resolve_credentials_provider

            self._credentials = resolve_credentials_provider(
                config.stored_credentials,
                config.credential_settings,
                ssl_context_factory=functools.partial(ssl_context_for, TlsSettings.of(config)),
                on_new_credentials=_mask_credentials,
            )
        return self._credentials

    def _engine_for(self, config: IceConnectionConfig) -> IceClient:
        if self._engine is None:
            from airflow_ice.client.engine import IceClient
            from airflow_ice.client.retry import BackoffWait

            self._engine = IceClient(
                config,
                self.credentials_provider(config),
                backoff=BackoffWait(*self._retry_wait),
                on_retry=self._log_retry,
            )
        return self._engine

    def engine(self) -> IceClient:
        """The ICE engine for this hook's connection (sync: reads the connection if needed)."""
        return self._engine_for(self.get_config())

    async def aengine(self) -> IceClient:
        """The ICE engine for this hook's connection, without blocking the event loop."""
        return self._engine if self._engine is not None else self._engine_for(await self.aget_config())

    def _log_retry(self, action: str, attempt: int, what: str, wait: float) -> None:
        self.log.warning("ICE %s attempt %d failed (%s); retrying in %.1fs", action, attempt, what, wait)

    def get_conn(self) -> httpx.Client:
        """A plain ``httpx.Client`` for this connection's endpoint and TLS settings, made on first use
        (the hook's own calls go through :meth:`engine`)."""
        if self._client is None:
            import httpx

            from airflow_ice.client.tls import TlsSettings, ssl_context_for
            from airflow_ice.client.transport import MAX_CONNECT_TIMEOUT

            config = self.get_config()
            self._client = httpx.Client(
                base_url=config.base_url,
                timeout=httpx.Timeout(config.timeout, connect=min(config.timeout, MAX_CONNECT_TIMEOUT)),
                verify=ssl_context_for(TlsSettings.of(config)),
            )
        return self._client

    async def aget_conn(self) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` over the shared connections of every hook of the process with the
        same endpoint, credentials and TLS settings. Do not close it; :meth:`aclose` the hook."""
        engine = await self.aengine()
        return (await engine.alease()).client

    def close(self) -> None:
        """Close the sync connections."""
        if self._engine is not None:
            self._engine.close()
        if self._client is not None:
            self._client.close()
            self._client = None

    async def aclose(self) -> None:
        """Let go of the shared async connections (the last hook using them closes them)."""
        if self._engine is not None:
            await self._engine.aclose()

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
        :param body: parameters sent form-encoded in the body. The few actions ICE serves as GET
            (``ListSmartJobs``, ... :data:`~airflow_ice.client.wire.GET_ACTIONS`, as the official
            SDK sends them) carry no body: theirs go in the query string.
        :param idempotent: whether a lost answer may be retried; by default true for reads and
            cancels (``Get*``, ``Query*``, ``List*``, ...), false otherwise.
        :raises IceApiError: ICE answered with an error (typed by code).
        :raises IceNetworkError: no connection could be made, or no answer came (names the endpoint).
        :raises IceResponseError: the answer could not be read (after retries, for reads).
        :raises IceOutcomeUnknownError: a non-idempotent call whose outcome is unknown.
        """
        return self.engine().call(action, params, body, idempotent=idempotent)

    async def acall(
        self,
        action: str,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        *,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        """Async :meth:`call`: the same signing, retries and errors, never blocking the loop."""
        engine = self._engine or await self.aengine()  # no coroutine per call once it is made
        return await engine.acall(action, params, body, idempotent=idempotent)

    # Any job family (airflow_ice.families): submit, read, cancel

    def submit_job(self, family: JobFamily[RequestT, Any], request: RequestT | Mapping[str, Any]) -> str:
        """Submit a job of ``family`` and return its id.

        A submit whose answer was lost is sent again only when it carries a ``ClientToken`` (ICE
        answers the same token with the same job); without one it raises
        :class:`~airflow_ice.errors.IceOutcomeUnknownError`.

        :param family: the job family, e.g. :data:`airflow_ice.families.snapshot.SNAPSHOT`.
        :param request: the job, as the family's request model or a dict of its fields; validated
            before anything is sent.
        """
        query, body = _submit_parameters(family, request)
        data = self.engine().call(family.submit_action, query, body, check=_job_id_check(family))
        return _submitted_job_id(family, data)

    async def asubmit_job(
        self, family: JobFamily[RequestT, Any], request: RequestT | Mapping[str, Any]
    ) -> str:
        """Async :meth:`submit_job`."""
        query, body = _submit_parameters(family, request)
        engine = await self.aengine()
        data = await engine.acall(family.submit_action, query, body, check=_job_id_check(family))
        return _submitted_job_id(family, data)

    def get_job(
        self, family: JobFamily[Any, JobT], job_id: str, params: Mapping[str, str] | None = None
    ) -> JobT:
        """Read a job of ``family`` (its status, outputs, error) as the family's job model.

        :param family: the job family.
        :param job_id: the job id returned by the submit.
        :param params: further query parameters of the read (e.g. ``ClientToken``).
        """
        query = _job_query(job_id, params, family.job_id_name)
        return family.job_of(
            self.engine().read(family.get_action, query, family.answer_reader), query[family.job_id_name]
        )

    async def aget_job(
        self, family: JobFamily[Any, JobT], job_id: str, params: Mapping[str, str] | None = None
    ) -> JobT:
        """Async :meth:`get_job`."""
        query = _job_query(job_id, params, family.job_id_name)
        engine = self._engine or await self.aengine()  # every poll: no coroutine once it is made
        return family.job_of(
            await engine.aread(family.get_action, query, family.answer_reader), query[family.job_id_name]
        )

    def cancel_job(self, family: AnyFamily, job_id: str, params: Mapping[str, str] | None = None) -> None:
        """Cancel a queued or running job of ``family``.

        :param family: the job family (one with a ``cancel_action``).
        :param job_id: the job id returned by the submit.
        :param params: further query parameters of the cancel (e.g. ``ClientToken``).
        :raises ValueError: ICE has no cancel action for the family.
        """
        self.call(_cancel_action(family), _job_query(job_id, params, family.job_id_name))

    async def acancel_job(
        self, family: AnyFamily, job_id: str, params: Mapping[str, str] | None = None
    ) -> None:
        """Async :meth:`cancel_job`."""
        await self.acall(_cancel_action(family), _job_query(job_id, params, family.job_id_name))

    def list_jobs(
        self,
        family: JobFamily[Any, JobT],
        status: str,
        created_from: float,
        created_to: float,
        *,
        page_size: int = MAX_PAGE_SIZE,
        page_token: str | None = None,
    ) -> JobListPage:
        """One page of ICE's list of the family's jobs in ``status`` created in a window (its
        :attr:`~airflow_ice.jobs.family.JobFamily.list_check`, e.g. ``ListSnapshotJobs``).

        :param family: a family with a list action.
        :param status: the ``Status`` filter, e.g. ``Success``.
        :param created_from: the window's start, epoch seconds (ICE's filter on creation time).
        :param created_to: the window's end, epoch seconds.
        :param page_size: jobs per page, 1 to the list's maximum (100).
        :param page_token: the previous page's ``next_token``, or None for the first page.
        :raises ValueError: ICE has no list for the family, or a bad page size or window.
        """
        check = _list_check(family)
        data = self.call(check.action, check.params(status, created_from, created_to, page_size, page_token))
        return _listed_page(family, check, data)

    async def alist_jobs(
        self,
        family: JobFamily[Any, JobT],
        status: str,
        created_from: float,
        created_to: float,
        *,
        page_size: int = MAX_PAGE_SIZE,
        page_token: str | None = None,
    ) -> JobListPage:
        """Async :meth:`list_jobs`."""
        check = _list_check(family)
        params = check.params(status, created_from, created_to, page_size, page_token)
        return _listed_page(family, check, await self.acall(check.action, params))

    # Typed access per family: one line each over the calls above (the family's module is imported on use).

    def submit_iproduction_job(self, request: IProductionJobRequest | Mapping[str, Any]) -> str:
        """Submit an IProduction job (cover, clip, caption, ... see ``FunctionName``) and return its id.

        :param request: an :class:`~airflow_ice.models.IProductionJobRequest` or a dict of its fields.
        """
        return self.submit_job(family_named("iproduction"), request)

    async def asubmit_iproduction_job(self, request: IProductionJobRequest | Mapping[str, Any]) -> str:
        """Async :meth:`submit_iproduction_job`."""
        return await self.asubmit_job(family_named("iproduction"), request)

    def query_iproduction_job(self, job_id: str, *, client_token: str | None = None) -> IProductionJob:
        """The IProduction job's status and parsed result.

        :param job_id: the job id returned by the submit.
        :param client_token: ICE's optional ``ClientToken`` of the call (ASCII, at most 64 characters).
        """
        return self.get_job(family_named("iproduction"), job_id, _client_token_param(client_token))

    async def aquery_iproduction_job(self, job_id: str, *, client_token: str | None = None) -> IProductionJob:
        """Async :meth:`query_iproduction_job`."""
        return await self.aget_job(family_named("iproduction"), job_id, _client_token_param(client_token))

    def cancel_iproduction_job(self, job_id: str, *, client_token: str | None = None) -> None:
        """Cancel a queued or running IProduction job.

        :param job_id: the job id returned by the submit.
        :param client_token: ICE's optional ``ClientToken`` of the call (ASCII, at most 64 characters).
        """
        self.cancel_job(family_named("iproduction"), job_id, _client_token_param(client_token))

    async def acancel_iproduction_job(self, job_id: str, *, client_token: str | None = None) -> None:
        """Async :meth:`cancel_iproduction_job`."""
        await self.acancel_job(family_named("iproduction"), job_id, _client_token_param(client_token))

    def submit_yike_storyboard_job(self, request: YikeStoryboardJobRequest | Mapping[str, Any]) -> str:
        """Submit a Yike novel-to-video storyboard job and return its id.

        :param request: a :class:`~airflow_ice.models.YikeStoryboardJobRequest` or a dict of its fields.
        """
        return self.submit_job(family_named("yike_storyboard"), request)

    async def asubmit_yike_storyboard_job(self, request: YikeStoryboardJobRequest | Mapping[str, Any]) -> str:
        """Async :meth:`submit_yike_storyboard_job`."""
        return await self.asubmit_job(family_named("yike_storyboard"), request)

    def get_yike_storyboard_job(self, job_id: str) -> YikeStoryboardJob:
        """The storyboard job's status, parameters and decoded result.

        :param job_id: the job id returned by the submit.
        """
        return self.get_job(family_named("yike_storyboard"), job_id)

    async def aget_yike_storyboard_job(self, job_id: str) -> YikeStoryboardJob:
        """Async :meth:`get_yike_storyboard_job`."""
        return await self.aget_job(family_named("yike_storyboard"), job_id)

    def resume_yike_storyboard_job(self, job_id: str) -> None:
        """Resume a failed storyboard job (ICE has no cancel for storyboard jobs).

        :param job_id: the job id returned by the submit.
        """
        self.call("ResumeYikeStoryboardJob", _job_query(job_id))

    async def aresume_yike_storyboard_job(self, job_id: str) -> None:
        """Async :meth:`resume_yike_storyboard_job`."""
        await self.acall("ResumeYikeStoryboardJob", _job_query(job_id))

    def submit_yike_ai_app_job(self, request: YikeAIAppJobRequest | Mapping[str, Any]) -> str:
        """Submit a Yike AI application job (parameters in the body) and return its id.

        :param request: a :class:`~airflow_ice.models.YikeAIAppJobRequest` or a dict of its fields.
        """
        return self.submit_job(family_named("yike_ai_app"), request)

    async def asubmit_yike_ai_app_job(self, request: YikeAIAppJobRequest | Mapping[str, Any]) -> str:
        """Async :meth:`submit_yike_ai_app_job`."""
        return await self.asubmit_job(family_named("yike_ai_app"), request)

    def get_yike_ai_app_job(self, job_id: str) -> YikeAIAppJob:
        """The AI application job's status, parameters and outputs.

        :param job_id: the job id returned by the submit.
        """
        return self.get_job(family_named("yike_ai_app"), job_id)

    async def aget_yike_ai_app_job(self, job_id: str) -> YikeAIAppJob:
        """Async :meth:`get_yike_ai_app_job`."""
        return await self.aget_job(family_named("yike_ai_app"), job_id)

    def batch_get_yike_ai_app_jobs(self, job_ids: Sequence[str]) -> list[YikeAIAppJob]:
        """Several AI application jobs in one call (BatchGetYikeAIAppJob), in ICE's order.

        ICE may leave ids out (unknown jobs); items it sends that cannot be read are left out too.
        ICE publishes no maximum number of ids: keep batches small.

        :param job_ids: the job ids (duplicates are sent once).
        """
        from airflow_ice.models.yike_ai_app_job import YikeAIAppJobList

        data = self.call(_batch_get_action(family_named("yike_ai_app")), {"JobIds": _job_ids_arg(job_ids)})
        return YikeAIAppJobList.from_response(data).jobs

    async def abatch_get_yike_ai_app_jobs(self, job_ids: Sequence[str]) -> list[YikeAIAppJob]:
        """Async :meth:`batch_get_yike_ai_app_jobs`."""
        from airflow_ice.models.yike_ai_app_job import YikeAIAppJobList

        family = family_named("yike_ai_app")
        data = await self.acall(_batch_get_action(family), {"JobIds": _job_ids_arg(job_ids)})
        return YikeAIAppJobList.from_response(data).jobs

    def precheck_yike_ai_app_job(self, request: YikeAIAppJobRequest | Mapping[str, Any]) -> YikeAIAppPrecheck:
        """Ask ICE whether it accepts the application parameters, without running (or paying for) a job.

        :param request: the job as for :meth:`submit_yike_ai_app_job` (only AppId and AppParams are checked).
        """
        from airflow_ice.models.yike_ai_app_job import YikeAIAppPrecheck

        job = _as_request(family_named("yike_ai_app").request_class, request)
        return YikeAIAppPrecheck.from_response(self.call("PrecheckYikeAIAppJob", job.to_precheck_query()))

    async def aprecheck_yike_ai_app_job(
        self, request: YikeAIAppJobRequest | Mapping[str, Any]
    ) -> YikeAIAppPrecheck:
        """Async :meth:`precheck_yike_ai_app_job`."""
        from airflow_ice.models.yike_ai_app_job import YikeAIAppPrecheck

        job = _as_request(family_named("yike_ai_app").request_class, request)
        data = await self.acall("PrecheckYikeAIAppJob", job.to_precheck_query())
        return YikeAIAppPrecheck.from_response(data)

    def submit_media_producing_job(self, request: MediaProducingJobRequest | Mapping[str, Any]) -> str:
        """Submit a media producing job (render a timeline, a template or a project) and return its id.

        With a ``client_token`` the submit is resent after a lost answer (ICE answers the same token
        with the same job); without one, a lost answer raises ``IceOutcomeUnknownError``.

        :param request: a :class:`~airflow_ice.models.MediaProducingJobRequest` or a dict of its fields.
        """
        return self.submit_job(family_named("media_producing"), request)

    async def asubmit_media_producing_job(self, request: MediaProducingJobRequest | Mapping[str, Any]) -> str:
        """Async :meth:`submit_media_producing_job`."""
        return await self.asubmit_job(family_named("media_producing"), request)

    def get_media_producing_job(self, job_id: str) -> MediaProducingJob:
        """The media producing job's status, output media and error.

        :param job_id: the job id returned by the submit.
        """
        return self.get_job(family_named("media_producing"), job_id)

    async def aget_media_producing_job(self, job_id: str) -> MediaProducingJob:
        """Async :meth:`get_media_producing_job`."""
        return await self.aget_job(family_named("media_producing"), job_id)

    def submit_media_convert_job(self, request: MediaConvertJobRequest | Mapping[str, Any]) -> str:
        """Submit a media convert (transcode and package) job and return its id.

        With a ``client_token`` the submit is resent after a lost answer (ICE answers the same token
        with the same job); without one, a lost answer raises ``IceOutcomeUnknownError``.

        :param request: a :class:`~airflow_ice.models.MediaConvertJobRequest` or a dict of its fields.
        """
        return self.submit_job(family_named("media_convert"), request)

    async def asubmit_media_convert_job(self, request: MediaConvertJobRequest | Mapping[str, Any]) -> str:
        """Async :meth:`submit_media_convert_job`."""
        return await self.asubmit_job(family_named("media_convert"), request)

    def get_media_convert_job(self, job_id: str) -> MediaConvertJob:
        """The media convert job's state, outputs and error.

        :param job_id: the job id returned by the submit.
        """
        return self.get_job(family_named("media_convert"), job_id)

    async def aget_media_convert_job(self, job_id: str) -> MediaConvertJob:
        """Async :meth:`get_media_convert_job`."""
        return await self.aget_job(family_named("media_convert"), job_id)

    def submit_snapshot_job(self, request: SnapshotJobRequest | Mapping[str, Any]) -> str:
        """Submit a snapshot job (single, interval, sprite or WebVTT snapshots) and return its id.

        ICE takes no ClientToken here: a lost answer raises ``IceOutcomeUnknownError``.

        :param request: a :class:`~airflow_ice.models.SnapshotJobRequest` or a dict of its fields.
        """
        return self.submit_job(family_named("snapshot"), request)

    async def asubmit_snapshot_job(self, request: SnapshotJobRequest | Mapping[str, Any]) -> str:
        """Async :meth:`submit_snapshot_job`."""
        return await self.asubmit_job(family_named("snapshot"), request)

    def get_snapshot_job(self, job_id: str) -> SnapshotJob:
        """The snapshot job's status, output and error.

        :param job_id: the job id returned by the submit.
        """
        return self.get_job(family_named("snapshot"), job_id)

    async def aget_snapshot_job(self, job_id: str) -> SnapshotJob:
        """Async :meth:`get_snapshot_job`."""
        return await self.aget_job(family_named("snapshot"), job_id)

    def submit_package_job(self, request: PackageJobRequest | Mapping[str, Any]) -> str:
        """Submit a packaging job (HLS or DASH packaging of several renditions) and return its id.

        ICE takes no ClientToken here: a lost answer raises ``IceOutcomeUnknownError``.

        :param request: a :class:`~airflow_ice.models.PackageJobRequest` or a dict of its fields.
        """
        return self.submit_job(family_named("package"), request)

    async def asubmit_package_job(self, request: PackageJobRequest | Mapping[str, Any]) -> str:
        """Async :meth:`submit_package_job`."""
        return await self.asubmit_job(family_named("package"), request)

    def get_package_job(self, job_id: str) -> PackageJob:
        """The packaging job's status, manifest and error.

        :param job_id: the job id returned by the submit.
        """
        return self.get_job(family_named("package"), job_id)

    async def aget_package_job(self, job_id: str) -> PackageJob:
        """Async :meth:`get_package_job`."""
        return await self.aget_job(family_named("package"), job_id)

    def submit_dynamic_image_job(self, request: DynamicImageJobRequest | Mapping[str, Any]) -> str:
        """Submit an animated image job (a GIF or WebP of a video) and return its id.

        ICE takes no ClientToken here: a lost answer raises ``IceOutcomeUnknownError``.

        :param request: a :class:`~airflow_ice.models.DynamicImageJobRequest` or a dict of its fields.
        """
        return self.submit_job(family_named("dynamic_image"), request)

    async def asubmit_dynamic_image_job(self, request: DynamicImageJobRequest | Mapping[str, Any]) -> str:
        """Async :meth:`submit_dynamic_image_job`."""
        return await self.asubmit_job(family_named("dynamic_image"), request)

    def get_dynamic_image_job(self, job_id: str) -> DynamicImageJob:
        """The animated image job's status, output and error.

        :param job_id: the job id returned by the submit.
        """
        return self.get_job(family_named("dynamic_image"), job_id)

    async def aget_dynamic_image_job(self, job_id: str) -> DynamicImageJob:
        """Async :meth:`get_dynamic_image_job`."""
        return await self.aget_job(family_named("dynamic_image"), job_id)

    def submit_transcode_job(self, request: TranscodeJobRequest | Mapping[str, Any]) -> str:
        """Submit a transcode job (input groups, one output per output group) and return its id
        (ICE's ``ParentJobId``).

        With a ``client_token`` the submit is resent after a lost answer (ICE answers the same token
        with the same job); without one, a lost answer raises ``IceOutcomeUnknownError``.

        :param request: a :class:`~airflow_ice.models.TranscodeJobRequest` or a dict of its fields.
        """
        return self.submit_job(family_named("transcode"), request)

    async def asubmit_transcode_job(self, request: TranscodeJobRequest | Mapping[str, Any]) -> str:
        """Async :meth:`submit_transcode_job`."""
        return await self.asubmit_job(family_named("transcode"), request)

    def get_transcode_job(self, job_id: str) -> TranscodeJob:
        """The transcode job's status, sub-jobs and written files.

        :param job_id: the job id (``ParentJobId``) returned by the submit.
        """
        return self.get_job(family_named("transcode"), job_id)

    async def aget_transcode_job(self, job_id: str) -> TranscodeJob:
        """Async :meth:`get_transcode_job`."""
        return await self.aget_job(family_named("transcode"), job_id)

    def submit_media_info_job(self, request: MediaInfoJobRequest | Mapping[str, Any]) -> str:
        """Submit a media info job (read a file's format and streams) and return its id.

        ICE takes no ClientToken here: a lost answer raises ``IceOutcomeUnknownError``.

        :param request: a :class:`~airflow_ice.models.MediaInfoJobRequest` or a dict of its fields.
        """
        return self.submit_job(family_named("media_info"), request)

    async def asubmit_media_info_job(self, request: MediaInfoJobRequest | Mapping[str, Any]) -> str:
        """Async :meth:`submit_media_info_job`."""
        return await self.asubmit_job(family_named("media_info"), request)

    def get_media_info_job(self, job_id: str) -> MediaInfoJob:
        """The media info job's status, format and streams.

        :param job_id: the job id returned by the submit.
        """
        return self.get_job(family_named("media_info"), job_id)

    async def aget_media_info_job(self, job_id: str) -> MediaInfoJob:
        """Async :meth:`get_media_info_job`."""
        return await self.aget_job(family_named("media_info"), job_id)

    def submit_smarttag_job(self, request: SmarttagJobRequest | Mapping[str, Any]) -> str:
        """Submit a smart tagging job (labels, faces, OCR, ASR, ... per its template) and return its id.

        ICE takes no ClientToken here: a lost answer raises ``IceOutcomeUnknownError``.

        :param request: a :class:`~airflow_ice.models.SmarttagJobRequest` or a dict of its fields.
        """
        return self.submit_job(family_named("smarttag"), request)

    async def asubmit_smarttag_job(self, request: SmarttagJobRequest | Mapping[str, Any]) -> str:
        """Async :meth:`submit_smarttag_job`."""
        return await self.asubmit_job(family_named("smarttag"), request)

    def query_smarttag_job(self, job_id: str, params: str | None = None) -> SmarttagJob:
        """The smart tagging job's status and results, decoded by type.

        :param job_id: the job id returned by the submit.
        :param params: ICE's query ``Params`` (JSON text), e.g. ``{"labelResultType": "hmi"}``.
        """
        return self.get_job(family_named("smarttag"), job_id, {"Params": params} if params else None)

    async def aquery_smarttag_job(self, job_id: str, params: str | None = None) -> SmarttagJob:
        """Async :meth:`query_smarttag_job`."""
        return await self.aget_job(family_named("smarttag"), job_id, {"Params": params} if params else None)

    def submit_asr_job(self, request: AsrJobRequest | Mapping[str, Any]) -> str:
        """Submit a speech recognition (speech to text) job and return its id.

        ICE takes no ClientToken here: a lost answer raises ``IceOutcomeUnknownError``.

        :param request: a :class:`~airflow_ice.models.AsrJobRequest` or a dict of its fields.
        """
        return self.submit_job(family_named("asr"), request)

    async def asubmit_asr_job(self, request: AsrJobRequest | Mapping[str, Any]) -> str:
        """Async :meth:`submit_asr_job`."""
        return await self.asubmit_job(family_named("asr"), request)

    def get_smart_handle_job(self, job_id: str) -> SmartHandleJob:
        """A smart job's state and result: GetSmartHandleJob reads every smart job (speech
        recognition, text to speech, avatar video, video translation, highlight extraction,
        segmentation) with the same answer.

        :param job_id: the job id returned by the submit.
        """
        return self.get_job(family_named("asr"), job_id)

    async def aget_smart_handle_job(self, job_id: str) -> SmartHandleJob:
        """Async :meth:`get_smart_handle_job`."""
        return await self.aget_job(family_named("asr"), job_id)

    def submit_audio_produce_job(self, request: AudioProduceJobRequest | Mapping[str, Any]) -> str:
        """Submit a text to speech job and return its id; read it with :meth:`get_smart_handle_job`.

        ICE takes no ClientToken here: a lost answer raises ``IceOutcomeUnknownError``.

        :param request: a :class:`~airflow_ice.models.AudioProduceJobRequest` or a dict of its fields.
        """
        return self.submit_job(family_named("audio_produce"), request)

    async def asubmit_audio_produce_job(self, request: AudioProduceJobRequest | Mapping[str, Any]) -> str:
        """Async :meth:`submit_audio_produce_job`."""
        return await self.asubmit_job(family_named("audio_produce"), request)

    def submit_avatar_video_job(self, request: AvatarVideoJobRequest | Mapping[str, Any]) -> str:
        """Submit a avatar video job and return its id; read it with :meth:`get_smart_handle_job`.

        ICE takes no ClientToken here: a lost answer raises ``IceOutcomeUnknownError``.

        :param request: a :class:`~airflow_ice.models.AvatarVideoJobRequest` or a dict of its fields.
        """
        return self.submit_job(family_named("avatar_video"), request)

    async def asubmit_avatar_video_job(self, request: AvatarVideoJobRequest | Mapping[str, Any]) -> str:
        """Async :meth:`submit_avatar_video_job`."""
        return await self.asubmit_job(family_named("avatar_video"), request)

    def submit_video_translation_job(self, request: VideoTranslationJobRequest | Mapping[str, Any]) -> str:
        """Submit a video translation job and return its id; read it with :meth:`get_smart_handle_job`.

        A lost answer is resent with the request's ClientToken (one is made when none is given).

        :param request: a :class:`~airflow_ice.models.VideoTranslationJobRequest` or a dict of its fields.
        """
        return self.submit_job(family_named("video_translation"), request)

    async def asubmit_video_translation_job(
        self, request: VideoTranslationJobRequest | Mapping[str, Any]
    ) -> str:
        """Async :meth:`submit_video_translation_job`."""
        return await self.asubmit_job(family_named("video_translation"), request)

    def submit_highlight_extraction_job(
        self, request: HighlightExtractionJobRequest | Mapping[str, Any]
    ) -> str:
        """Submit a highlight extraction job and return its id; read it with :meth:`get_smart_handle_job`.

        A lost answer is resent with the request's ClientToken (one is made when none is given).

        :param request: a :class:`~airflow_ice.models.HighlightExtractionJobRequest` or a dict of its fields.
        """
        return self.submit_job(family_named("highlight_extraction"), request)

    async def asubmit_highlight_extraction_job(
        self, request: HighlightExtractionJobRequest | Mapping[str, Any]
    ) -> str:
        """Async :meth:`submit_highlight_extraction_job`."""
        return await self.asubmit_job(family_named("highlight_extraction"), request)

    def submit_segmentation_job(self, request: SegmentationJobRequest | Mapping[str, Any]) -> str:
        """Submit a segmentation (shot splitting) job and return its id; read it with :meth:`get_smart_handle_job`.

        A lost answer is resent with the request's ClientToken (one is made when none is given).

        :param request: a :class:`~airflow_ice.models.SegmentationJobRequest` or a dict of its fields.
        """
        return self.submit_job(family_named("segmentation"), request)

    async def asubmit_segmentation_job(self, request: SegmentationJobRequest | Mapping[str, Any]) -> str:
        """Async :meth:`submit_segmentation_job`."""
        return await self.asubmit_job(family_named("segmentation"), request)

    def submit_batch_media_producing_job(
        self, request: BatchMediaProducingJobRequest | Mapping[str, Any]
    ) -> str:
        """Submit a batch media producing job (many videos from one set of materials) and return its id.

        Give ``client_token`` to make a resend after a lost answer safe (ICE answers with the job
        the token made).

        :param request: a :class:`~airflow_ice.models.BatchMediaProducingJobRequest` or a dict of its fields.
        """
        return self.submit_job(family_named("batch_media_producing"), request)

    async def asubmit_batch_media_producing_job(
        self, request: BatchMediaProducingJobRequest | Mapping[str, Any]
    ) -> str:
        """Async :meth:`submit_batch_media_producing_job`."""
        return await self.asubmit_job(family_named("batch_media_producing"), request)

    def get_batch_media_producing_job(self, job_id: str) -> BatchMediaProducingJob:
        """The batch job's status and every video's status, file and error.

        :param job_id: the job id returned by the submit.
        """
        return self.get_job(family_named("batch_media_producing"), job_id)

    async def aget_batch_media_producing_job(self, job_id: str) -> BatchMediaProducingJob:
        """Async :meth:`get_batch_media_producing_job`."""
        return await self.aget_job(family_named("batch_media_producing"), job_id)

    def submit_media_censor_job(self, request: MediaCensorJobRequest | Mapping[str, Any]) -> str:
        """Submit a media censor (content moderation) job and return its id.

        ICE takes no ClientToken here: a lost answer raises ``IceOutcomeUnknownError``.

        :param request: a :class:`~airflow_ice.models.MediaCensorJobRequest` or a dict of its fields.
        """
        return self.submit_job(family_named("media_censor"), request)

    async def asubmit_media_censor_job(self, request: MediaCensorJobRequest | Mapping[str, Any]) -> str:
        """Async :meth:`submit_media_censor_job`."""
        return await self.asubmit_job(family_named("media_censor"), request)

    def query_media_censor_job_detail(
        self,
        job_id: str,
        *,
        maximum_page_size: int | None = None,
        next_page_token: str | None = None,
        owner: CensorReadOwner | None = None,
    ) -> MediaCensorJob:
        """The media censor job's state and verdicts, with one page of the video's frames.

        :param job_id: the job id returned by the submit.
        :param maximum_page_size: frames per page, 1 to 300 (ICE's default: 30).
        :param next_page_token: the ``video_result.next_page_token`` of the page before, for the next.
        :param owner: the account parameters the SDK's request also takes (ICE's reference does not
            document them; leave None unless your account needs them).
        """
        params = _censor_read_params(maximum_page_size, next_page_token, owner)
        return self.get_job(family_named("media_censor"), job_id, params)

    async def aquery_media_censor_job_detail(
        self,
        job_id: str,
        *,
        maximum_page_size: int | None = None,
        next_page_token: str | None = None,
        owner: CensorReadOwner | None = None,
    ) -> MediaCensorJob:
        """Async :meth:`query_media_censor_job_detail`."""
        params = _censor_read_params(maximum_page_size, next_page_token, owner)
        return await self.aget_job(family_named("media_censor"), job_id, params)

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
            return self._connection_works(config.base_url, source, f" ({exc.code})")
        except IceError as exc:
            return False, f"Cannot use the connection: {exc}"
        finally:
            self.close()
        return self._connection_works(config.base_url, source, "")

    def _connection_works(self, base_url: str, source: str, answer: str) -> tuple[bool, str]:
        message = f"Connection works: ICE at {base_url} accepted the credentials (source: {source}){answer}."
        # `airflow connections test` prints only "Connection success!" and, without -v, switches logging
        # off: then the source is printed, else logged (the UI's Test button shows the message itself).
        if logging.root.manager.disable >= logging.INFO:
            print(message)
        else:
            logging.getLogger(__name__).info("%s", message)
        return True, message


def _mask_credentials(credentials: Credentials) -> None:
    """Register a secret and STS token with Airflow's log masker."""
    mask_secret(credentials.access_key_secret)
    if credentials.security_token:
        mask_secret(credentials.security_token)


def _as_request(model: type[RequestT], request: RequestT | Mapping[str, Any]) -> RequestT:
    if isinstance(request, model):
        return request
    if isinstance(request, Mapping):
        return validate_request(model, request)
    raise TypeError(
        f"request must be a {model.__name__} or a dict of its fields, not {type(request).__name__}"
    )


def _submit_parameters(
    family: JobFamily[RequestT, Any], request: RequestT | Mapping[str, Any]
) -> tuple[dict[str, str] | None, dict[str, str] | None]:
    """The validated request's query and body parameters (before anything is sent)."""
    job: Any = _as_request(family.request_class, request)
    return job.to_query(), job.to_body()


def _submitted_job_id(family: AnyFamily, answer: Mapping[str, Any]) -> str:
    from airflow_ice.models.responses import SubmitJobResponse

    job = _job_of(answer, family.submit_envelope)
    return SubmitJobResponse.model_validate({**job, "JobId": job.get(family.job_id_name)}).job_id


def _batch_get_action(family: AnyFamily) -> str:
    if family.batch_get_action is None:
        raise ValueError(f"ICE has no batch read for {family.name} jobs.")
    return family.batch_get_action


def _list_check(family: AnyFamily) -> ListCheck:
    if family.list_check is None:
        raise ValueError(f"ICE has no list of {family.name} jobs by status.")
    return family.list_check


def _listed_page(family: AnyFamily, check: ListCheck, answer: Mapping[str, Any]) -> JobListPage:
    """The page's jobs; an item that cannot be read is named in ``unread`` (its Get will say more)."""
    items, next_token = check.page_of(answer)
    jobs: list[Any] = []
    unread: list[str] = []
    for item in items:
        try:
            jobs.append(family.parse_listed(item))
        except IceResponseError:
            job_id = item.get(family.job_id_name)
            if isinstance(job_id, str) and job_id:
                unread.append(job_id)
    return JobListPage(jobs, unread, next_token)


def _cancel_action(family: AnyFamily) -> str:
    if family.cancel_action is None:
        raise ValueError(f"{family.no_cancel_reason}.")
    return family.cancel_action


def _job_id_arg(job_id: str) -> str:
    if not isinstance(job_id, str) or not job_id.strip():
        raise ValueError(f"job_id must be a non-empty string, got {job_id!r}.")
    return job_id.strip()


def _job_query(job_id: str, params: Mapping[str, str] | None = None, name: str = "JobId") -> dict[str, str]:
    return {name: _job_id_arg(job_id), **(params or {})}


def _client_token_param(client_token: str | None) -> dict[str, str] | None:
    if client_token is None:
        return None
    if not isinstance(client_token, str):
        raise ValueError(f"client_token must be a string, got {type(client_token).__name__}.")
    try:
        client_token_text(client_token)
    except ValueError as exc:
        raise ValueError(f"client_token: {exc}.") from None
    return {"ClientToken": client_token}


# ICE's bounds on MaximumPageSize of QueryMediaCensorJobDetail.
CENSOR_PAGE_SIZE_MAX = 300


@dataclass(frozen=True)
class CensorReadOwner:
    """The account parameters of QueryMediaCensorJobDetail's SDK request (sent as given).

    :param owner_account: ``OwnerAccount``; ``owner_id``: ``OwnerId``.
    :param resource_owner_account: ``ResourceOwnerAccount``; ``resource_owner_id``: ``ResourceOwnerId``.
    """

    owner_account: str | None = None
    owner_id: int | None = None
    resource_owner_account: str | None = None
    resource_owner_id: int | None = None

    def params(self) -> dict[str, str]:
        """The parameters given, by ICE's names."""
        values = {
            "OwnerAccount": self.owner_account,
            "OwnerId": self.owner_id,
            "ResourceOwnerAccount": self.resource_owner_account,
            "ResourceOwnerId": self.resource_owner_id,
        }
        return {name: str(value) for name, value in values.items() if value is not None}


def _censor_read_params(
    maximum_page_size: int | None, next_page_token: str | None, owner: CensorReadOwner | None
) -> dict[str, str] | None:
    params: dict[str, str] = owner.params() if owner else {}
    if maximum_page_size is not None:
        size_ok = isinstance(maximum_page_size, int) and not isinstance(maximum_page_size, bool)
        if not size_ok or not 1 <= maximum_page_size <= CENSOR_PAGE_SIZE_MAX:
            raise ValueError(
                f"maximum_page_size must be an integer from 1 to {CENSOR_PAGE_SIZE_MAX}, got {maximum_page_size!r}."
            )
        params["MaximumPageSize"] = str(maximum_page_size)
    if next_page_token is not None:
        if not isinstance(next_page_token, str) or not next_page_token.strip():
            raise ValueError(f"next_page_token must be a non-empty string, got {next_page_token!r}.")
        params["NextPageToken"] = next_page_token
    return params or None


def _job_ids_arg(job_ids: Sequence[str]) -> str:
    if isinstance(job_ids, str) or not isinstance(job_ids, Sequence):
        raise ValueError(f"job_ids must be a list of job ids, got {job_ids!r:.100}.")
    unique = dict.fromkeys(_job_id_arg(job_id) for job_id in job_ids)
    if not unique:
        raise ValueError("job_ids must name at least one job.")
    if any("," in job_id for job_id in unique):
        raise ValueError("a job id must not contain a comma (JobIds is a comma-separated list).")
    return ",".join(unique)


__all__ = ["CensorReadOwner", "IceHook", "has_job_id", "import_call_path", "is_idempotent"]
