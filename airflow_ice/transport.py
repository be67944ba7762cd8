"""Wire format of ICE calls: parameters to strings, a signed request, the answer to a dict or an error.

No I/O here: the hook sends what :func:`signed_request` makes (the async path, through the
shared clients' transport) or :func:`build_request` makes (the sync path, through httpx) and hands
the answer to :func:`parse_response`.
"""

from __future__ import annotations

import codecs
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from airflow_ice.connection import ICE_API_VERSION, IceConnectionConfig
from airflow_ice.errors import IceInvalidRequestError, IceResponseError, api_error_from_response
from airflow_ice.signing import redact_query, sign_request


def to_wire_value(name: str, value: Any) -> str:
    """One parameter as ICE expects it: objects as compact JSON, booleans as ``True``/``False``."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    raise IceInvalidRequestError(
        f"Parameter {name!r} has type {type(value).__name__}; use a string, number, boolean, dict or list."
    )


def to_wire_params(params: Mapping[str, Any] | None) -> dict[str, str]:
    """All parameters as strings, ``None`` values left out."""
    return {name: to_wire_value(name, value) for name, value in (params or {}).items() if value is not None}


@dataclass(frozen=True, slots=True)
class WireRequest:
    """A signed request exactly as it goes on the wire (plain values: cheap to make per attempt).

    :param method: the HTTP method.
    :param url: the full URL, already encoded (its query string is the signed one).
    :param headers: every header to send (the signed ones included).
    :param body: the body bytes (empty when there are no body parameters).
    """

    method: str
    url: str
    headers: dict[str, str]
    body: bytes

    def __repr__(self) -> str:
        # The V1 signature and STS token travel in the query string: never shown.
        base, sep, query = self.url.partition("?")
        return f"WireRequest({self.method} {base}{sep}{redact_query(query) if sep else ''})"

    def to_httpx(self) -> httpx.Request:
        """The same request as an ``httpx.Request`` (for httpx's own transports)."""
        return httpx.Request(self.method, self.url, headers=self.headers, content=self.body)


class Answer(Protocol):
    """What :func:`parse_response` reads of an HTTP answer: ``httpx.Response`` and
    :class:`WireResponse` both have it."""

    @property
    def status_code(self) -> int:
        """The HTTP status."""

    @property
    def reason_phrase(self) -> str:
        """The status line's reason phrase."""

    @property
    def headers(self) -> Mapping[str, str]:
        """The headers, looked up case-insensitively."""

    @property
    def content(self) -> bytes:
        """The whole body."""


@dataclass(frozen=True, slots=True)
class WireResponse:
    """A whole HTTP answer, as an async transport returns it.

    :param status_code: the HTTP status.
    :param reason_phrase: the status line's reason phrase.
    :param headers: the headers (a mapping whose lookups ignore case).
    :param content: the whole body.
    """

    status_code: int
    reason_phrase: str
    headers: Mapping[str, str]
    content: bytes


class SigningTransport(httpx.AsyncBaseTransport):
    """An httpx async transport that also sends a :class:`WireRequest` as it is.

    The shared clients send the hook's signed requests with :meth:`send` (no httpx objects per
    request); the httpx client :meth:`IceHook.aget_conn` hands out uses the same transport, and
    so the same connections, through httpx's ``handle_async_request``.
    """

    async def send(self, request: WireRequest, timeout: httpx.Timeout) -> WireResponse:
        """Send ``request`` and return its whole answer.

        :param request: the signed request.
        :param timeout: connect and read timeouts.
        :raises httpx.TransportError: the subclass saying whether the request can have arrived
            (``ConnectError``/``ConnectTimeout``: surely not).
        """
        raise NotImplementedError


def signed_request(
    config: IceConnectionConfig,
    action: str,
    query: Mapping[str, str],
    body: Mapping[str, str],
) -> WireRequest:
    """A freshly signed ``POST /`` (new nonce and timestamp: call it once per attempt)."""
    signed = sign_request(
        action=action,
        version=ICE_API_VERSION,
        host=config.host,
        credentials=config.credentials,
        query=query,
        body=body,
        algorithm=config.signature_algorithm,
    )
    url = f"{config.base_url}/?{signed.query_string}" if signed.query_string else f"{config.base_url}/"
    headers = {"accept": "application/json", **signed.headers}
    return WireRequest(signed.method, url, headers, signed.body)


def build_request(
    config: IceConnectionConfig,
    action: str,
    query: Mapping[str, str],
    body: Mapping[str, str],
) -> httpx.Request:
    """:func:`signed_request` as an ``httpx.Request`` (the sync path sends it with httpx)."""
    return signed_request(config, action, query, body).to_httpx()


def retry_after_seconds(response: Answer) -> float | None:
    """The server's ``x-acs-retry-after`` (milliseconds, positive integer) in seconds, if any."""
    raw = response.headers.get("x-acs-retry-after")
    if raw is None:
        return None
    try:
        millis = int(raw.strip())
    except ValueError:
        return None
    return millis / 1000.0 if millis > 0 else None


def parse_response(action: str, response: Answer) -> dict[str, Any]:
    """The JSON object of a 2xx answer; a typed ``IceApiError`` for an error answer.

    :raises IceApiError: ICE answered with an error status.
    :raises IceResponseError: a 2xx answer that is not a JSON object.
    """
    data = _json_body(response)
    if response.status_code >= 400:
        text = body_text(response)
        body = data if isinstance(data, dict) else {"Message": text[:500] or response.reason_phrase}
        raise api_error_from_response(
            body, response.status_code, action=action, retry_after=retry_after_seconds(response)
        )
    if not isinstance(data, dict):
        raise IceResponseError(
            action, f"expected a JSON object, got HTTP {response.status_code}", body_text(response)
        )
    return data


def body_text(response: Answer) -> str:
    """The body as text, in its declared charset (else UTF-8), undecodable bytes replaced (as httpx does)."""
    content = response.content
    if not content:
        return ""
    return content.decode(_charset(response.headers.get("content-type")), errors="replace")


def _charset(content_type: str | None) -> str:
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("'\"")
            try:
                return codecs.lookup(charset).name
            except LookupError:
                break
    return "utf-8"


def _json_body(response: Answer) -> Any:
    """The decoded JSON body, or None. Straight from the bytes (JSON is UTF-8): decoding the text
    first costs a charset lookup per call; the declared charset is tried only when that fails."""
    content = response.content
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        pass
    try:
        return json.loads(body_text(response))
    except ValueError:
        return None


class RedactSignedUrls(logging.Filter):
    """Mask V1 ``Signature`` and ``SecurityToken`` in the URLs httpx logs for every request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(arg, httpx.URL) for arg in record.args):
            record.args = tuple(_redacted(arg) if isinstance(arg, httpx.URL) else arg for arg in record.args)
        return True


def _redacted(url: httpx.URL) -> str:
    text = str(url)
    base, sep, query = text.partition("?")
    return f"{base}{sep}{redact_query(query)}" if sep else text


def install_log_redaction() -> None:
    """Attach :class:`RedactSignedUrls` to httpx's logger once per process."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(existing, RedactSignedUrls) for existing in logger.filters):
        logger.addFilter(RedactSignedUrls())
