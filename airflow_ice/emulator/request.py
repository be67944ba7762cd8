"""What arrived over HTTP, decoded once: query, headers, body and form parameters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class IncomingRequest:
    """What arrived, decoded: the input of :meth:`RequestAuthenticator.verify` and of the handlers.

    :param method: the HTTP method.
    :param path: the URL path.
    :param query: decoded query parameters.
    :param headers: headers with lower-case names (repeated headers joined with ``,``).
    :param body: the raw body bytes.
    :param form: decoded form-body parameters.
    """

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str] = field(repr=False)
    body: bytes = field(repr=False)
    form: Mapping[str, str]

    @property
    def action(self) -> str:
        """The action: the ``x-acs-action`` header (V3), else the ``Action`` parameter (V1)."""
        return self.headers.get("x-acs-action") or self.query.get("Action") or ""

    def params(self) -> dict[str, str]:
        """Business and common parameters: query, then body (body wins, as ICE merges them)."""
        return {**self.query, **self.form}


def decode_headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Lower-case header names; repeated headers joined with ``,`` (as canonicalisation does)."""
    headers: dict[str, str] = {}
    for name, value in raw:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        headers[key] = f"{headers[key]},{text}" if key in headers else text
    return headers


def incoming_request(scope: Scope, body: bytes) -> IncomingRequest:
    """Decode what arrived into an :class:`IncomingRequest`."""
    headers = decode_headers(scope["headers"])
    query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
    form: dict[str, str] = {}
    if body and headers.get("content-type", "").startswith(FORM_CONTENT_TYPE):
        form = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    return IncomingRequest(
        method=scope["method"], path=scope["path"] or "/", query=query, headers=headers, body=body, form=form
    )
