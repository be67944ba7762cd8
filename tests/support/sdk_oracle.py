"""The official SDK as the oracle of names, types and placement (test-only; no tests here).

:class:`CaptureServer` records every request over real HTTP on loopback and answers per action;
:func:`filled` populates any of the SDK's models (every leaf a distinct value of its type, lists
of one item, nested models filled) so that an answer or a request built from it leaves nothing out.
"""

from __future__ import annotations

import inspect
import itertools
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

from alibabacloud_ice20201109 import models as sdk_models

# A leaf of an answer: a str the reader must find back, by its key name when it matters.
Hint = Callable[[int], Any]


def ice_time(n: int) -> str:
    """A distinct UTC time in ICE's form."""
    return f"2024-01-01T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z"


@dataclass
class Filler:
    """Fill an SDK model: strings are distinct digits (they read as text and as numbers), every
    ``*Time`` an ICE time, and ``hints`` (by wire key name, or by a path's end such as
    ``SubJobList[].Status``) give what a key must hold to be valid."""

    hints: Mapping[str, Hint] = field(default_factory=dict)
    counter: Iterator[int] = field(default_factory=lambda: itertools.count(11))

    def model(self, cls: type) -> Any:
        instance = cls()
        for name, parameter in inspect.signature(cls.__init__).parameters.items():
            if name != "self":
                setattr(instance, name, self._value(str(parameter.annotation).strip("'\"")))
        # Leaves are set by wire key afterwards, where the hints say so.
        mapped = instance.to_map()
        return cls().from_map(self._hinted(mapped))

    def _value(self, annotation: str) -> Any:
        n = next(self.counter)
        if annotation == "str":
            return str(n)
        if annotation == "int":
            return n
        if annotation == "float":
            return n + 0.5
        if annotation == "bool":
            return True
        if annotation.startswith("List["):
            return [self._value(annotation[5:-1])]
        if annotation.startswith("Dict[") or annotation == "Any":
            return {f"key{n}": f"value{n}"}
        if annotation.startswith("main_models."):
            return self.model(getattr(sdk_models, annotation.split(".", 1)[1]))
        raise AssertionError(f"no value for a field typed {annotation}")

    def _hinted(self, value: Any, key: str = "", path: str = "") -> Any:
        if isinstance(value, dict):
            return {k: self._hinted(v, k, f"{path}.{k}" if path else k) for k, v in value.items()}
        if isinstance(value, list):
            return [self._hinted(item, key, f"{path}[]") for item in value]
        # A hint for a path (``SubJobList[].Status``) wins over one for the key alone (``Status``).
        hint = next((h for name, h in self.hints.items() if "." in name and path.endswith(name)), None)
        if hint is None:
            hint = self.hints.get(key)
        if hint is not None:
            return hint(next(self.counter))
        if isinstance(value, str) and key.endswith("Time"):
            return ice_time(next(self.counter))
        return value


def filled(cls: type, **hints: Hint) -> Any:
    """An SDK model with every field set (see :class:`Filler`)."""
    return Filler(hints).model(cls)


def leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf of a JSON value with its dotted path (list items as ``[]``)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from leaves(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item, f"{path}[]")
    else:
        yield path, value


def comparable(value: Any) -> str:
    """A leaf as text: numbers without a needless ``.0``, times in ICE's form."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def decoded(value: str) -> Any:
    """A parameter's value, JSON objects and lists decoded (scalars stay the text sent)."""
    try:
        parsed = json.loads(value)
    except ValueError:
        return value
    return parsed if isinstance(parsed, (dict, list)) else value


@dataclass(frozen=True)
class Captured:
    """One request as it arrived."""

    method: str
    headers: dict[str, str]
    query: dict[str, str]
    form: dict[str, str]

    @property
    def action(self) -> str:
        return self.headers.get("x-acs-action") or self.query.get("Action", "")

    def wire(self) -> dict[str, Any]:
        """What the oracle compares: action, version, method, and each parameter by placement."""
        return {
            "action": self.action,
            "version": self.headers.get("x-acs-version"),
            "method": self.method,
            "query": {name: decoded(value) for name, value in self.query.items()},
            "body": {name: decoded(value) for name, value in self.form.items()},
        }


KEY_ID = "oracle-key-id"
KEY_SECRET = "oracle-key-secret"
"""The access key the oracle's SDK client and hook sign with."""


class CaptureServer:
    """Record every request (GET or POST) and answer ``answers[action]``, else a submit's answer
    that every submit reads (``JobId`` at the top, in ``Job`` and in ``MediaInfoJob``, and
    ``ParentJobId`` in ``TranscodeParentJob``, and in ``Data`` for SubmitVideoTranslationJob)."""

    SUBMITTED: ClassVar[dict[str, Any]] = {
        "RequestId": "oracle-request",
        "JobId": "oracle-job",
        "Job": {"JobId": "oracle-job"},
        "MediaInfoJob": {"JobId": "oracle-job"},
        "TranscodeParentJob": {"ParentJobId": "oracle-job"},
        "Data": {"JobId": "oracle-job"},
        "Status": "Success",
    }

    def __init__(self) -> None:
        self.requests: list[Captured] = []
        self.answers: dict[str, Any] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                form_type = "form-urlencoded" in (self.headers.get("content-type") or "")
                captured = Captured(
                    self.command,
                    {name.lower(): value for name, value in self.headers.items()},
                    dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True)),
                    dict(parse_qsl(body, keep_blank_values=True)) if form_type else {},
                )
                server.requests.append(captured)
                payload = json.dumps(server.answers.get(captured.action, server.SUBMITTED)).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json;charset=utf-8")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def connection_json(self) -> str:
        """An ICE connection (``AIRFLOW_CONN_*`` JSON) to this server with the oracle's keys."""
        return json.dumps(
            {
                "conn_type": "alibaba_ice",
                "login": KEY_ID,
                "password": KEY_SECRET,
                "extra": {"endpoint": f"http://{self.endpoint}", "region": "cn-shanghai", "max_retries": 0},
            }
        )

    def take(self) -> Captured:
        """The only request recorded since the last take."""
        assert len(self.requests) == 1, [r.action for r in self.requests]
        return self.requests.pop()

    def __enter__(self) -> CaptureServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
