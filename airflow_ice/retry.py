"""Retry waits and runner, now :mod:`airflow_ice.client.retry` (what may be retried: :mod:`airflow_ice.client.outcome`).

This module keeps the old import path working.
"""

from __future__ import annotations

from airflow_ice.client.retry import (
    MAX_RETRY_AFTER,
    BackoffWait,
    acall_with_retries,
    call_with_retries,
)

__all__ = [
    "MAX_RETRY_AFTER",
    "BackoffWait",
    "acall_with_retries",
    "call_with_retries",
]
