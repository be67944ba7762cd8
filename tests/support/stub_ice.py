"""A scripted HTTP server for hook tests: answers from a queue and records every request.

Unlike the emulator it knows nothing of ICE; each test says exactly what the next answers are
(status, headers, body, a dropped connection or a stall), which pins down retry behaviour.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

DROP = "drop"


@dataclass
class Answer:
    """One scripted answer. ``drop=True`` closes the connection without a response."""

    status: int = 200
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    delay: float = 0.0


@dataclass
class Recorded:
    """One request as the server saw it."""

    time: float
    headers: dict[str, str]
    query: dict[str, str]
    raw_query: str
    body: bytes

    @property
    def action(self) -> str:
        return self.headers.get("x-acs-action") or self.query.get("Action", "")


def error(code: str, status: int, message: str = "scripted", **headers: str) -> Answer:
    """An ICE-shaped error answer."""
    body = {"RequestId": "req-1", "HostId": "ice.test", "Code": code, "Message": message, "Recommend": ""}
    return Answer(status=status, body=body, headers=dict(headers))


class StubIce:
    """Serve scripted answers on a free loopback port; unscripted requests get ``default``."""

    def __init__(self, default: Answer | None = None) -> None:
        self.answers: deque[Answer] = deque()
        self.requests: list[Recorded] = []
        self.default = default or Answer(body={"RequestId": "req-default", "JobId": "job-default"})
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                raw_query = urlsplit(self.path).query
                with stub._lock:
                    stub.requests.append(
                        Recorded(
                            time.monotonic(),
                            {k.lower(): v for k, v in self.headers.items()},
                            dict(parse_qsl(raw_query, keep_blank_values=True)),
                            raw_query,
                            body,
                        )
                    )
                    answer = stub.answers.popleft() if stub.answers else stub.default
                if answer.delay:
                    time.sleep(answer.delay)
                if answer.drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                payload = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, *answers: Answer) -> None:
        self.answers.extend(answers)

    def __enter__(self) -> StubIce:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
