"""Transports over httpx's own stack: the sync path (httpcore with a whole-answer deadline) and an
async one (httpx's pure-Python client, used where aiohttp is not wanted).

httpcore applies its timeouts to each socket operation, so a server that sends one byte a second
would hold a call for as long as it likes. The sync transport's network backend gives every
socket operation only what is left of the attempt's deadline, which bounds connecting, sending,
the headers and the body together.
"""

from __future__ import annotations

import asyncio
import ssl
import sys
import threading
import time
import urllib.request
from collections.abc import Awaitable, Iterable, Iterator
from typing import TypeVar
from urllib.parse import urlsplit

import httpcore
import httpx

from airflow_ice.client.transport import (
    AnswerLimits,
    AsyncTransport,
    FailureKind,
    TransportFailure,
    describe_exception,
    too_large,
)
from airflow_ice.client.wire import WireRequest, WireResponse

T = TypeVar("T")

_NOT_SENT = (httpcore.ConnectError, httpcore.ConnectTimeout, httpcore.PoolTimeout)


class _Deadline(threading.local):
    """The monotonic deadline of the attempt this thread is sending, if any."""

    at: float | None = None

    def bound(self, timeout: float | None, expired: type[Exception]) -> float | None:
        """``timeout`` cut to what is left of the deadline; ``expired`` raised when nothing is left."""
        if self.at is None:
            return timeout
        left = self.at - time.monotonic()
        if left <= 0:
            raise expired("no whole answer within the timeout")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._deadline.bound(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._deadline.bound(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        bounded = self._deadline.bound(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, bounded), self._deadline)

    def get_extra_info(self, info: str) -> object:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, deadline: _Deadline) -> None:
        self._backend = httpcore.SyncBackend()
        self._deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[object] | None = None,
    ) -> httpcore.NetworkStream:
        bounded = self._deadline.bound(timeout, httpcore.ConnectTimeout)
        stream = self._backend.connect_tcp(host, port, bounded, local_address, socket_options)  # type: ignore[arg-type]
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[object] | None = None
    ) -> httpcore.NetworkStream:
        bounded = self._deadline.bound(timeout, httpcore.ConnectTimeout)
        stream = self._backend.connect_unix_socket(path, bounded, socket_options)  # type: ignore[arg-type]
        return _DeadlineStream(stream, self._deadline)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _env_proxy(base_url: str) -> httpcore.Proxy | None:
    """The proxy ``HTTP(S)_PROXY``/``NO_PROXY`` name for ``base_url``, as httpx would use."""
    parts = urlsplit(base_url)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if not proxy or urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return httpcore.Proxy(proxy if "://" in proxy else f"http://{proxy}")


class SyncHttpTransport:
    """Send signed requests from a thread over an httpcore pool, each within one deadline.

    :param ssl_context: the TLS context checking the server's certificate.
    :param base_url: the endpoint (for its proxy, read from the environment once).
    :param max_connections: the most connections open at once.
    :param keepalive_expiry: seconds an idle connection is kept.
    """

    def __init__(
        self, ssl_context: ssl.SSLContext, base_url: str, max_connections: int, keepalive_expiry: float
    ) -> None:
        self._deadline = _Deadline()
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            proxy=_env_proxy(base_url),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=keepalive_expiry,
            network_backend=_DeadlineBackend(self._deadline),
        )

    def send(self, request: WireRequest, limits: AnswerLimits) -> WireResponse:
        """Send ``request`` and return its whole answer within ``limits``.

        :raises TransportFailure: no whole answer (its kind says whether ICE can have acted).
        """
        timeouts = {
            "connect": limits.connect_timeout,
            "read": limits.timeout,
            "write": limits.timeout,
            "pool": limits.timeout,
        }
        self._deadline.at = time.monotonic() + limits.timeout
        try:
            with self._pool.stream(
                request.method,
                request.url,
                headers=list(request.headers.items()),
                content=request.body or None,
                extensions={"timeout": timeouts},
            ) as answer:
                headers = {
                    name.decode("latin-1").lower(): value.decode("latin-1") for name, value in answer.headers
                }
                content = _read_capped(headers, answer.iter_stream(), limits.max_bytes)
                reason = answer.extensions.get("reason_phrase", b"")
                return WireResponse(answer.status, bytes(reason).decode("latin-1"), headers, content)
        except _NOT_SENT as exc:
            raise TransportFailure(FailureKind.NOT_SENT, describe_exception(exc)) from exc
        except (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError) as exc:
            raise TransportFailure(FailureKind.LOST, describe_exception(exc)) from exc
        finally:
            self._deadline.at = None

    def close(self) -> None:
        """Close the connections."""
        self._pool.close()


def _read_capped(headers: dict[str, str], chunks: Iterator[bytes], max_bytes: int) -> bytes:
    length = headers.get("content-length")
    if length is not None and length.strip().isdigit() and int(length) > max_bytes:
        raise too_large(max_bytes, int(length))
    body = bytearray()
    for chunk in chunks:
        body += chunk
        if len(body) > max_bytes:
            raise too_large(max_bytes)
    return bytes(body)


class HttpxAsyncTransport:
    """Send signed requests with httpx's own async client (pure Python; aiohttp is the default).

    httpx's timeouts apply per socket operation, so the whole answer is bounded by the loop.

    :param ssl_context: the TLS context checking the server's certificate.
    :param max_connections: the most connections open at once.
    :param keepalive_expiry: seconds an idle connection is kept.
    """

    def __init__(self, ssl_context: ssl.SSLContext, max_connections: int, keepalive_expiry: float) -> None:
        limits = httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=keepalive_expiry,
        )
        self._client = httpx.AsyncClient(verify=ssl_context, limits=limits)

    async def send(self, request: WireRequest, limits: AnswerLimits) -> WireResponse:
        """Send ``request`` and return its whole answer within ``limits``.

        :raises TransportFailure: no whole answer (its kind says whether ICE can have acted).
        """
        try:
            return await _within(limits.timeout, self._send(request, limits))
        except TimeoutError as exc:
            raise TransportFailure(FailureKind.LOST, "no whole answer within the timeout") from exc
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TransportFailure(FailureKind.NOT_SENT, describe_exception(exc)) from exc
        except httpx.TransportError as exc:
            raise TransportFailure(FailureKind.LOST, describe_exception(exc)) from exc

    async def _send(self, request: WireRequest, limits: AnswerLimits) -> WireResponse:
        timeout = httpx.Timeout(limits.timeout, connect=limits.connect_timeout)
        # Built outside the client: no default headers (Accept-Encoding above all) are added.
        outgoing = httpx.Request(
            request.method,
            request.url,
            headers=request.headers,
            content=request.body,
            extensions={"timeout": timeout.as_dict()},
        )
        answer = await self._client.send(outgoing, stream=True)
        try:
            headers = {name.lower(): value for name, value in answer.headers.items()}
            length = headers.get("content-length")
            if length is not None and length.strip().isdigit() and int(length) > limits.max_bytes:
                raise too_large(limits.max_bytes, int(length))
            body = bytearray()
            async for chunk in answer.aiter_raw():
                body += chunk
                if len(body) > limits.max_bytes:
                    raise too_large(limits.max_bytes)
            return WireResponse(answer.status_code, answer.reason_phrase, headers, bytes(body))
        finally:
            await answer.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self._client.aclose()


async def _within(seconds: float, work: Awaitable[T]) -> T:
    """``await work``, raising ``TimeoutError`` after ``seconds``; a cancellation of the caller
    always propagates. (``asyncio.wait_for`` before Python 3.12 can swallow a cancellation that
    arrives as ``work`` completes, which would leave a cancelled trigger waiting.)"""
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(seconds):
            return await work
    task = asyncio.current_task()
    assert task is not None
    expired = False

    def expire() -> None:
        nonlocal expired
        expired = True
        task.cancel()

    handle = asyncio.get_running_loop().call_later(seconds, expire)
    try:
        return await work
    except asyncio.CancelledError:
        if expired:
            raise TimeoutError from None
        raise
    finally:
        handle.cancel()


class HttpxClientAdapter(httpx.AsyncBaseTransport):
    """httpx's transport interface over one of ours, so that an ``httpx.AsyncClient`` (what
    :meth:`IceHook.aget_conn` hands out) sends through the shared connections.

    :param transport: the shared transport.
    :param max_bytes: the largest answer read.
    """

    def __init__(self, transport: AsyncTransport, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._transport = transport
        self._max_bytes = max_bytes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        seconds = timeouts.get("read") or timeouts.get("connect") or 30.0
        body = await request.aread()
        wire = WireRequest(request.method, str(request.url), dict(request.headers.items()), body)
        try:
            answer = await self._transport.send(wire, AnswerLimits(float(seconds), self._max_bytes))
        except TransportFailure as failure:
            error = httpx.ConnectError if failure.kind is FailureKind.NOT_SENT else httpx.ReadError
            raise error(failure.detail, request=request) from failure
        return httpx.Response(
            status_code=answer.status_code,
            headers=list(answer.headers.items()),
            content=answer.content,
            request=request,
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": answer.reason_phrase.encode("latin-1", "replace"),
            },
        )


__all__ = ["HttpxAsyncTransport", "HttpxClientAdapter", "SyncHttpTransport"]
