"""Connection settings, now :mod:`airflow_ice.client.config`.

This module keeps the old import path working.
"""

from __future__ import annotations

from airflow_ice.client.config import (
    CONN_TYPE,
    DEFAULT_CONN_ID,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_REGION,
    DEFAULT_TIMEOUT,
    ICE_API_VERSION,
    ICE_REGIONS,
    NO_STORED_KEY,
    IceConnectionConfig,
    check_region,
    config_from_connection,
    is_loopback,
    nearest_region,
    resolve_endpoint,
    tls_and_rate_settings,
)

__all__ = [
    "CONN_TYPE",
    "DEFAULT_CONN_ID",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_REGION",
    "DEFAULT_TIMEOUT",
    "ICE_API_VERSION",
    "ICE_REGIONS",
    "NO_STORED_KEY",
    "IceConnectionConfig",
    "check_region",
    "config_from_connection",
    "is_loopback",
    "nearest_region",
    "resolve_endpoint",
    "tls_and_rate_settings",
]
