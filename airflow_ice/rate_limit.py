"""Rate limiting, now :mod:`airflow_ice.client.rate_limit`.

This module keeps the old import path working.
"""

from __future__ import annotations

from airflow_ice.client.rate_limit import (
    RATE_LIMITERS,
    RateLimiterRegistry,
    TokenBucket,
)

__all__ = [
    "RATE_LIMITERS",
    "RateLimiterRegistry",
    "TokenBucket",
]
