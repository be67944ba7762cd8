"""The shared clients' transport: signed requests sent with aiohttp (its C parser and its pool).

httpx's own async transport is pure Python (h11, anyio TLS streams, a connection pool that scans
every connection and queued request on each event); with thousands of triggers polling, that
bookkeeping costs several times more CPU per request than aiohttp. The engine hands this
transport a :class:`~airflow_ice.client.wire.WireRequest` (plain strings and bytes) and gets a
:class:`~airflow_ice.client.wire.WireResponse` back: no httpx object is built per poll.

aiohttp's ``total`` timeout covers connecting, sending, the headers and reading the body, so a
server that dribbles its answer cannot hold a call past the attempt's timeout.
"""

from __future__ import annotations

import asyncio
import ssl

import aiohttp
from yarl import URL

from airflow_ice.client.transport import (
    READ_CHUNK_BYTES,
    AnswerLimits,
    FailureKind,
    TransportFailure,
    describe_exception,
    too_large,
)
from airflow_ice.client.wire import WireRequest, WireResponse

# Headers aiohttp would add on its own. Accept-Encoding above all: no compressed answer is asked
# for (one sent anyway is decoded by the wire module, as on the sync path). Content-Type: an
# empty POST is sent without one, as the official SDK does.
_SKIP_AUTO_HEADERS = ("Accept-Encoding", "Content-Type")


def _failure(exc: aiohttp.ClientError | asyncio.TimeoutError) -> TransportFailure:
    """What an exception aiohttp raised while sending means: whether ICE can have acted."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        # No connection was made (refused, DNS, TLS handshake or certificate): nothing was sent.
        return TransportFailure(FailureKind.NOT_SENT, describe_exception(exc))
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return TransportFailure(FailureKind.NOT_SENT, f"connect timed out ({exc})")
    if isinstance(exc, aiohttp.ServerTimeoutError):
        return TransportFailure(FailureKind.LOST, f"read timed out ({exc})")
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return TransportFailure(FailureKind.LOST, "the server disconnected without a whole answer")
    if isinstance(exc, aiohttp.ClientError):
        # Payload and protocol errors, resets and anything else: the request may have been processed.
        return TransportFailure(FailureKind.LOST, describe_exception(exc))
    return TransportFailure(FailureKind.LOST, "no whole answer within the timeout")


def _env_proxy(url: URL) -> tuple[URL | None, dict[str, str] | None]:
    """The proxy for ``url`` from ``HTTP(S)_PROXY``/``NO_PROXY`` (and .netrc credentials), as httpx uses."""
    try:
        proxy, auth = aiohttp.helpers.get_env_proxy_for_url(url)
    except LookupError:
        return None, None
    return proxy, None if auth is None else {"Proxy-Authorization": auth.encode()}


class AiohttpTransport:
    """Send signed requests over one ``aiohttp.ClientSession`` (made on first use, in the running loop).

    :param ssl_context: the TLS context checking the server's certificate.
    :param max_connections: the most connections open at once.
    :param keepalive_expiry: seconds an idle connection is kept.
    """

    def __init__(self, ssl_context: ssl.SSLContext, max_connections: int, keepalive_expiry: float) -> None:
        self._ssl_context = ssl_context
        self._max_connections = max_connections
        self._keepalive_expiry = keepalive_expiry
        self._session: aiohttp.ClientSession | None = None
        self._proxy: tuple[URL | None, dict[str, str] | None] | None = None
        # The last limits converted: a shared client sends every request with the same ones.
        self._timeout: tuple[AnswerLimits, aiohttp.ClientTimeout] | None = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                ssl=self._ssl_context, limit=self._max_connections, keepalive_timeout=self._keepalive_expiry
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
                skip_auto_headers=_SKIP_AUTO_HEADERS,
                # With trust_env aiohttp reads proxy settings and .netrc in a thread on every
                # request; they are read once per transport instead (see _env_proxy).
                trust_env=False,
            )
        return self._session

    def _aiohttp_timeout(self, limits: AnswerLimits) -> aiohttp.ClientTimeout:
        cached = self._timeout
        if cached is not None and cached[0] is limits:
            return cached[1]
        converted = aiohttp.ClientTimeout(total=limits.timeout, sock_connect=limits.connect_timeout)
        self._timeout = (limits, converted)
        return converted

    async def send(self, request: WireRequest, limits: AnswerLimits) -> WireResponse:
        """Send ``request`` and return its whole answer within ``limits``.

        :raises TransportFailure: no whole answer (its kind says whether ICE can have acted).
        """
        url = URL(request.url, encoded=True)  # already encoded and signed: no re-encoding
        if self._proxy is None:
            # Reading proxy settings may read ~/.netrc: off the loop, once per transport.
            self._proxy = await asyncio.to_thread(_env_proxy, url)
        proxy, proxy_headers = self._proxy
        # A plain try rather than a context manager: this runs on every poll.
        try:
            async with self._get_session().request(
                request.method,
                url,
                headers=request.headers,
                data=request.body or None,
                allow_redirects=False,
                timeout=self._aiohttp_timeout(limits),
                proxy=proxy,
                proxy_headers=proxy_headers,
            ) as answer:
                length = answer.content_length
                if length is None:
                    content = await _read_capped(answer, limits.max_bytes)
                elif length > limits.max_bytes:
                    raise too_large(limits.max_bytes, length)
                else:
                    content = await answer.read()  # exactly Content-Length bytes
                return WireResponse(answer.status, answer.reason or "", answer.headers, content)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise _failure(exc) from exc

    async def aclose(self) -> None:
        """Close the session and its connections."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()


async def _read_capped(answer: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    """An answer without a Content-Length, read up to ``max_bytes``."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await answer.content.read(READ_CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            raise too_large(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


__all__ = ["AiohttpTransport"]
