"""Wire format of ICE calls: parameters to strings, signed request to httpx, response to dict or error.

No I/O here: the hook sends what :func:`build_request` makes with its pooled client and hands
the answer to :func:`parse_response`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

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


def build_request(
    config: IceConnectionConfig,
    action: str,
    query: Mapping[str, str],
    body: Mapping[str, str],
) -> httpx.Request:
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
    return httpx.Request(signed.method, url, headers=headers, content=signed.body)


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The server's ``x-acs-retry-after`` (milliseconds, positive integer) in seconds, if any."""
    raw = response.headers.get("x-acs-retry-after")
    if raw is None:
        return None
    try:
        millis = int(raw.strip())
    except ValueError:
        return None
    return millis / 1000.0 if millis > 0 else None


def parse_response(action: str, response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a 2xx answer; a typed ``IceApiError`` for an error answer.

    :raises IceApiError: ICE answered with an error status.
    :raises IceResponseError: a 2xx answer that is not a JSON object.
    """
    data = _json_body(response)
    if response.status_code >= 400:
        text = response.text
        body = data if isinstance(data, dict) else {"Message": text[:500] or response.reason_phrase}
        raise api_error_from_response(
            body, response.status_code, action=action, retry_after=retry_after_seconds(response)
        )
    if not isinstance(data, dict):
        raise IceResponseError(
            action, f"expected a JSON object, got HTTP {response.status_code}", response.text
        )
    return data


def _json_body(response: httpx.Response) -> Any:
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
        return json.loads(response.text)
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
