"""An httpx transport that sends requests with aiohttp: httpx's API, aiohttp's C parser and pool.

httpx's own async transport is pure Python (h11, anyio TLS streams, a connection pool that scans
every connection and queued request on each event); with thousands of triggers polling, that
bookkeeping costs several times more CPU per request than aiohttp. This transport is used by
the shared clients when aiohttp is installed (most Airflow deployments have it); otherwise
httpx's own transport is used.

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


@contextmanager
def _mapped_errors(request: httpx.Request) -> Iterator[None]:
    try:
        yield
    except aiohttp.ClientConnectorError as exc:
        # No connection was made (refused, DNS, TLS handshake or certificate): nothing was sent.
        raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
    except aiohttp.ConnectionTimeoutError as exc:
        raise httpx.ConnectTimeout(str(exc) or "connect timed out", request=request) from exc
    except aiohttp.ServerTimeoutError as exc:
        raise httpx.ReadTimeout(str(exc) or "read timed out", request=request) from exc
    except aiohttp.ServerDisconnectedError as exc:
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response.", request=request
        ) from exc
    except (aiohttp.ClientPayloadError, aiohttp.ClientOSError) as exc:
        raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
    except aiohttp.ClientError as exc:
        # Malformed answers and anything else: the request may have been processed.
        raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__, request=request) from exc
    except asyncio.TimeoutError as exc:
        raise httpx.ReadTimeout("timed out", request=request) from exc


def _env_proxy(url: URL) -> tuple[URL | None, dict[str, str] | None]:
    """The proxy for ``url`` from ``HTTP(S)_PROXY``/``NO_PROXY`` (and .netrc credentials), as httpx uses."""
    try:
        proxy, auth = aiohttp.helpers.get_env_proxy_for_url(url)
    except LookupError:
        return None, None
    return proxy, None if auth is None else {"Proxy-Authorization": auth.encode()}


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Send httpx requests over one ``aiohttp.ClientSession`` (made on first use, in the running loop).

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
                # With trust_env aiohttp reads proxy settings and .netrc in a thread on every
                # request; they are read once per transport instead (see _env_proxy).
                trust_env=False,
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` and return its whole response."""
        timeouts = request.extensions.get("timeout", {})
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=timeouts.get("connect"), sock_read=timeouts.get("read")
        )
        body = await request.aread()
        url = URL(str(request.url), encoded=True)  # already encoded and signed: no re-encoding
        if self._proxy is None:
            # Reading proxy settings may read ~/.netrc: off the loop, once per transport.
            self._proxy = await asyncio.to_thread(_env_proxy, url)
        proxy, proxy_headers = self._proxy
        with _mapped_errors(request):
            async with self._get_session().request(
                request.method,
                url,
                headers=request.headers.multi_items(),
                data=body or None,
                allow_redirects=False,
                timeout=timeout,
                proxy=proxy,
                proxy_headers=proxy_headers,
            ) as answer:
                content = await answer.read()
                reason = (answer.reason or "").encode("latin-1", "replace")
                return httpx.Response(
                    status_code=answer.status,
                    headers=answer.raw_headers,
                    content=content,
                    request=request,
                    extensions={"http_version": b"HTTP/1.1", "reason_phrase": reason},
                )

    async def aclose(self) -> None:
        """Close the session and its connections."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()


__all__ = ["AiohttpTransport"]
