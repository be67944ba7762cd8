"""Process-wide shared async HTTP clients: one pooled client per endpoint, credentials and TLS settings.

A triggerer runs thousands of triggers, each with its own hook. Giving each hook its own
``httpx.AsyncClient`` would cost a TLS handshake and a connection pool per trigger; instead every
hook of a process that talks to the same endpoint with the same credentials and TLS settings
holds a :class:`ClientLease` on one shared client. The client lives while any lease is held and
is closed when the last one is released.

Clients belong to the event loop that created them (their connections and locks do), so the
pool keeps one set of clients per running loop. Creating a client never blocks the loop: the
TLS context, whose CA certificates are read from disk, is built once per TLS settings in a worker
thread and cached for the life of the process.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import ssl
import threading
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import httpx

from airflow_ice.errors import IceConfigurationError
from airflow_ice.transport import Answer, SigningTransport, WireRequest

if TYPE_CHECKING:
    from airflow_ice.connection import IceConnectionConfig

# Keep-alive for every connection the pool may open: a re-handshake over TLS costs far more than a
# poll. At most MAX_CONNECTIONS requests are on the wire at once per shared client.
MAX_CONNECTIONS = 64
POOL_LIMITS = httpx.Limits(
    max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS, keepalive_expiry=30.0
)


# Builds a client's transport from its TLS context and limits (tests and benchmarks swap it).
TransportFactory = Callable[[ssl.SSLContext, httpx.Limits], SigningTransport]
# A request, or a function making it when it can be sent.
RequestOrFactory = WireRequest | Callable[[], WireRequest]
# Seconds allowed for opening a connection (the request timeout may be longer).
MAX_CONNECT_TIMEOUT = 10.0
PEM_MARKER = "-----BEGIN"

# Salt of the credentials fingerprints: random per process, so a fingerprint says nothing outside it.
_FINGERPRINT_SALT = os.urandom(16)


@dataclass(frozen=True)
class TlsSettings:
    """How a client checks the server's certificate.

    :param verify: whether to verify it at all.
    :param ca_bundle: the CAs to trust instead of the default ones: a PEM file path or PEM text.
    """

    verify: bool = True
    ca_bundle: str | None = field(default=None, repr=False)

    @classmethod
    def of(cls, config: IceConnectionConfig) -> TlsSettings:
        """The TLS settings of a connection."""
        return cls(verify=config.verify, ca_bundle=config.ca_bundle if config.verify else None)


@dataclass(frozen=True)
class EndpointIdentity:
    """Who calls where: the endpoint and a fingerprint of the credentials (never the secret itself).

    :param base_url: scheme and host of the endpoint.
    :param credentials_fingerprint: salted hash of AccessKey ID, Secret, STS token and credential source.
    """

    base_url: str
    credentials_fingerprint: str

    @classmethod
    def of(cls, config: IceConnectionConfig) -> EndpointIdentity:
        """The identity of a connection."""
        creds = config.credentials
        # Connections without a stored key differ by where their credentials come from.
        source = repr(getattr(config, "credential_settings", ""))
        material = "\0".join(
            (creds.access_key_id, creds.access_key_secret, creds.security_token or "", source)
        )
        digest = hmac.new(_FINGERPRINT_SALT, material.encode("utf-8"), hashlib.sha256).hexdigest()
        return cls(config.base_url, digest[:32])


@dataclass(frozen=True)
class ClientKey:
    """What decides whether two hooks may share a client.

    :param identity: endpoint and credentials.
    :param tls: certificate checks.
    :param timeout: seconds allowed per request (a client setting).
    """

    identity: EndpointIdentity
    tls: TlsSettings
    timeout: float

    @classmethod
    def of(cls, config: IceConnectionConfig) -> ClientKey:
        """The key of a connection's shared client."""
        return cls(EndpointIdentity.of(config), TlsSettings.of(config), config.timeout)


_contexts: dict[TlsSettings, ssl.SSLContext] = {}
_contexts_lock = threading.Lock()


def cached_ssl_context(tls: TlsSettings) -> ssl.SSLContext | None:
    """The TLS context already built for ``tls``, or None (never does I/O)."""
    return _contexts.get(tls)


def ssl_context_for(tls: TlsSettings) -> ssl.SSLContext:
    """The TLS context for ``tls``, built once per process (blocking: reads CA files).

    :raises IceConfigurationError: the CA bundle cannot be read or holds no certificate.
    """
    context = _contexts.get(tls)
    if context is not None:
        return context
    with _contexts_lock:
        context = _contexts.get(tls)
        if context is None:
            context = _build_ssl_context(tls)
            _contexts[tls] = context
    return context


def _build_ssl_context(tls: TlsSettings) -> ssl.SSLContext:
    if not tls.verify:
        return httpx.create_ssl_context(verify=False)
    if tls.ca_bundle is None:
        return httpx.create_ssl_context()
    is_pem_text = tls.ca_bundle.lstrip().startswith(PEM_MARKER)
    try:
        if is_pem_text:
            return ssl.create_default_context(cadata=tls.ca_bundle)
        return ssl.create_default_context(cafile=tls.ca_bundle)
    except (OSError, ssl.SSLError, ValueError) as exc:
        where = "the PEM text in ca_bundle" if is_pem_text else f"ca_bundle {tls.ca_bundle!r}"
        raise IceConfigurationError(
            f"Cannot load CA certificates from {where}: {exc}. Give the path of a readable PEM file "
            "(or the PEM text) holding the certificate of the CA that signed the endpoint's certificate."
        ) from None


def _mark_retrieved(future: asyncio.Future[Any]) -> None:
    # A failed build whose waiters were all cancelled must not log "exception never retrieved".
    if not future.cancelled():
        future.exception()


class _SharedClient:
    """One shared client, its lease count, and the gate bounding its requests in flight.

    :param client: the httpx client (what :meth:`IceHook.aget_conn` hands out).
    :param transport: when set, signed requests go straight to it, skipping httpx's request,
        URL and response objects and the client's cookie, auth, redirect and proxy-mount
        handling, which ICE calls do not use (the transport handles proxies).
    :param timeout: the client's timeout, applied to requests sent straight to the transport.
    :param max_in_flight: requests allowed on the wire at once.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        transport: SigningTransport | None,
        timeout: httpx.Timeout,
        max_in_flight: int,
    ) -> None:
        self.client = client
        self.transport = transport
        self.timeout = timeout
        self.leases = 0
        # httpcore scans its whole queue of waiting requests on every request and response, so
        # thousands of queued requests cost quadratic time; queue them here instead, in O(1).
        self.gate = asyncio.Semaphore(max_in_flight)

    async def send(self, request: RequestOrFactory) -> Answer:
        async with self.gate:
            if not isinstance(request, WireRequest):
                request = request()
            if self.transport is None:
                response = await self.client.send(request.to_httpx())
                return response
            return await self.transport.send(request, self.timeout)


class ClientLease:
    """One user's hold on a shared client; release it exactly once (further releases do nothing).

    :param pool: the pool it came from.
    :param key: the client's key.
    :param shared: the shared client.
    """

    def __init__(self, pool: AsyncClientPool, key: ClientKey, shared: _SharedClient) -> None:
        self._pool = pool
        self._key = key
        self._shared: _SharedClient | None = shared

    def __repr__(self) -> str:
        state = "released" if self._shared is None else "held"
        return f"ClientLease({self._key.identity.base_url}, {state})"

    @property
    def client(self) -> httpx.AsyncClient:
        """The shared client (do not close it: :meth:`release` the lease instead)."""
        if self._shared is None:
            raise RuntimeError("The client lease was released")
        return self._shared.client

    @property
    def released(self) -> bool:
        """Whether :meth:`release` was called."""
        return self._shared is None

    async def send(self, request: RequestOrFactory) -> Answer:
        """Send ``request`` and read the whole answer, waiting for a free slot first.

        :param request: the request, or a function making it, called once a slot is free: with
            thousands of callers waiting, requests built (and signed) early would hold memory and
            age their signature timestamps.
        """
        shared = self._shared
        if shared is None:
            raise RuntimeError("The client lease was released")
        return await shared.send(request)

    async def release(self) -> None:
        """Give the client back; the last lease closes it."""
        shared, self._shared = self._shared, None
        if shared is not None:
            await self._pool._release(self._key, shared)


class AsyncClientPool:
    """Shared ``httpx.AsyncClient`` objects, one per :class:`ClientKey` and event loop, lease counted.

    :param limits: connection limits of each client.
    :param transport_factory: builds each client's transport from its TLS context and limits;
        None for httpx's own transport (which also honours proxy environment variables). By
        default aiohttp's (see :mod:`airflow_ice.aiohttp_transport`) when aiohttp is installed.
    """

    def __init__(
        self,
        limits: httpx.Limits = POOL_LIMITS,
        transport_factory: TransportFactory | Literal["default"] | None = "default",
    ) -> None:
        self.limits = limits
        self._transport_factory = (
            default_transport_factory() if transport_factory == "default" else transport_factory
        )
        self._clients: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[ClientKey, _SharedClient]
        ] = weakref.WeakKeyDictionary()
        self._building: dict[
            tuple[asyncio.AbstractEventLoop, TlsSettings], asyncio.Future[ssl.SSLContext]
        ] = {}

    async def acquire(self, config: IceConnectionConfig) -> ClientLease:
        """A lease on the shared client for ``config`` (created on first use, without blocking the loop).

        :raises IceConfigurationError: the connection's CA bundle cannot be loaded.
        """
        key = ClientKey.of(config)
        context = await self._ssl_context(key.tls)
        # No await from here on: checking and registering the client is atomic on the loop.
        clients = self._clients.setdefault(asyncio.get_running_loop(), {})
        shared = clients.get(key)
        if shared is None or shared.client.is_closed:
            shared = clients[key] = self._new_shared_client(key, context)
        shared.leases += 1
        return ClientLease(self, key, shared)

    def open_clients(self) -> int:
        """How many shared clients are open on the running loop."""
        return len(self._clients.get(asyncio.get_running_loop(), {}))

    def leases(self, config: IceConnectionConfig) -> int:
        """How many leases are held on the running loop's client for ``config`` (0 if none)."""
        shared = self._clients.get(asyncio.get_running_loop(), {}).get(ClientKey.of(config))
        return 0 if shared is None else shared.leases

    async def _ssl_context(self, tls: TlsSettings) -> ssl.SSLContext:
        context = cached_ssl_context(tls)
        if context is not None:
            return context
        loop = asyncio.get_running_loop()
        building = self._building.get((loop, tls))
        if building is None:
            # One build per TLS settings however many triggers start at once; in a thread, as
            # loading CA certificates reads files.
            building = loop.run_in_executor(None, ssl_context_for, tls)
            self._building[(loop, tls)] = building
            building.add_done_callback(lambda done: self._building.pop((loop, tls), None))
            building.add_done_callback(_mark_retrieved)
        # Shielded: a cancelled trigger must not cancel the build the others wait for.
        return await asyncio.shield(building)

    def _new_shared_client(self, key: ClientKey, context: ssl.SSLContext) -> _SharedClient:
        timeout = httpx.Timeout(key.timeout, connect=min(key.timeout, MAX_CONNECT_TIMEOUT))
        max_in_flight = self.limits.max_connections or MAX_CONNECTIONS
        if self._transport_factory is None:
            client = httpx.AsyncClient(timeout=timeout, verify=context, limits=self.limits)
            return _SharedClient(client, None, timeout, max_in_flight)
        transport = self._transport_factory(context, self.limits)
        client = httpx.AsyncClient(timeout=timeout, transport=transport)
        return _SharedClient(client, transport, timeout, max_in_flight)

    async def _release(self, key: ClientKey, shared: _SharedClient) -> None:
        shared.leases -= 1
        if shared.leases > 0:
            return
        clients = self._clients.get(asyncio.get_running_loop(), {})
        if clients.get(key) is shared:
            del clients[key]
        # Shielded: a trigger cancelled while cleaning up must still close the connections.
        await asyncio.shield(shared.client.aclose())


def default_transport_factory() -> TransportFactory | None:
    """aiohttp's transport when aiohttp (3.10 or later) is installed, else None (httpx's own)."""
    try:
        import aiohttp
    except ImportError:
        return None
    if not hasattr(aiohttp, "ConnectionTimeoutError"):  # aiohttp < 3.10 lacks the error types we map
        return None
    from airflow_ice.aiohttp_transport import AiohttpTransport

    return AiohttpTransport


class ConnectionReads:
    """Concurrent reads of one connection share one lookup (per event loop).

    A triggerer starting (or restarting with) thousands of triggers would otherwise fetch the
    same Airflow connection thousands of times at once, each a trip to the secrets backend or
    the API server. Only reads in flight together are shared: a read that starts after the
    previous one finished fetches again, so an edited connection is seen as before.
    """

    def __init__(self) -> None:
        self._pending: dict[tuple[asyncio.AbstractEventLoop, str], asyncio.Task[IceConnectionConfig]] = {}

    async def read(
        self, conn_id: str, fetch: Callable[[], Awaitable[IceConnectionConfig]]
    ) -> IceConnectionConfig:
        """The connection's settings: from the read in flight for ``conn_id``, else from ``fetch()``."""
        loop = asyncio.get_running_loop()
        key = (loop, conn_id)
        pending = self._pending.get(key)
        if pending is None:

            async def run() -> IceConnectionConfig:
                return await fetch()

            # A task, so that the read completes for the others if its first caller is cancelled.
            pending = self._pending[key] = loop.create_task(run())
            pending.add_done_callback(lambda done: self._pending.pop(key, None))
            pending.add_done_callback(_mark_retrieved)
        return await asyncio.shield(pending)


SHARED_CLIENTS = AsyncClientPool()
"""The process-wide pool every :class:`~airflow_ice.hooks.ice.IceHook` takes its async client from."""

CONNECTION_READS = ConnectionReads()
"""The process-wide sharing of connection reads in flight, used by :meth:`IceHook.aget_config`."""


__all__ = [
    "CONNECTION_READS",
    "POOL_LIMITS",
    "SHARED_CLIENTS",
    "AsyncClientPool",
    "ClientKey",
    "ClientLease",
    "ConnectionReads",
    "EndpointIdentity",
    "TlsSettings",
    "TransportFactory",
    "cached_ssl_context",
    "default_transport_factory",
    "ssl_context_for",
]
