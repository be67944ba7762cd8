"""The wire format, now :mod:`airflow_ice.client.wire` (answers are judged in
:mod:`airflow_ice.client.outcome`, sent by :mod:`airflow_ice.client.transport`'s transports).

This module keeps the old import path working.
"""

from __future__ import annotations

from typing import Any

from airflow_ice.client.config import DEFAULT_MAX_RESPONSE_BYTES
from airflow_ice.client.outcome import Outcome, judge_answer
from airflow_ice.client.redaction import NO_SECRETS, RedactSignedUrls, install_log_redaction
from airflow_ice.client.transport import AsyncTransport as SigningTransport
from airflow_ice.client.wire import (
    WireRequest,
    WireResponse,
    body_text,
    retry_after_seconds,
    signed_request,
    to_wire_params,
    to_wire_value,
)


def parse_response(action: str, response: WireResponse) -> dict[str, Any]:
    """The JSON object of a 2xx answer; the typed error of any other (as the engine judges it).

    :raises IceApiError: ICE answered with an error status.
    :raises IceResponseError: a 2xx answer that is not a JSON object.
    """
    verdict = judge_answer(action, response, NO_SECRETS, DEFAULT_MAX_RESPONSE_BYTES, None)
    if verdict.outcome is Outcome.DONE and verdict.answer is not None:
        return verdict.answer
    assert verdict.error is not None
    raise verdict.error


__all__ = [
    "RedactSignedUrls",
    "SigningTransport",
    "WireRequest",
    "WireResponse",
    "body_text",
    "install_log_redaction",
    "parse_response",
    "retry_after_seconds",
    "signed_request",
    "to_wire_params",
    "to_wire_value",
]
