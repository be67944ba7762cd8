"""Credentials from the ``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``_SECRET`` / ``SECURITY_TOKEN`` variables."""

from __future__ import annotations

import os
from collections.abc import Mapping

from airflow_ice.client.credential_settings import (
    ENV_ACCESS_KEY_ID,
    ENV_ACCESS_KEY_SECRET,
    ENV_SECURITY_TOKEN,
    CredentialSource,
)
from airflow_ice.client.signing import Credentials
from airflow_ice.credentials.base import CredentialsProvider
from airflow_ice.errors import IceCredentialsError


def credentials_from_environment(environ: Mapping[str, str]) -> Credentials | None:
    """The key in ``environ``; None when neither ID nor secret is set.

    :raises IceCredentialsError: only one of ID and secret is set.
    """
    key_id = environ.get(ENV_ACCESS_KEY_ID, "").strip()
    secret = environ.get(ENV_ACCESS_KEY_SECRET, "")
    if not key_id and not secret:
        return None
    if not key_id or not secret:
        missing = ENV_ACCESS_KEY_ID if not key_id else ENV_ACCESS_KEY_SECRET
        raise IceCredentialsError(
            CredentialSource.ENVIRONMENT.value,
            f"{missing} is not set while its partner is: set both (and {ENV_SECURITY_TOKEN} for an STS key).",
        )
    token = environ.get(ENV_SECURITY_TOKEN, "").strip()
    return Credentials(key_id, secret, token or None)


class EnvironmentCredentialsProvider(CredentialsProvider):
    """The key in the process environment, read on every call (a rotated key is picked up).

    Reading ``os.environ`` is a dictionary lookup, so the async path may do it on the loop.

    :param environ: the environment to read (default ``os.environ``).
    """

    source = CredentialSource.ENVIRONMENT.value

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ

    def describe(self) -> str:
        return f"the environment variables {ENV_ACCESS_KEY_ID}/{ENV_ACCESS_KEY_SECRET}"

    def get_credentials(self) -> Credentials:
        credentials = credentials_from_environment(self._environ)
        if credentials is None:
            raise IceCredentialsError(
                self.source, f"{ENV_ACCESS_KEY_ID} and {ENV_ACCESS_KEY_SECRET} are not set in this process."
            )
        return credentials

    async def aget_credentials(self) -> Credentials:
        return self.get_credentials()
