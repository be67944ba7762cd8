"""Airflow's own encoders for what a task stores, in Airflow 3.1 and 3.3 (no tests here).

- An XCom value: the task SDK's serializer (``serde.serialize``, what ``BaseXCom.serialize_value``
  calls), the supervisor channel's msgpack encoder (``SetXCom``), and the JSON body the task SDK's
  API client posts (httpx: ``allow_nan=False``, UTF-8).
- A trigger event: the triggerer's msgpack encoder for the events it sends its supervisor (3.3's
  ``sanitize_trigger_events`` cancels the trigger when it fails; 3.1 crashes the send), then the
  payload in ``next_kwargs``, a JSON column (strict JSON: PostgreSQL's ``jsonb`` refuses NaN).

``_new_encoder`` is Airflow's private name, imported here on purpose: it *is* the encoder both
versions use for these messages (``_RequestFrame.as_bytes``), and a test must use theirs.
"""

from __future__ import annotations

import json
from typing import Any


def _serialize(value: Any) -> Any:
    try:
        from airflow.sdk.serde import serialize  # Airflow 3.2+
    except ImportError:
        from airflow.serialization.serde import serialize  # type: ignore[no-redef]  # Airflow 3.1
    return serialize(value)


def _msgpack(value: Any) -> bytes:
    from airflow.sdk.execution_time.comms import _new_encoder

    return _new_encoder().encode(value)


def encode_xcom(value: Any) -> bytes:
    """The value through Airflow's XCom path; raises as Airflow would. Returns the posted JSON body."""
    import httpx

    serialized = _serialize(value)
    _msgpack(serialized)
    request = httpx.Request("POST", "http://api-server/execution/xcoms/d/r/t/return_value", json=serialized)
    return request.read()


def encode_trigger_event(payload: Any) -> bytes:
    """The payload through the triggerer's event path; raises as Airflow would. Returns the stored JSON."""
    from airflow.triggers.base import TriggerEvent

    _msgpack(TriggerEvent(payload))
    next_kwargs = _serialize({"event": payload})
    return json.dumps(next_kwargs, allow_nan=False).encode("utf-8")
