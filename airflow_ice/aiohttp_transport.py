"""The shared clients' transport: signed requests sent with aiohttp (its C parser and its pool).

httpx's own async transport is pure Python (h11, anyio TLS streams, a connection pool that scans
every connection and queued request on each event); with thousands of triggers polling, that
bookkeeping costs several times more CPU per request than aiohttp. The hook's async calls hand
this transport a :class:`~airflow_ice.transport.WireRequest` (plain strings and bytes) and get a
:class:`~airflow_ice.transport.WireResponse` back, so no httpx request, URL or response object
is built per poll. It is also an ``httpx.AsyncBaseTransport``, so the httpx client that
:meth:`IceHook.aget_conn` hands out sends through the same session and connections.

Errors are mapped onto httpx's exception types with the distinction the retry rules depend on:
a request that surely never reached the server (``ConnectError``, ``ConnectTimeout``) versus one
whose answer was lost (``ReadTimeout``, ``RemoteProtocolError``, ``ReadError``).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

import aiohttp
import httpx
from yarl import URL

from airflow_ice.transport import SigningTransport, WireRequest, WireResponse

# Headers aiohttp would add on its own. Accept-Encoding above all: the body is read undecoded
# (ICE answers are small), so a compressed answer must never be asked for. Content-Type: an
# empty POST is sent without one, as the official SDK does.
_SKIP_AUTO_HEADERS = ("Accept-Encoding", "Content-Type")


@contextmanager
def _mapped_errors() -> Iterator[None]:
    try:
        yield
    except aiohttp.ClientConnectorError as exc:
        # No connection was made (refused, DNS, TLS handshake or certificate): nothing was sent.
        raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
    except aiohttp.ConnectionTimeoutError as exc:
        raise httpx.ConnectTimeout(str(exc) or "connect timed out") from exc
    except aiohttp.ServerTimeoutError as exc:
        raise httpx.ReadTimeout(str(exc) or "read timed out") from exc
    except aiohttp.ServerDisconnectedError as exc:
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.") from exc
    except (aiohttp.ClientPayloadError, aiohttp.ClientOSError) as exc:
        raise httpx.ReadError(str(exc) or type(exc).__name__) from exc
    except aiohttp.ClientError as exc:
        # Malformed answers and anything else: the request may have been processed.
        raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__) from exc
    except asyncio.TimeoutError as exc:
        raise httpx.ReadTimeout("timed out") from exc


def _env_proxy(url: URL) -> tuple[URL | None, dict[str, str] | None]:
    """The proxy for ``url`` from ``HTTP(S)_PROXY``/``NO_PROXY`` (and .netrc credentials), as httpx uses."""
    try:
        proxy, auth = aiohttp.helpers.get_env_proxy_for_url(url)
    except LookupError:
        return None, None
    return proxy, None if auth is None else {"Proxy-Authorization": auth.encode()}


def _client_timeout(timeout: httpx.Timeout) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(total=None, sock_connect=timeout.connect, sock_read=timeout.read)


class AiohttpTransport(SigningTransport):
    """Send signed requests over one ``aiohttp.ClientSession`` (made on first use, in the running loop).

    Responses are read whole (ICE answers are small JSON documents), so they need no stream.

    :param ssl_context: the TLS context checking the server's certificate.
    :param limits: ``max_connections`` caps open connections, ``keepalive_expiry`` how long
        an idle one is kept.
    """

    def __init__(self, ssl_context: ssl.SSLContext, limits: httpx.Limits) -> None:
        self._ssl_context = ssl_context
        self._limits = limits
        self._session: aiohttp.ClientSession | None = None
        self._proxy: tuple[URL | None, dict[str, str] | None] | None = None
        # The last timeout converted: a shared client sends every request with the same one.
        self._timeout: tuple[httpx.Timeout, aiohttp.ClientTimeout] | None = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                ssl=self._ssl_context,
                limit=self._limits.max_connections or 0,
                keepalive_timeout=self._limits.keepalive_expiry or 15.0,
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

    def _aiohttp_timeout(self, timeout: httpx.Timeout) -> aiohttp.ClientTimeout:
        cached = self._timeout
        if cached is not None and cached[0] is timeout:
            return cached[1]
        converted = _client_timeout(timeout)
        self._timeout = (timeout, converted)
        return converted

    async def send(self, request: WireRequest, timeout: httpx.Timeout) -> WireResponse:
        """Send ``request`` and return its whole answer.

        :param request: the signed request.
        :param timeout: connect and read timeouts (``pool`` and ``write`` are not used).
        :raises httpx.TransportError: the subclass saying whether the request can have arrived.
        """
        url = URL(request.url, encoded=True)  # already encoded and signed: no re-encoding
        if self._proxy is None:
            # Reading proxy settings may read ~/.netrc: off the loop, once per transport.
            self._proxy = await asyncio.to_thread(_env_proxy, url)
        proxy, proxy_headers = self._proxy
        with _mapped_errors():
            async with self._get_session().request(
                request.method,
                url,
                headers=request.headers,
                data=request.body or None,
                allow_redirects=False,
                timeout=self._aiohttp_timeout(timeout),
                proxy=proxy,
                proxy_headers=proxy_headers,
            ) as answer:
                content = await answer.read()
                return WireResponse(answer.status, answer.reason or "", answer.headers, content)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """httpx's transport interface (for the client :meth:`IceHook.aget_conn` hands out)."""
        timeouts = request.extensions.get("timeout", {})
        timeout = httpx.Timeout(
            None, connect=timeouts.get("connect"), read=timeouts.get("read"), pool=None, write=None
        )
        body = await request.aread()
        wire = WireRequest(request.method, str(request.url), dict(request.headers.items()), body)
        try:
            answer = await self.send(wire, timeout)
        except httpx.TransportError as exc:
            exc.request = request
            raise
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

    async def aclose(self) -> None:
        """Close the session and its connections."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()


__all__ = ["AiohttpTransport"]
