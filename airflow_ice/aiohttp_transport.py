"""The aiohttp transport, now :mod:`airflow_ice.client.aiohttp_transport`.

This module keeps the old import path working.
"""

from __future__ import annotations

from airflow_ice.client.aiohttp_transport import (
    AiohttpTransport,
)

__all__ = [
    "AiohttpTransport",
]
