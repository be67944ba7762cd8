"""Helpers of the credential tests (no tests here): a clock to step by hand, connection JSON for each
credential source against the emulator, and a clean credentials environment."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_ice.credentials import clear_shared_caches
from airflow_ice.emulator import IceEmulator
from airflow_ice.emulator.temporary_keys import (
    DEFAULT_OIDC_PROVIDER_ARN,
    DEFAULT_OIDC_TOKEN,
    DEFAULT_ROLE_ARN,
)

CREDENTIAL_ENV = (
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABA_CLOUD_SECURITY_TOKEN",
    "ALIBABA_CLOUD_ROLE_ARN",
    "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
    "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
    "ALIBABA_CLOUD_ROLE_SESSION_NAME",
    "ALIBABA_CLOUD_ECS_METADATA",
    "ALIBABA_CLOUD_IMDSV1_DISABLED",
)
ROLE_ARN = DEFAULT_ROLE_ARN
OIDC_PROVIDER_ARN = DEFAULT_OIDC_PROVIDER_ARN
OIDC_TOKEN = DEFAULT_OIDC_TOKEN


class FakeClock:
    """Seconds since the epoch that move only when told (shared by emulator and client)."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


@pytest.fixture
def clean_credentials(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No ALIBABA_CLOUD_* variables, and no credentials cached from another test."""
    for name in CREDENTIAL_ENV:
        monkeypatch.delenv(name, raising=False)
    clear_shared_caches()
    yield
    clear_shared_caches()


def write_token(path: Path, token: str = OIDC_TOKEN) -> Path:
    """Write a token file as Kubernetes projects it (no trailing newline)."""
    path.write_text(token)
    return path


def ram_role_connection(emulator: IceEmulator, **extra: Any) -> str:
    """The emulator's AccessKey, assuming the emulator's role through its STS."""
    options: dict[str, Any] = {"role_arn": ROLE_ARN, "sts_endpoint": emulator.url}
    options.update(extra)
    return emulator.connection_json(**options)


def oidc_connection(emulator: IceEmulator, token_file: Path, **extra: Any) -> str:
    """No AccessKey: AssumeRoleWithOIDC with the token in ``token_file``."""
    options: dict[str, Any] = {
        "role_arn": ROLE_ARN,
        "oidc_provider_arn": OIDC_PROVIDER_ARN,
        "oidc_token_file": str(token_file),
        "sts_endpoint": emulator.url,
    }
    options.update(extra)
    return emulator.connection_json(with_key=False, **options)


def ecs_connection(emulator: IceEmulator, **extra: Any) -> str:
    """No AccessKey: the ECS RAM role from the emulator's metadata service."""
    options: dict[str, Any] = {"credential_source": "ecs_ram_role", "metadata_endpoint": emulator.url}
    options.update(extra)
    return emulator.connection_json(with_key=False, **options)


def connection_extras(connection_json: str) -> dict[str, Any]:
    return dict(json.loads(connection_json)["extra"])
