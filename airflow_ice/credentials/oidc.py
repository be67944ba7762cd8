"""RRSA / OIDC: AssumeRoleWithOIDC on STS with the token Kubernetes projects into the pod.

The token file is read again on every refresh, because Kubernetes rotates it; in the async path
it is read in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Hashable

import httpx

from airflow_ice.client.credential_settings import CredentialSource
from airflow_ice.credentials.base import CredentialsFetcher, TemporaryCredentials
from airflow_ice.credentials.http_client import HttpSettings, ServiceCaller
from airflow_ice.credentials.sts import (
    ASSUME_ROLE_WITH_OIDC,
    assume_role_with_oidc_request,
    parse_sts_answer,
    sts_host,
)
from airflow_ice.errors import IceCredentialsError

SOURCE = CredentialSource.OIDC_ROLE_ARN.value
MAX_TOKEN_BYTES = 64 * 1024


def read_oidc_token(path: str) -> str:
    """The token in ``path``, stripped (blocking file I/O).

    :raises IceCredentialsError: the file is missing, unreadable, empty or absurdly large.
    """
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_TOKEN_BYTES + 1)
    except FileNotFoundError:
        raise IceCredentialsError(
            SOURCE,
            f"the OIDC token file {path!r} does not exist: check oidc_token_file / "
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE and that the pod mounts the RRSA token volume.",
        ) from None
    except OSError as exc:
        raise IceCredentialsError(
            SOURCE, f"the OIDC token file {path!r} cannot be read ({exc.strerror or type(exc).__name__})."
        ) from None
    if len(raw) > MAX_TOKEN_BYTES:
        raise IceCredentialsError(
            SOURCE, f"the OIDC token file {path!r} is larger than {MAX_TOKEN_BYTES} bytes."
        )
    token = raw.decode("utf-8", errors="replace").strip()
    if not token:
        raise IceCredentialsError(SOURCE, f"the OIDC token file {path!r} is empty.")
    return token


class OidcRoleFetcher(CredentialsFetcher):
    """Temporary credentials of a RAM role, from STS AssumeRoleWithOIDC (no AccessKey needed).

    :param role_arn: the role to assume.
    :param oidc_provider_arn: the OIDC identity provider registered in RAM.
    :param token_file: path of the OIDC token, read again on every refresh.
    :param session_name: the role session name.
    :param duration_seconds: the requested lifetime of the credentials.
    :param sts_url: the STS base URL.
    :param http: timeouts, attempts and TLS of the STS calls.
    :param clock: seconds since the epoch.
    """

    source = SOURCE

    def __init__(
        self,
        *,
        role_arn: str,
        oidc_provider_arn: str,
        token_file: str,
        session_name: str,
        duration_seconds: int,
        sts_url: str,
        http: HttpSettings | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.role_arn = role_arn
        self.oidc_provider_arn = oidc_provider_arn
        self.token_file = token_file
        self.session_name = session_name
        self.duration_seconds = duration_seconds
        self.sts_url = sts_url
        self._caller = ServiceCaller(http or HttpSettings(), self.source, f"STS {ASSUME_ROLE_WITH_OIDC}")
        self._clock = clock

    def describe(self) -> str:
        return (
            f"RAM role {self.role_arn} (AssumeRoleWithOIDC at {sts_host(self.sts_url)} with provider "
            f"{self.oidc_provider_arn} and the token in {self.token_file})"
        )

    @property
    def cache_key(self) -> Hashable:
        return (
            self.source,
            self.role_arn,
            self.oidc_provider_arn,
            self.token_file,
            self.session_name,
            self.duration_seconds,
            self.sts_url,
        )

    def fetch(self) -> TemporaryCredentials:
        token = read_oidc_token(self.token_file)
        response = self._caller.send(lambda: self._request(token))
        return parse_sts_answer(response, action=ASSUME_ROLE_WITH_OIDC, source=self.source, clock=self._clock)

    async def afetch(self) -> TemporaryCredentials:
        token = await asyncio.to_thread(read_oidc_token, self.token_file)
        response = await self._caller.asend(lambda: self._request(token))
        return parse_sts_answer(response, action=ASSUME_ROLE_WITH_OIDC, source=self.source, clock=self._clock)

    def _request(self, token: str) -> httpx.Request:
        return assume_role_with_oidc_request(
            self.sts_url,
            role_arn=self.role_arn,
            oidc_provider_arn=self.oidc_provider_arn,
            oidc_token=token,
            session_name=self.session_name,
            duration_seconds=self.duration_seconds,
        )
