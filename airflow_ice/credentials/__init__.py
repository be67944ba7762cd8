"""Credentials for ICE calls: static keys, environment, RAM role, RRSA/OIDC and ECS RAM role.

:func:`resolve_credentials_provider` picks the source of a connection (see
:mod:`airflow_ice.credentials.resolver` for the precedence); the provider it returns gives the
credentials to sign each attempt with. Temporary credentials are cached per process and
refreshed by one caller before they expire (:mod:`airflow_ice.credentials.cache`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_ice.client.credential_settings import (
        CredentialSettings,
        CredentialSource,
        credential_settings_from_extras,
    )
    from airflow_ice.credentials.base import CredentialsFetcher, CredentialsProvider, TemporaryCredentials
    from airflow_ice.credentials.cache import CredentialsCache, clear_shared_caches, shared_cache
    from airflow_ice.credentials.resolver import choose_source, resolve_credentials_provider

# Where each public name lives (the settings are the client's: it reads them from the connection).
# Loaded on first use: the sources' HTTP clients (httpx) are not for a DAG file that only imports an operator.
_HOMES = {
    "CredentialsFetcher": "airflow_ice.credentials.base",
    "CredentialsProvider": "airflow_ice.credentials.base",
    "TemporaryCredentials": "airflow_ice.credentials.base",
    "CredentialsCache": "airflow_ice.credentials.cache",
    "clear_shared_caches": "airflow_ice.credentials.cache",
    "shared_cache": "airflow_ice.credentials.cache",
    "choose_source": "airflow_ice.credentials.resolver",
    "resolve_credentials_provider": "airflow_ice.credentials.resolver",
    "CredentialSettings": "airflow_ice.client.credential_settings",
    "CredentialSource": "airflow_ice.client.credential_settings",
    "credential_settings_from_extras": "airflow_ice.client.credential_settings",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


__all__ = [
    "CredentialSettings",
    "CredentialSource",
    "CredentialsCache",
    "CredentialsFetcher",
    "CredentialsProvider",
    "TemporaryCredentials",
    "choose_source",
    "clear_shared_caches",
    "credential_settings_from_extras",
    "resolve_credentials_provider",
    "shared_cache",
]
