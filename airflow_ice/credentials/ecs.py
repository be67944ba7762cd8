"""ECS RAM role: temporary credentials from the instance metadata service (IMDSv2 token first).

``PUT /latest/api/token`` (header ``X-aliyun-ecs-metadata-token-ttl-seconds``) gives a session
token that the reads then carry in ``X-aliyun-ecs-metadata-token``; when the service does not hand
out tokens, the reads go without one (IMDSv1) unless ``ALIBABA_CLOUD_IMDSV1_DISABLED=true``.
``GET /latest/meta-data/ram/security-credentials/`` names the attached role and
``GET .../<role>`` answers ``{Code, AccessKeyId, AccessKeySecret, SecurityToken, Expiration,
LastUpdated}``. Timeouts are short (1 s): off ECS, the address does not answer at all.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Hashable

import httpx

from airflow_ice.client.credential_settings import CredentialSource
from airflow_ice.credentials.base import CredentialsFetcher, TemporaryCredentials
from airflow_ice.credentials.http_client import METADATA_TIMEOUT, HttpSettings, ServiceCaller
from airflow_ice.credentials.sts import temporary_credentials
from airflow_ice.errors import IceCredentialsError, IceCredentialsUnavailableError

TOKEN_PATH = "/latest/api/token"
CREDENTIALS_PATH = "/latest/meta-data/ram/security-credentials/"
TOKEN_TTL_HEADER = "X-aliyun-ecs-metadata-token-ttl-seconds"
TOKEN_HEADER = "X-aliyun-ecs-metadata-token"
TOKEN_TTL_SECONDS = 21600
METADATA_HTTP = HttpSettings(timeout=METADATA_TIMEOUT, attempts=2, backoff=0.1, trust_env=False)
SERVICE = "the ECS metadata service"
OFF_ECS_HINT = "Is this an ECS instance? Elsewhere, choose another credential source"


class EcsRamRoleFetcher(CredentialsFetcher):
    """Temporary credentials of the RAM role attached to this ECS instance.

    :param role_name: the attached role; None asks the metadata service on every refresh.
    :param metadata_url: base URL of the metadata service (``http://100.100.100.200``).
    :param imds_v1_fallback: read without a session token when the service hands out none.
    :param http: timeouts and attempts (short by default).
    :param clock: seconds since the epoch.
    """

    source = CredentialSource.ECS_RAM_ROLE.value

    def __init__(
        self,
        *,
        role_name: str | None,
        metadata_url: str,
        imds_v1_fallback: bool = True,
        http: HttpSettings = METADATA_HTTP,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.role_name = role_name
        self.metadata_url = metadata_url
        self.imds_v1_fallback = imds_v1_fallback
        self._caller = ServiceCaller(http, self.source, SERVICE)
        self._clock = clock

    def describe(self) -> str:
        role = self.role_name or "the role attached to the instance"
        return f"ECS RAM role {role} (metadata service at {self.metadata_url})"

    @property
    def cache_key(self) -> Hashable:
        return (self.source, self.role_name, self.metadata_url, self.imds_v1_fallback)

    def fetch(self) -> TemporaryCredentials:
        try:
            token = self._session_token(self._caller.send(self._token_request))
            role = self.role_name or self._role_name(
                self._caller.send(lambda: self._read(CREDENTIALS_PATH, token))
            )
            answer = self._caller.send(lambda: self._read(CREDENTIALS_PATH + role, token))
        except IceCredentialsError as exc:
            raise _with_hint(exc) from None
        return self._credentials(answer, role)

    async def afetch(self) -> TemporaryCredentials:
        try:
            token = self._session_token(await self._caller.asend(self._token_request))
            role = self.role_name or self._role_name(
                await self._caller.asend(lambda: self._read(CREDENTIALS_PATH, token))
            )
            answer = await self._caller.asend(lambda: self._read(CREDENTIALS_PATH + role, token))
        except IceCredentialsError as exc:
            raise _with_hint(exc) from None
        return self._credentials(answer, role)

    def _token_request(self) -> httpx.Request:
        return httpx.Request(
            "PUT", self.metadata_url + TOKEN_PATH, headers={TOKEN_TTL_HEADER: str(TOKEN_TTL_SECONDS)}
        )

    def _read(self, path: str, token: str | None) -> httpx.Request:
        return httpx.Request("GET", self.metadata_url + path, headers={TOKEN_HEADER: token} if token else {})

    def _session_token(self, response: httpx.Response) -> str | None:
        if response.status_code == 200 and response.text.strip():
            return response.text.strip()
        if self.imds_v1_fallback:
            return None
        raise IceCredentialsError(
            self.source,
            f"{SERVICE} at {self.metadata_url} gave no session token (HTTP {response.status_code}) and "
            "IMDSv1 is disabled (ALIBABA_CLOUD_IMDSV1_DISABLED).",
        )

    def _role_name(self, response: httpx.Response) -> str:
        self._check_status(response, "the attached RAM role's name")
        lines = response.text.strip().splitlines()
        if not lines or not lines[0].strip():
            raise IceCredentialsError(
                self.source,
                f"{SERVICE} at {self.metadata_url} says no RAM role is attached to this instance.",
            )
        return lines[0].strip()

    def _credentials(self, response: httpx.Response, role: str) -> TemporaryCredentials:
        if response.status_code == 404:
            raise IceCredentialsError(
                self.source,
                f"{SERVICE} at {self.metadata_url} knows no RAM role {role!r} on this instance: check "
                "ecs_role_name (or ALIBABA_CLOUD_ECS_METADATA) against the role attached in the ECS console.",
            )
        self._check_status(response, f"the credentials of role {role!r}")
        try:
            data = json.loads(response.content)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise IceCredentialsError(
                self.source, f"{SERVICE} answered the credentials of role {role!r} not as JSON."
            )
        code = data.get("Code")
        if code != "Success":
            raise IceCredentialsError(
                self.source,
                f"{SERVICE} answered Code {code!r} for the credentials of role {role!r}.",
                code=str(code),
            )
        return temporary_credentials(
            data, source=self.source, where=f"{SERVICE} (role {role!r})", clock=self._clock
        )

    def _check_status(self, response: httpx.Response, what: str) -> None:
        if response.status_code == 200:
            return
        detail = ""
        if response.status_code in (401, 403):
            detail = ": it may require IMDSv2 session tokens, which it did not hand out"
        error_class = IceCredentialsUnavailableError if response.status_code >= 500 else IceCredentialsError
        raise error_class(
            self.source,
            f"{SERVICE} at {self.metadata_url} refused {what} (HTTP {response.status_code}){detail}.",
        )


def _with_hint(error: IceCredentialsError) -> IceCredentialsError:
    if "could not be reached" not in error.reason:
        return error
    return type(error)(error.source, f"{error.reason} {OFF_ECS_HINT}.", error.code)
