"""Wire format of ICE calls: parameters to strings, a signed request, an answer's body to bytes.

No I/O here: the engine sends what :func:`signed_request` makes through a transport
(:mod:`airflow_ice.client.transport`) and hands the answer to :mod:`airflow_ice.client.outcome`.
"""

from __future__ import annotations

import codecs
import json
import zlib
from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

from airflow_ice.client.config import ICE_API_VERSION, IceConnectionConfig
from airflow_ice.client.json_numbers import integer_or_digits
from airflow_ice.client.redaction import NO_SECRETS, Scrubber, credentials_scrubber
from airflow_ice.client.signing import Credentials, redact_query, sign_request
from airflow_ice.errors import IceInvalidRequestError

# The actions ICE serves as GET, as the official SDK declares them (each action's ``method``);
# every other action is a POST. A GET carries all its parameters in the query string.
GET_ACTIONS: frozenset[str] = frozenset(
    {
        "DeleteTemplate",
        "GetLiveRecordJob",
        "GetLiveRecordTemplate",
        "GetLiveSnapshotJob",
        "GetLiveSnapshotTemplate",
        "GetTemplateParams",
        "ListLiveRecordFiles",
        "ListLiveRecordJobs",
        "ListLiveRecordTemplates",
        "ListLiveSnapshotFiles",
        "ListLiveSnapshotJobs",
        "ListLiveSnapshotTemplates",
        "ListSmartJobs",
        "ListSmartVoiceGroups",
    }
)


def http_method(action: str) -> Literal["POST", "GET"]:
    """The HTTP method ICE serves ``action`` with: GET for :data:`GET_ACTIONS`, else POST."""
    return "GET" if action in GET_ACTIONS else "POST"


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
    if not params:
        return {}  # most calls have no body
    return {name: to_wire_value(name, value) for name, value in params.items() if value is not None}


class WireRequest(NamedTuple):
    """A signed request exactly as it goes on the wire (plain values: cheap to make per attempt,
    a named tuple rather than a frozen dataclass, which takes several times longer to make).

    :param method: the HTTP method.
    :param url: the full URL, already encoded (its query string is the signed one).
    :param headers: every header to send (the signed ones included).
    :param body: the body bytes (empty when there are no body parameters).
    :param scrub: removes this request's secret, token and signature from text of its answer.
    """

    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    scrub: Scrubber = NO_SECRETS

    def __repr__(self) -> str:
        # The V1 signature and STS token travel in the query string: never shown.
        base, sep, query = self.url.partition("?")
        return f"WireRequest({self.method} {base}{sep}{redact_query(query) if sep else ''})"


class WireResponse(NamedTuple):
    """A whole HTTP answer as a transport read it: the body as sent (not yet decompressed); made
    once per call, so a named tuple.

    :param status_code: the HTTP status.
    :param reason_phrase: the status line's reason phrase.
    :param headers: the headers; looked up by lower-case name.
    :param content: the body bytes as received, at most the connection's ``max_response_bytes``.
    """

    status_code: int
    reason_phrase: str
    headers: Mapping[str, str]
    content: bytes


def signed_request(
    config: IceConnectionConfig,
    credentials: Credentials,
    action: str,
    query: Mapping[str, str],
    body: Mapping[str, str],
) -> WireRequest:
    """A freshly signed call to ``/`` (new nonce and timestamp: call it once per attempt), sent as
    :func:`http_method` says; a GET action's body parameters go in its query string."""
    method = http_method(action)
    if method == "GET" and body:
        query, body = {**query, **body}, {}
    signed = sign_request(
        action=action,
        version=ICE_API_VERSION,
        host=config.host,
        credentials=credentials,
        query=query,
        body=body,
        algorithm=config.signature_algorithm,
        method=method,
    )
    url = f"{config.base_url}/?{signed.query_string}" if signed.query_string else f"{config.base_url}/"
    headers = {"accept": "application/json", **signed.headers}
    scrub = credentials_scrubber(credentials).with_secret(signed.signature)
    return WireRequest(signed.method, url, headers, signed.body, scrub)


class UnreadableBody(ValueError):
    """The body cannot be turned into text: an unknown or broken ``Content-Encoding``, or too large."""


class BodyTooLarge(UnreadableBody):
    """The body, once decompressed, is larger than allowed."""


_DECODERS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


def decoded_content(response: WireResponse, max_bytes: int) -> bytes:
    """The body with its ``Content-Encoding`` undone (gzip, deflate), at most ``max_bytes``.

    Both transports read bodies as sent, so both paths decode the same way here.

    :raises UnreadableBody: an encoding other than gzip/deflate/identity, or a broken stream.
    :raises BodyTooLarge: the decompressed body is larger than ``max_bytes``.
    """
    encoding = (response.headers.get("content-encoding") or "").strip().lower()
    if encoding in ("", "identity") or not response.content:
        return response.content
    wbits = _DECODERS.get(encoding)
    if wbits is None:
        raise UnreadableBody(f"the answer is encoded as {encoding!r}, which is not gzip or deflate")
    decoder = zlib.decompressobj(wbits)
    try:
        # At most one byte past the cap is inflated: a small compressed bomb cannot grow memory.
        content = decoder.decompress(response.content, max_bytes + 1)
    except zlib.error as exc:
        if encoding == "deflate":  # some servers send raw deflate without the zlib header
            try:
                content = zlib.decompressobj(-zlib.MAX_WBITS).decompress(response.content, max_bytes + 1)
            except zlib.error:
                raise UnreadableBody(f"the {encoding} body cannot be decompressed: {exc}") from None
        else:
            raise UnreadableBody(f"the {encoding} body cannot be decompressed: {exc}") from None
    if len(content) > max_bytes:
        raise BodyTooLarge(f"the decompressed answer is larger than max_response_bytes={max_bytes}")
    return content


def body_text(content: bytes, content_type: str | None) -> str:
    """The body as text, in its declared charset (else UTF-8), undecodable bytes replaced."""
    if not content:
        return ""
    return content.decode(_charset(content_type), errors="replace")


class TooDeepBody(UnreadableBody):
    """The JSON body nests deeper than Python's decoder follows (its recursion limit)."""


class JsonBody(NamedTuple):
    """A body decoded as JSON.

    :param value: the decoded value, or None when the body is empty or not JSON.
    :param straight: whether it was decoded straight from the bytes, in JSON's own encodings
        (UTF-8, or UTF-16/32 told by zero bytes), rather than through a declared charset.
    """

    value: Any
    straight: bool


_NOT_JSON = JsonBody(None, False)


def json_body(content: bytes, content_type: str | None) -> JsonBody:
    """The decoded JSON body. Straight from the bytes (JSON is UTF-8): decoding the text first
    costs a charset lookup per call; the declared charset is tried only when that fails, and
    then an integer longer than Python converts is kept as its digits (one field, not the answer).

    :raises TooDeepBody: the JSON nests past the decoder's recursion limit: nothing of it is read.
    """
    if not content:
        return _NOT_JSON
    try:
        try:
            return JsonBody(json.loads(content), True)
        except ValueError:
            pass
        try:
            return JsonBody(json.loads(body_text(content, content_type), parse_int=integer_or_digits), False)
        except ValueError:
            return _NOT_JSON
    except RecursionError:
        raise TooDeepBody(
            "the JSON nests deeper than the decoder follows; none of it could be read"
        ) from None


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


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The server's ``x-acs-retry-after`` (milliseconds, positive integer) in seconds, if any."""
    raw = headers.get("x-acs-retry-after")
    if raw is None:
        return None
    try:
        millis = int(raw.strip())
    except ValueError:
        return None
    return millis / 1000.0 if millis > 0 else None


__all__ = [
    "GET_ACTIONS",
    "BodyTooLarge",
    "JsonBody",
    "TooDeepBody",
    "UnreadableBody",
    "WireRequest",
    "WireResponse",
    "body_text",
    "decoded_content",
    "http_method",
    "json_body",
    "retry_after_seconds",
    "signed_request",
    "to_wire_params",
    "to_wire_value",
]
