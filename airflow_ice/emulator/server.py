"""``IceEmulator``: the emulator served by uvicorn on a background thread (a context manager)."""

from __future__ import annotations

import dataclasses
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

import uvicorn

from airflow_ice.client.config import is_loopback
from airflow_ice.emulator.app import DROP_CONNECTION, EmulatorApp
from airflow_ice.emulator.auth import EmulatorCredentials
from airflow_ice.emulator.counters import CounterSnapshot
from airflow_ice.emulator.jobs import JobTiming
from airflow_ice.emulator.limits import (
    DEFAULT_HEADER_TIMEOUT_SECONDS,
    DEFAULT_MAX_BODY_BYTES,
    header_timeout_protocol,
)
from airflow_ice.emulator.state import EmulatorState, FaultsArgument, ScriptedArgument
from airflow_ice.emulator.temporary_keys import (
    DEFAULT_ECS_ROLE_NAME,
    DEFAULT_OIDC_PROVIDER_ARN,
    DEFAULT_OIDC_TOKEN,
    DEFAULT_ROLE_ARN,
    DEFAULT_TOKEN_SECONDS,
    StsSettings,
    as_tuple,
)
from airflow_ice.emulator.tls import TlsMaterial, make_tls_material

DEFAULT_ACCESS_KEY_ID = "emulator-access-key-id"
DEFAULT_ACCESS_KEY_SECRET = "emulator-access-key-secret"
START_TIMEOUT_SECONDS = 10.0
GRACEFUL_SHUTDOWN_SECONDS = 2
# uvicorn's default: an idle keep-alive connection is closed after 5 s.
DEFAULT_KEEP_ALIVE_SECONDS = 5.0


class _DeliberateDropFilter(logging.Filter):
    """Hide uvicorn's complaint about the value the app returns to drop a connection on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.args, tuple) and DROP_CONNECTION in record.args)


_DROP_FILTER = _DeliberateDropFilter()
logger = logging.getLogger(__name__)


class IceEmulator:
    """A local stand-in for Alibaba Cloud ICE over real HTTP on loopback.

    A test tool, safe by default: it listens on loopback, reads at most ``max_body_bytes`` of a
    request and waits at most ``header_timeout_seconds`` for its headers. Its admin API
    (``/_emulator``: faults, reset, the secrets it saw) has no user accounts: on loopback it answers
    requests to a loopback ``Host``; listening anywhere else needs ``admin_token`` (and logs a
    warning at start).

    Use it as a context manager (or :meth:`start`/:meth:`stop`); it serves on a background thread
    on a free port unless ``port`` is given.

    :param access_key_id: the AccessKey ID it accepts.
    :param access_key_secret: the AccessKey Secret it verifies signatures with.
    :param security_token: when set, requests must carry this STS token.
    :param host: the interface to listen on.
    :param port: the port; 0 picks a free one.
    :param job_seconds: how long a job runs (the shortest, when ``job_seconds_max`` is set).
    :param job_seconds_max: when set, each job runs a random time in ``[job_seconds, job_seconds_max]``.
    :param faults: standing faults: a :class:`~airflow_ice.emulator.faults.FaultConfig` or a mapping
        of its fields.
    :param scripted_faults: one-shot faults queued at start
        (:class:`~airflow_ice.emulator.faults.ScriptedFault` or mappings).
    :param seed: seed of the random fault draws and durations.
    :param clock: seconds since the epoch driving job lifecycles (tests may step time by hand).
    :param limit_clock: monotonic seconds the per-action QPS budgets (the account limit, 100 calls
        per second per action unless ``faults`` says otherwise) refill by; a test holds it (a clock
        moved by hand) so that which call is throttled never depends on the machine's speed.
        Apart from ``clock``: holding the jobs' time must not starve the budgets.
    :param region: the region written in the connection and in output URLs.
    :param role_arns: the RAM role ARN(s) the emulated STS lets AssumeRole/AssumeRoleWithOIDC assume.
    :param oidc_provider_arn: the OIDC provider ARN AssumeRoleWithOIDC accepts.
    :param oidc_tokens: the OIDC token(s) AssumeRoleWithOIDC accepts.
    :param sts_token_seconds: lifetime of the temporary credentials STS and the metadata service
        issue (AssumeRole: at most the requested DurationSeconds); they expire by ``clock``.
    :param ecs_role_name: the RAM role of the emulated ECS instance (metadata service).
    :param metadata_token_required: the metadata service answers only with an IMDSv2 token.
    :param tls: serve HTTPS with a certificate made at start, signed by a throwaway CA whose
        certificate is at :attr:`ca_bundle_path` (and in :meth:`connection_json`).
    :param ai_app_batch_limit: the most job ids one BatchGetYikeAIAppJob call may ask about; more
        answer ``InvalidParameter`` (ICE publishes no limit).
    :param keep_alive_seconds: how long an idle keep-alive connection stays open before the
        emulator closes it (uvicorn's 5 s by default; benchmarks of clients polling every 30 s
        use longer, as a production endpoint keeps connections longer).
    :param strict_placement: read each action's parameters only from where the official SDK sends
        them (query string or form body) and answer ``InvalidParameter`` for one sent in the other
        place. None (default): on when ``ICE_EMULATOR_STRICT_PLACEMENT=1``, else off (query and
        body merged): ICE's documentation does not establish what its gateway does.
    :param presign_output_urls: answer every OSS URL presigned (OSS signature V1 and V4 in turn),
        with the request's own STS token in it when it carried one, as an answer that echoes the
        caller's secret would (``state.presign_output_urls`` changes it while running).
    :param max_body_bytes: the largest request body read; a larger one is answered 413, by its
        ``Content-Length`` before the body is read, or as soon as a streamed body passes it.
    :param header_timeout_seconds: how long a connection has to deliver a request's complete
        headers (from opening, or from the previous response); then it gets a 408 and is closed.
    :param admin_token: the token the admin API requires (``Authorization: Bearer <token>``);
        required when ``host`` is not a loopback address.
    :raises ValueError: ``host`` is not loopback and no ``admin_token`` is given, or a limit is not
        positive.
    """

    def __init__(
        self,
        access_key_id: str = DEFAULT_ACCESS_KEY_ID,
        access_key_secret: str = DEFAULT_ACCESS_KEY_SECRET,
        security_token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        job_seconds: float = 2.0,
        job_seconds_max: float | None = None,
        faults: FaultsArgument = None,
        scripted_faults: ScriptedArgument = None,
        seed: int | None = None,
        clock: Callable[[], float] | None = None,
        limit_clock: Callable[[], float] | None = None,
        region: str = "cn-shanghai",
        role_arns: str | Sequence[str] = DEFAULT_ROLE_ARN,
        oidc_provider_arn: str = DEFAULT_OIDC_PROVIDER_ARN,
        oidc_tokens: str | Sequence[str] = DEFAULT_OIDC_TOKEN,
        sts_token_seconds: float = DEFAULT_TOKEN_SECONDS,
        ecs_role_name: str = DEFAULT_ECS_ROLE_NAME,
        metadata_token_required: bool = False,
        tls: bool = False,
        ai_app_batch_limit: int = 20,
        keep_alive_seconds: float = DEFAULT_KEEP_ALIVE_SECONDS,
        strict_placement: bool | None = None,
        presign_output_urls: bool = False,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        header_timeout_seconds: float = DEFAULT_HEADER_TIMEOUT_SECONDS,
        admin_token: str | None = None,
    ) -> None:
        if not is_loopback(host) and not admin_token:
            raise ValueError(
                f"listening on {host!r}, which is not a loopback address, needs an admin token: the admin "
                "API (faults, reset, the secrets the emulator saw) would answer anyone who reaches it. "
                "Give one (--admin-token, or ICE_EMULATOR_ADMIN_TOKEN), or listen on 127.0.0.1."
            )
        if max_body_bytes < 1 or not header_timeout_seconds > 0:
            raise ValueError("max_body_bytes and header_timeout_seconds must be positive")
        self.max_body_bytes = max_body_bytes
        self.header_timeout_seconds = header_timeout_seconds
        self._admin_token = admin_token or None
        self.access_key_id = access_key_id
        self._access_key_secret = access_key_secret
        self._security_token = security_token
        self.host = host
        self.region = region
        self._requested_port = port
        self._port: int | None = None
        self.tls = tls
        self.keep_alive_seconds = keep_alive_seconds
        self._tls_material: TlsMaterial | None = None
        self.state = EmulatorState(
            EmulatorCredentials(access_key_id, access_key_secret, security_token),
            timing=JobTiming(job_seconds, job_seconds_max, seed=seed),
            faults=faults,
            scripted_faults=scripted_faults,
            seed=seed,
            clock=clock,
            limit_clock=limit_clock,
            region=region,
            sts=StsSettings(
                role_arns=as_tuple(role_arns),
                oidc_provider_arn=oidc_provider_arn,
                oidc_tokens=as_tuple(oidc_tokens),
                token_seconds=sts_token_seconds,
                ecs_role_name=ecs_role_name,
                metadata_token_required=metadata_token_required,
            ),
            ai_app_batch_limit=ai_app_batch_limit,
            strict_placement=strict_placement,
            presign_output_urls=presign_output_urls,
        )
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    def __repr__(self) -> str:
        where = self.url if self._port else "not started"
        return f"IceEmulator({where}, access_key_id={self.access_key_id!r})"

    @property
    def port(self) -> int:
        """The port it listens on (after start)."""
        if self._port is None:
            raise RuntimeError("The ICE emulator is not started")
        return self._port

    @property
    def url(self) -> str:
        """``http://HOST:PORT`` (``https://`` with TLS), the endpoint to give a client."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def scheme(self) -> str:
        """``https`` when serving TLS, else ``http``."""
        return "https" if self.tls else "http"

    @property
    def ca_bundle_path(self) -> str:
        """With TLS, the PEM file of the CA that signed the server certificate: what clients trust."""
        if self._tls_material is None:
            raise RuntimeError("The ICE emulator serves TLS only when made with tls=True and started")
        return str(self._tls_material.ca_cert_path)

    @property
    def ca_pem(self) -> str:
        """With TLS, the CA certificate as PEM text (see :attr:`ca_bundle_path`)."""
        if self._tls_material is None:
            raise RuntimeError("The ICE emulator serves TLS only when made with tls=True and started")
        return self._tls_material.ca_pem

    @property
    def endpoint(self) -> str:
        """``HOST:PORT`` (what the official SDK takes as ``endpoint``)."""
        return self.url.split("://", 1)[1]

    def connection_json(self, *, with_key: bool = True, **extra: Any) -> str:
        """JSON for an ``AIRFLOW_CONN_<ID>`` variable pointing at this emulator.

        :param with_key: store the emulator's AccessKey (and STS token) in the connection; without
            it, pass the credential-source extras (``role_arn``, ``sts_endpoint=emulator.url``, ...).
        :param extra: more connection extras (``signature_algorithm``, ``timeout``, ...); they
            override the defaults. With TLS the ``ca_bundle`` extra names the CA's PEM file.
        """
        extras: dict[str, Any] = {"endpoint": self.url, "region": self.region}
        if self._tls_material is not None:
            extras["ca_bundle"] = self.ca_bundle_path
        if self._security_token and with_key:
            extras["security_token"] = self._security_token
        extras.update(extra)
        connection: dict[str, Any] = {"conn_type": "alibaba_ice", "extra": extras}
        if with_key:
            connection.update(login=self.access_key_id, password=self._access_key_secret)
        return json.dumps(connection)

    @property
    def sts_settings(self) -> StsSettings:
        """What the emulated STS and metadata service accept and issue now."""
        return self.state.sts.settings

    def configure_sts(self, **changes: Any) -> None:
        """Change :class:`~airflow_ice.emulator.temporary_keys.StsSettings` fields while running,
        e.g. ``configure_sts(oidc_tokens=["rotated"])`` or ``configure_sts(token_seconds=5)``.

        :param changes: the fields to change (``role_arns`` and ``oidc_tokens`` take a string or a list).
        """
        for name in ("role_arns", "oidc_tokens"):
            if name in changes:
                changes[name] = as_tuple(changes[name])
        self.state.sts.settings = dataclasses.replace(self.state.sts.settings, **changes)

    def jobs(self) -> list[dict[str, Any]]:
        """Every job as the emulator holds it (what ``GET /_emulator/jobs`` answers)."""
        return self.state.job_report()

    def hold_jobs(self) -> None:
        """Hold the job clock: no job moves on until :meth:`release_jobs`."""
        self.state.job_clock.hold()

    def release_jobs(self) -> None:
        """Let the job clock go on from where it was held."""
        self.state.job_clock.release()

    def counters(self) -> CounterSnapshot:
        """What happened so far: requests per action, jobs submitted, faults, auth failures."""
        return self.state.counters.snapshot()

    def set_faults(
        self,
        changes: Mapping[str, Any] | None = None,
        *,
        scripted: ScriptedArgument = None,
        clear_scripted: bool = False,
        replace: bool = False,
        **fields: Any,
    ) -> None:
        """Change faults while running, e.g. ``set_faults(unavailable_rate=0.5)`` or
        ``set_faults(scripted=[ScriptedFault(kind="drop", action="QueryIProductionJob", count=2)])``.

        :param changes: fault settings to change, as a mapping (merged with ``fields``).
        :param scripted: one-shot faults to queue.
        :param clear_scripted: drop pending one-shot faults first.
        :param replace: start from no standing faults instead of the current ones.
        :param fields: fault settings to change, as keywords.
        """
        self.state.update_faults(
            {**(changes or {}), **fields}, scripted=scripted, clear_scripted=clear_scripted, replace=replace
        )

    def reset(self) -> None:
        """Forget jobs, counters and nonces; faults go back to their start settings."""
        self.state.reset()

    def admin_headers(self) -> dict[str, str]:
        """The headers an admin API request needs: the admin token's, when one is set."""
        return {} if self._admin_token is None else {"Authorization": f"Bearer {self._admin_token}"}

    def start(self) -> IceEmulator:
        """Bind, start serving on a background thread, and return once connections are accepted."""
        if self._thread is not None:
            raise RuntimeError("The ICE emulator is already started")
        if not is_loopback(self.host):
            logger.warning(
                "The ICE emulator listens on %s, not on loopback: it is a test tool, and anyone who reaches "
                "it can call its API and, with the admin token, its admin API. Serve it only on a network "
                "you trust.",
                self.host,
            )
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self._requested_port))
        except OSError:
            sock.close()
            raise
        self._socket = sock
        self._port = sock.getsockname()[1]
        if self.tls:
            self._tls_material = make_tls_material([self.host, "localhost", "127.0.0.1", "::1"])
        logging.getLogger("uvicorn.error").addFilter(_DROP_FILTER)
        server = uvicorn.Server(self._uvicorn_config())
        self._server = server
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=f"ice-emulator-{self._port}", daemon=True
        )
        self._thread = thread
        thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"The ICE emulator failed to start on {self.host}:{self._port}")
            time.sleep(0.002)
        return self

    def stop(self) -> None:
        """Stop serving, wait for the thread and release the port."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=START_TIMEOUT_SECONDS)
        if self._socket is not None:
            self._socket.close()
        if self._tls_material is not None:
            self._tls_material.remove()
        self._tls_material = None
        self._server = None
        self._thread = None
        self._socket = None

    def __enter__(self) -> IceEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _uvicorn_config(self) -> uvicorn.Config:
        tls = self._tls_material
        return uvicorn.Config(
            EmulatorApp(self.state, max_body_bytes=self.max_body_bytes, admin_token=self._admin_token),
            interface="asgi3",
            http=header_timeout_protocol(self.header_timeout_seconds),
            lifespan="off",
            log_config=None,
            log_level="warning",
            access_log=False,
            proxy_headers=False,
            server_header=False,
            date_header=False,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            timeout_keep_alive=self.keep_alive_seconds,  # type: ignore[arg-type]  # uvicorn takes a float too
            ssl_certfile=None if tls is None else str(tls.cert_path),
            ssl_keyfile=None if tls is None else str(tls.key_path),
        )
