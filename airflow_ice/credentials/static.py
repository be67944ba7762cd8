"""Credentials that never change: the AccessKey (and optional STS token) stored in the connection."""

from __future__ import annotations

from airflow_ice.client.credential_settings import CredentialSource
from airflow_ice.client.signing import Credentials
from airflow_ice.credentials.base import CredentialsProvider


class StaticCredentialsProvider(CredentialsProvider):
    """The connection's own AccessKey ID/Secret, optionally with an STS security token.

    :param credentials: the key pair (and token).
    :param where: where the key was found, for messages.
    """

    source = CredentialSource.ACCESS_KEY.value

    def __init__(self, credentials: Credentials, where: str = "the connection's login/password") -> None:
        self._credentials = credentials
        self._where = where

    def describe(self) -> str:
        return f"AccessKey {self._credentials.access_key_id} from {self._where}"

    def get_credentials(self) -> Credentials:
        return self._credentials

    async def aget_credentials(self) -> Credentials:
        return self._credentials
