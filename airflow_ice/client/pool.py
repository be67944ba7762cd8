"""Process-wide shared async transports: one per endpoint, credentials and TLS settings.

A triggerer runs thousands of triggers, each with its own hook. Giving each hook its own
connection pool would cost a TLS handshake and a pool per trigger; instead every hook of a
process that talks to the same endpoint with the same credentials and TLS settings holds a
:class:`ClientLease` on one shared transport. It lives while any lease is held and is closed when
the last one is released.

Transports belong to the event loop that created them (their connections and locks do), so the
pool keeps one set per running loop, and closes what is left of it when the loop shuts down
(``asyncio.run`` ends): a script that never closes its hook leaves no unclosed session behind.
Creating one never blocks the loop: the TLS context, whose
CA certificates are read from disk, is built once per TLS settings in a worker thread and cached
for the life of the process. Nothing is imported or built before the first call.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import os
import ssl
import weakref
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from airflow_ice.client.futures import mark_exception_retrieved
from airflow_ice.client.tls import TlsSettings, cached_ssl_context, ssl_context_for
from airflow_ice.client.transport import AnswerLimits, AsyncTransport
from airflow_ice.client.wire import WireRequest, WireResponse

if TYPE_CHECKING:
    import httpx

    from airflow_ice.client.config import IceConnectionConfig

# Keep-alive for every connection the pool may open: a re-handshake over TLS costs far more than a
# poll. At most MAX_CONNECTIONS requests are on the wire at once per shared transport.
MAX_CONNECTIONS = 64
KEEPALIVE_EXPIRY = 30.0

TransportFactory = Callable[[ssl.SSLContext, int, float], AsyncTransport]
"""Builds a transport from its TLS context, its connection limit and its keep-alive (seconds)."""

# Salt of the credentials fingerprints: random per process, so a fingerprint says nothing outside it.
_FINGERPRINT_SALT = os.urandom(16)


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
        source = repr(config.credential_settings)
        material = "\0".join(
            (creds.access_key_id, creds.access_key_secret, creds.security_token or "", source)
        )
        digest = hmac.new(_FINGERPRINT_SALT, material.encode("utf-8"), hashlib.sha256).hexdigest()
        return cls(config.base_url, digest[:32])


@dataclass(frozen=True)
class ClientKey:
    """What decides whether two hooks may share a transport (timeouts and size caps travel with
    each request, so they do not).

    :param identity: endpoint and credentials.
    :param tls: certificate checks.
    """

    identity: EndpointIdentity
    tls: TlsSettings

    @classmethod
    def of(cls, config: IceConnectionConfig) -> ClientKey:
        """The key of a connection's shared transport."""
        return cls(EndpointIdentity.of(config), TlsSettings.of(config))


def default_transport_factory() -> TransportFactory:
    """aiohttp's transport (imported on the first call, not with this module)."""
    from airflow_ice.client.aiohttp_transport import AiohttpTransport

    return AiohttpTransport


def httpx_transport_factory() -> TransportFactory:
    """httpx's own async client (pure Python: more CPU per request than aiohttp)."""
    from airflow_ice.client.httpx_transport import HttpxAsyncTransport

    return HttpxAsyncTransport


class _SharedTransport:
    """One shared transport, its lease count, and the gate bounding its requests in flight."""

    def __init__(self, transport: AsyncTransport, max_in_flight: int) -> None:
        self.transport = transport
        self.leases = 0
        self.closed = False
        # Queued here, in O(1): thousands of triggers waiting on a pool's own queue cost more.
        self.gate = asyncio.Semaphore(max_in_flight)
        self.httpx_client: httpx.AsyncClient | None = None

    async def aclose(self) -> None:
        self.closed = True
        if self.httpx_client is not None:
            await self.httpx_client.aclose()
        await self.transport.aclose()


class ClientLease:
    """One user's hold on a shared transport; release it exactly once (further releases do nothing).

    :param pool: the pool it came from.
    :param key: the transport's key.
    :param shared: the shared transport.
    """

    def __init__(self, pool: AsyncClientPool, key: ClientKey, shared: _SharedTransport) -> None:
        self._pool = pool
        self._key = key
        self._shared: _SharedTransport | None = shared

    def __repr__(self) -> str:
        state = "released" if self._shared is None else "held"
        return f"ClientLease({self._key.identity.base_url}, {state})"

    def _held(self) -> _SharedTransport:
        if self._shared is None:
            raise RuntimeError("The client lease was released")
        return self._shared

    @property
    def transport(self) -> AsyncTransport:
        """The shared transport (do not close it: :meth:`release` the lease instead)."""
        return self._held().transport

    @property
    def client(self) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` sending through the shared transport, made on first use (do not
        close it: :meth:`release` the lease instead)."""
        shared = self._held()
        if shared.httpx_client is None:
            import httpx

            from airflow_ice.client.httpx_transport import HttpxClientAdapter

            shared.httpx_client = httpx.AsyncClient(transport=HttpxClientAdapter(shared.transport))
        return shared.httpx_client

    @property
    def released(self) -> bool:
        """Whether :meth:`release` was called."""
        return self._shared is None

    @property
    def closed(self) -> bool:
        """Whether the lease can no longer send: released, or its transport closed with its event loop."""
        return self._shared is None or self._shared.closed

    async def send(self, make_request: Callable[[], WireRequest], limits: AnswerLimits) -> WireResponse:
        """Send a request and read the whole answer, waiting for a free slot first.

        :param make_request: makes (and signs) the request once a slot is free: with thousands of
            callers waiting, requests signed early would hold memory and age their timestamps.
        :param limits: the attempt's deadline and size cap.
        """
        shared = self._held()
        # acquire and release rather than ``async with``, here rather than in a method of the shared
        # transport: coroutines fewer per poll.
        await shared.gate.acquire()
        try:
            return await shared.transport.send(make_request(), limits)
        finally:
            shared.gate.release()

    async def release(self) -> None:
        """Give the transport back; the last lease closes it."""
        shared, self._shared = self._shared, None
        if shared is not None:
            await self._pool.release(self._key, shared)


class AsyncClientPool:
    """Shared async transports, one per :class:`ClientKey` and event loop, lease counted.

    :param max_connections: connections (and so requests in flight) of each transport.
    :param keepalive_expiry: seconds an idle connection is kept.
    :param transport_factory: builds each transport; by default aiohttp's
        (:class:`~airflow_ice.client.aiohttp_transport.AiohttpTransport`).
    """

    def __init__(
        self,
        max_connections: int = MAX_CONNECTIONS,
        keepalive_expiry: float = KEEPALIVE_EXPIRY,
        transport_factory: TransportFactory | None = None,
    ) -> None:
        self.max_connections = max_connections
        self.keepalive_expiry = keepalive_expiry
        self._transport_factory = transport_factory
        self._shared: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[ClientKey, _SharedTransport]
        ] = weakref.WeakKeyDictionary()
        self._building: dict[
            tuple[asyncio.AbstractEventLoop, TlsSettings], asyncio.Future[ssl.SSLContext]
        ] = {}
        # Per loop, the transports let go whose close has not run yet (see release()).
        self._closing: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, set[_SharedTransport]] = (
            weakref.WeakKeyDictionary()
        )
        # Per loop, the async generator whose finalisation at the loop's shutdown closes its transports.
        self._shutdown_watches: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, AsyncGenerator[None, None]
        ] = weakref.WeakKeyDictionary()

    async def acquire(self, config: IceConnectionConfig) -> ClientLease:
        """A lease on the shared transport for ``config`` (made on first use, without blocking the loop).

        :raises IceConfigurationError: the connection's CA bundle cannot be loaded.
        """
        key = ClientKey.of(config)
        context = await self._ssl_context(key.tls)
        # No await from here on: checking and registering the transport is atomic on the loop.
        loop = asyncio.get_running_loop()
        if loop not in self._shutdown_watches:
            self._shutdown_watches[loop] = self._watch_shutdown()
        shared_here = self._shared.setdefault(loop, {})
        shared = shared_here.get(key)
        if shared is None or shared.closed:
            shared = shared_here[key] = self._new_shared(context)
        shared.leases += 1
        return ClientLease(self, key, shared)

    def _watch_shutdown(self) -> AsyncGenerator[None, None]:
        """Start, on the running loop, an async generator that closes the loop's transports when the
        loop shuts down.

        Asyncio has no hook for a loop closing, but ``asyncio.run`` (and ``asyncio.Runner``) finalise
        the loop's async generators just before closing it (``loop.shutdown_asyncgens()``), on the
        loop: the generator's ``finally`` is that hook. It is advanced to its ``yield`` here, without
        awaiting, so that the loop registers it (its first-iteration hook).
        """

        async def watch() -> AsyncGenerator[None, None]:
            try:
                yield
            finally:
                loop = asyncio.get_running_loop()
                left = [*self._shared.pop(loop, {}).values(), *self._closing.pop(loop, ())]
                await asyncio.gather(*(shared.aclose() for shared in left), return_exceptions=True)

        watcher = watch()
        with contextlib.suppress(StopIteration):  # raised once it is suspended at its yield
            watcher.asend(None).send(None)
        return watcher

    def open_clients(self) -> int:
        """How many shared transports are open on the running loop."""
        return len(self._shared.get(asyncio.get_running_loop(), {}))

    def leases(self, config: IceConnectionConfig) -> int:
        """How many leases are held on the running loop's transport for ``config`` (0 if none)."""
        shared = self._shared.get(asyncio.get_running_loop(), {}).get(ClientKey.of(config))
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
            building.add_done_callback(mark_exception_retrieved)
        # Shielded: a cancelled trigger must not cancel the build the others wait for.
        return await asyncio.shield(building)

    def _new_shared(self, context: ssl.SSLContext) -> _SharedTransport:
        if self._transport_factory is None:
            self._transport_factory = default_transport_factory()
        transport = self._transport_factory(context, self.max_connections, self.keepalive_expiry)
        return _SharedTransport(transport, self.max_connections)

    async def release(self, key: ClientKey, shared: _SharedTransport) -> None:
        """Count one lease of ``shared`` as given back; close it when it was the last
        (:meth:`ClientLease.release` calls this)."""
        shared.leases -= 1
        if shared.leases > 0:
            return
        loop = asyncio.get_running_loop()
        shared_here = self._shared.get(loop, {})
        if shared_here.get(key) is shared:
            del shared_here[key]
        # Shielded: a trigger cancelled while cleaning up must still close the connections. Kept
        # among the loop's closing transports until its close runs: a loop shutting down first
        # cancels the shielded close too, before it starts, and its shutdown watch then closes it.
        closing = self._closing.setdefault(loop, set())
        closing.add(shared)
        await asyncio.shield(self._close(shared, closing))

    @staticmethod
    async def _close(shared: _SharedTransport, closing: set[_SharedTransport]) -> None:
        closing.discard(shared)
        await shared.aclose()


SHARED_CLIENTS = AsyncClientPool()
"""The process-wide pool every engine takes its async transport from (built on first use)."""

__all__ = [
    "KEEPALIVE_EXPIRY",
    "MAX_CONNECTIONS",
    "SHARED_CLIENTS",
    "AsyncClientPool",
    "ClientKey",
    "ClientLease",
    "EndpointIdentity",
    "TransportFactory",
    "default_transport_factory",
    "httpx_transport_factory",
]
