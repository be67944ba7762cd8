"""The shared async transports, now :mod:`airflow_ice.client.pool` and :mod:`airflow_ice.client.tls`.

This module keeps the old import path working.
"""

from __future__ import annotations

from airflow_ice.client.pool import (
    MAX_CONNECTIONS,
    SHARED_CLIENTS,
    AsyncClientPool,
    ClientKey,
    ClientLease,
    EndpointIdentity,
    TransportFactory,
    default_transport_factory,
)
from airflow_ice.client.tls import TlsSettings, cached_ssl_context, ssl_context_for
from airflow_ice.hooks.connection_reads import CONNECTION_READS, ConnectionReads

__all__ = [
    "CONNECTION_READS",
    "MAX_CONNECTIONS",
    "SHARED_CLIENTS",
    "AsyncClientPool",
    "ClientKey",
    "ClientLease",
    "ConnectionReads",
    "EndpointIdentity",
    "TlsSettings",
    "TransportFactory",
    "cached_ssl_context",
    "default_transport_factory",
    "ssl_context_for",
]
