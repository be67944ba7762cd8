"""RAM role: AssumeRole on STS with a base AccessKey (the connection's or the environment's)."""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from collections.abc import Callable, Hashable

import httpx

from airflow_ice.client.credential_settings import CredentialSource
from airflow_ice.client.signing import Credentials
from airflow_ice.credentials.base import CredentialsFetcher, CredentialsProvider, TemporaryCredentials
from airflow_ice.credentials.http_client import HttpSettings, ServiceCaller
from airflow_ice.credentials.sts import ASSUME_ROLE, assume_role_request, parse_sts_answer, sts_host

# Salt of key fingerprints: random per process, so a fingerprint means nothing outside it.
_FINGERPRINT_SALT = os.urandom(16)


def key_fingerprint(credentials: Credentials) -> str:
    """A salted hash that tells keys apart without holding their secret."""
    material = "\0".join(
        (credentials.access_key_id, credentials.access_key_secret, credentials.security_token or "")
    )
    return hmac.new(_FINGERPRINT_SALT, material.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


class AssumeRoleFetcher(CredentialsFetcher):
    """Temporary credentials of a RAM role, from STS AssumeRole signed with a base key.

    :param base: gives the key that assumes the role.
    :param role_arn: the role to assume, e.g. ``acs:ram::123456789012****:role/ice-runner``.
    :param session_name: the role session name (shows in ActionTrail).
    :param duration_seconds: the requested lifetime of the credentials.
    :param sts_url: the STS base URL.
    :param http: timeouts, attempts and TLS of the STS calls.
    :param clock: seconds since the epoch.
    """

    source = CredentialSource.RAM_ROLE_ARN.value

    def __init__(
        self,
        base: CredentialsProvider,
        *,
        role_arn: str,
        session_name: str,
        duration_seconds: int,
        sts_url: str,
        http: HttpSettings | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base = base
        self.role_arn = role_arn
        self.session_name = session_name
        self.duration_seconds = duration_seconds
        self.sts_url = sts_url
        self._caller = ServiceCaller(http or HttpSettings(), self.source, f"STS {ASSUME_ROLE}")
        self._clock = clock
        # Keyed by the base key as it is now: a rotated key gets its own cache.
        self._key = (
            self.source,
            role_arn,
            session_name,
            duration_seconds,
            sts_url,
            key_fingerprint(base.get_credentials()),
        )

    def describe(self) -> str:
        return (
            f"RAM role {self.role_arn} (AssumeRole at {sts_host(self.sts_url)} with {self.base.describe()})"
        )

    @property
    def cache_key(self) -> Hashable:
        return self._key

    def fetch(self) -> TemporaryCredentials:
        base = self.base.get_credentials()
        response = self._caller.send(lambda: self._request(base))
        return parse_sts_answer(response, action=ASSUME_ROLE, source=self.source, clock=self._clock)

    async def afetch(self) -> TemporaryCredentials:
        base = await self.base.aget_credentials()
        response = await self._caller.asend(lambda: self._request(base))
        return parse_sts_answer(response, action=ASSUME_ROLE, source=self.source, clock=self._clock)

    def _request(self, base: Credentials) -> httpx.Request:
        return assume_role_request(
            self.sts_url,
            base,
            role_arn=self.role_arn,
            session_name=self.session_name,
            duration_seconds=self.duration_seconds,
        )
