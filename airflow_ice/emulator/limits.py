"""What one client may cost the emulator: a bounded request body and a bounded wait for headers.

* The body: a ``Content-Length`` above the limit is answered 413 before a byte of the body is
  read, and a body without one (chunked) is cut off, answered 413, as soon as what arrived passes
  the limit; so a request holds at most the limit in memory.
* The headers: a connection must deliver a request's complete headers within the header timeout
  of opening (or of the first byte of a later request); one that dribbles them is answered 408
  and closed. uvicorn bounds only idle keep-alive connections, and a byte of headers ends that.
* A client gone before its body arrived whole: nothing is processed.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from airflow_ice.emulator.errors import new_request_id
from airflow_ice.emulator.request import Message, Receive, Scope, Send

DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
"""The largest request body read (ICE requests are parameters: a few KB, a timeline some more)."""
DEFAULT_HEADER_TIMEOUT_SECONDS = 10.0
"""Seconds a connection has to deliver a request's complete headers."""

_TIMEOUT_TEXT = b"The request headers did not arrive in time."
_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(_TIMEOUT_TEXT), _TIMEOUT_TEXT)
)


class BodyTooLarge(Exception):
    """The request body passed the limit (raised while reading it)."""


class ClientGone(Exception):
    """The client disconnected before its request body arrived whole."""


async def read_limited_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The whole request body, read only while it stays within ``limit`` bytes.

    :param scope: the request's ASGI scope (its ``content-length`` header is checked first).
    :param receive: the ASGI receive channel.
    :param limit: the most bytes read.
    :raises BodyTooLarge: the declared or the received length passes ``limit`` (nothing more is read).
    :raises ClientGone: the client disconnected first (a partial body is never processed).
    """
    for name, value in scope["headers"]:
        if name.lower() == b"content-length" and (not value.strip().isdigit() or int(value) > limit):
            raise BodyTooLarge
    chunks = []
    received = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        received += len(chunk)
        if received > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A receive channel that gives ``body`` (already read) once, then what ``receive`` gives."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


async def send_too_large(send: Send, limit: int) -> None:
    """Answer 413 in ICE's error shape and close the connection (the rest of the body is unread)."""
    payload = {
        "RequestId": new_request_id(),
        "Code": "RequestEntityTooLarge",
        "Message": f"The request body is larger than the emulator's limit of {limit} bytes.",
    }
    body = json.dumps(payload).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json;charset=utf-8"),
                (b"content-length", str(len(body)).encode("ascii")),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def header_timeout_protocol(timeout: float) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (httptools, else h11) with a deadline for each request's headers.

    The deadline starts when the connection opens, and when the first byte of a later request
    arrives (an idle kept-alive connection is uvicorn's keep-alive timeout's business); it is met
    when uvicorn starts the request (its ``cycle`` changes once the headers are parsed, in either
    implementation). When it passes first, the client gets a 408 and the connection closes.

    :param timeout: seconds allowed for a request's headers.
    """
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    class HeaderTimeoutProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
        _header_timer: asyncio.TimerHandle | None = None
        _armed_for: Any = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            if self._header_timer is None and (self.cycle is None or self.cycle.response_complete):
                self._arm()  # the first bytes of the next request
            super().data_received(data)
            if self._header_timer is not None and self.cycle is not self._armed_for:
                self._disarm()  # the headers are complete: the request runs

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._armed_for = self.cycle
            self._header_timer = self.loop.call_later(timeout, self._headers_late)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_late(self) -> None:
            self._header_timer = None
            if not self.transport.is_closing():
                self.transport.write(_TIMEOUT_RESPONSE)
                self.transport.close()

    return HeaderTimeoutProtocol


__all__ = [
    "DEFAULT_HEADER_TIMEOUT_SECONDS",
    "DEFAULT_MAX_BODY_BYTES",
    "BodyTooLarge",
    "ClientGone",
    "header_timeout_protocol",
    "read_limited_body",
    "replaying",
    "send_too_large",
]
