"""A loopback server that answers the way proxies, load balancers and a stressed ICE can: badly.

Each queued :data:`Behaviour` writes whatever it likes to the raw socket of one request (the
last one queued repeats). Nothing here is ICE: it is the other side of the wire, for tests of
what the client does with what it gets.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest


@dataclass
class Received:
    """One request as it arrived.

    :param head: the request line and headers, as text.
    :param body: the body bytes.
    """

    head: str
    body: bytes

    @property
    def target(self) -> str:
        """The request target (path and query string)."""
        return self.head.split(" ", 2)[1]


@dataclass
class Wire:
    """What a behaviour may do with the connection, and what it reports back."""

    conn: socket.socket
    request: Received
    stopping: threading.Event
    sent: int = 0
    closed_by_client: bool = False
    notes: dict[str, Any] = field(default_factory=dict)

    def write(self, data: bytes) -> bool:
        """Send ``data``; False once the client has gone."""
        try:
            self.conn.sendall(data)
        except OSError:
            self.closed_by_client = True
            return False
        self.sent += len(data)
        return True


Behaviour = Callable[[Wire], None]


def http_answer(
    status: int, body: bytes, *, content_type: str = "application/json", headers: dict[str, str] | None = None
) -> bytes:
    lines = [f"HTTP/1.1 {status} Whatever", f"content-type: {content_type}", f"content-length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def answer(status: int, body: bytes | dict[str, Any], **kwargs: Any) -> Behaviour:
    """A well-framed answer."""
    raw = json.dumps(body).encode() if isinstance(body, dict) else body

    def behave(wire: Wire) -> None:
        wire.write(http_answer(status, raw, **kwargs))

    return behave


def gzip_answer(status: int, body: dict[str, Any]) -> Behaviour:
    """A JSON answer compressed with gzip, although no client asked for it."""
    return answer(status, gzip.compress(json.dumps(body).encode()), headers={"content-encoding": "gzip"})


def cut_short(body: bytes) -> Behaviour:
    """Announce more bytes than are sent, then close: a body cut short."""

    def behave(wire: Wire) -> None:
        head = (
            f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len(body) + 100}\r\n\r\n"
        )
        wire.write(head.encode() + body)
        wire.notes["close"] = True

    return behave


def dribble(every: float, *, headers_first: bool = False) -> Behaviour:
    """One byte every ``every`` seconds, forever (until the client leaves or the server stops).

    :param headers_first: send the headers at once and dribble the body (else dribble the headers).
    """

    def behave(wire: Wire) -> None:
        wire.notes["started"] = time.monotonic()
        if headers_first:
            head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\n\r\n"
            wire.write(head.encode())
            drip = b" "
        else:
            drip = b"X"
            wire.write(b"HTTP/1.1 200 OK\r\nx-slow: ")
        while not wire.stopping.wait(every):
            if not wire.write(drip):
                break
        wire.notes["ended"] = time.monotonic()
        wire.notes["close"] = True

    return behave


def endless_chunks(chunk: int = 64 * 1024) -> Behaviour:
    """A chunked body that never ends, with no Content-Length to refuse it by."""

    def behave(wire: Wire) -> None:
        wire.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
        piece = f"{chunk:x}\r\n".encode() + b"[" * chunk + b"\r\n"
        while not wire.stopping.is_set() and wire.write(piece):
            pass
        wire.notes["close"] = True

    return behave


def announce_huge(length: int = 200 * 1024 * 1024) -> Behaviour:
    """Announce a huge body and send none of it (a client reading it whole would wait or grow)."""

    def behave(wire: Wire) -> None:
        wire.write(
            f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n".encode()
        )
        wire.stopping.wait(30)
        wire.notes["close"] = True

    return behave


def echo_request(status: int, *, as_json: bool) -> Behaviour:
    """An error answer that quotes the request it got (headers, query string and body)."""

    def behave(wire: Wire) -> None:
        echoed = wire.request.head + "\r\n\r\n" + wire.request.body.decode("latin-1")
        if as_json:
            body = json.dumps(
                {"Code": "InvalidParameter", "Message": f"bad request: {echoed}", "RequestId": "r-1"}
            )
            wire.write(http_answer(status, body.encode()))
        else:
            wire.write(
                http_answer(status, f"<html><pre>{echoed}</pre></html>".encode(), content_type="text/html")
            )

    return behave


class MisbehavingIce:
    """Loopback HTTP/1.1 server whose answers are :data:`Behaviour` s queued with :meth:`serve`."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.wires: list[Wire] = []
        self._behaviours: deque[Behaviour] = deque([answer(200, {"RequestId": "r"})])
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        accept = threading.Thread(target=self._accept, daemon=True)
        accept.start()
        self._threads.append(accept)

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}"

    def serve(self, *behaviours: Behaviour) -> None:
        """Answer the next requests with ``behaviours`` in turn (the last repeats)."""
        with self._lock:
            self._behaviours = deque(behaviours)

    def close(self) -> None:
        self._stopping.set()
        self._listener.close()
        for conn in self._conns:  # wakes handlers waiting for a client's next request
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=5)

    def _accept(self) -> None:
        # Accept with a short timeout: closing a listening socket does not wake a blocked accept().
        self._listener.settimeout(0.1)
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            self._conns.append(conn)
            thread = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(30)
        buffer = b""
        with conn:
            while not self._stopping.is_set():
                while b"\r\n\r\n" not in buffer:
                    try:
                        data = conn.recv(65536)
                    except OSError:
                        return
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                text = head.decode("latin-1")
                length = next(
                    (
                        int(line.split(":", 1)[1])
                        for line in text.split("\r\n")
                        if line.lower().startswith("content-length:")
                    ),
                    0,
                )
                while len(buffer) < length:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                body, buffer = buffer[:length], buffer[length:]
                request = Received(text, body)
                with self._lock:
                    self.received.append(request)
                    behaviour = (
                        self._behaviours.popleft() if len(self._behaviours) > 1 else self._behaviours[0]
                    )
                wire = Wire(conn, request, self._stopping)
                self.wires.append(wire)
                behaviour(wire)
                if wire.notes.get("close") or wire.closed_by_client:
                    return


@pytest.fixture
def misbehaving_ice() -> Iterator[MisbehavingIce]:
    server = MisbehavingIce()
    yield server
    server.close()
