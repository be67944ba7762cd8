"""STS (version ``2015-04-01``): AssumeRole and AssumeRoleWithOIDC, as ``sts.aliyuncs.com`` answers.

AssumeRole must be signed (V3 or V1; by the permanent key or a temporary one, as role chaining
allows) and names one of the configured role ARNs. AssumeRoleWithOIDC is anonymous: it needs the
configured OIDC provider ARN and one of the accepted OIDC tokens. Both issue temporary keys that
the ICE actions accept until they expire (after the smaller of ``DurationSeconds`` and the
configured lifetime), in STS's answer shape::

    {"RequestId", "AssumedRoleUser": {"AssumedRoleId", "Arn"},
     "Credentials": {"AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"}}

(AssumeRoleWithOIDC adds ``OIDCTokenInfo``). Parameters may come in the query or a form body.
Unlike the ICE action groups, this one authenticates requests itself (its version differs and one
action is anonymous), so the app hands it the whole request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

from airflow_ice.emulator.actions.base import format_time, required
from airflow_ice.emulator.auth import RequestAuthenticator
from airflow_ice.emulator.counters import EmulatorCounters
from airflow_ice.emulator.errors import EmulatorApiError, EmulatorAuthError, invalid_parameter
from airflow_ice.emulator.request import IncomingRequest
from airflow_ice.emulator.temporary_keys import IssuedKey, StsSettings, TemporaryKeyStore

STS_API_VERSION = "2015-04-01"
ASSUME_ROLE = "AssumeRole"
ASSUME_ROLE_WITH_OIDC = "AssumeRoleWithOIDC"
STS_ACTIONS = (ASSUME_ROLE, ASSUME_ROLE_WITH_OIDC)
MIN_DURATION_SECONDS = 900
MAX_DURATION_SECONDS = 43200
DEFAULT_DURATION_SECONDS = 3600
ROLE_ARN_PATTERN = re.compile(r"^acs:ram::(?P<account>\d+):role/(?P<name>[A-Za-z0-9.@_/-]{1,64})$")
SESSION_NAME_PATTERN = re.compile(r"^[A-Za-z0-9.@_-]{2,64}$")
DEFAULT_OIDC_SESSION_NAME = "oidc-session"


class StsActions:
    """The emulated STS.

    :param settings: accepted roles, OIDC provider and tokens, credential lifetime.
    :param keys: where issued keys go (the ICE actions' authenticator reads them).
    :param authenticator: verifies AssumeRole signatures.
    :param counters: where accepted signatures are counted.
    """

    def __init__(
        self,
        settings: StsSettings,
        keys: TemporaryKeyStore,
        authenticator: RequestAuthenticator,
        counters: EmulatorCounters,
    ) -> None:
        self.settings = settings
        self.keys = keys
        self._authenticator = authenticator
        self._counters = counters

    @staticmethod
    def answers(action: str) -> bool:
        """Whether ``action`` is an STS action."""
        return action in STS_ACTIONS

    def dispatch(self, action: str, request: IncomingRequest) -> dict[str, Any]:
        """Authenticate and run ``action``; the answer body without ``RequestId``."""
        if action == ASSUME_ROLE:
            self._counters.authenticated(self._authenticator.verify(request, api_version=STS_API_VERSION))
            return self.assume_role(request.params())
        return self.assume_role_with_oidc(request.params())

    def assume_role(self, params: Mapping[str, str]) -> dict[str, Any]:
        """AssumeRole (the caller is already authenticated)."""
        role_arn, account, role_name = self._role(params)
        session = _session_name(required(params, "RoleSessionName"))
        key = self._issue(_duration(params), f"{role_arn}/{session}")
        return {
            "AssumedRoleUser": _assumed_role_user(account, role_name, session, role_arn),
            "Credentials": _credentials(key),
        }

    def assume_role_with_oidc(self, params: Mapping[str, str]) -> dict[str, Any]:
        """AssumeRoleWithOIDC (anonymous: the OIDC token is the proof)."""
        version = params.get("Version", "")
        if version != STS_API_VERSION:
            raise EmulatorAuthError(
                "InvalidVersion", f"Specified parameter Version is not valid: use {STS_API_VERSION}.", 400
            )
        provider_arn = required(params, "OIDCProviderArn")
        token = params.get("OIDCToken", "")
        if not token:
            raise EmulatorAuthError(
                "AuthenticationFail.OIDCToken.Invalid", "The OIDCToken can not empty.", 401
            )
        role_arn, account, role_name = self._role(params)
        if provider_arn != self.settings.oidc_provider_arn:
            raise EmulatorAuthError(
                "AuthenticationFail.NoPermission", "No such OIDC Provider registered.", 401
            )
        if not any(hmac.compare_digest(token.encode(), good.encode()) for good in self.settings.oidc_tokens):
            raise EmulatorAuthError(
                "AuthenticationFail.OIDCToken.Invalid",
                "The Jwt content is invalid that cannot be recognized.",
                401,
            )
        session = _session_name(params.get("RoleSessionName") or DEFAULT_OIDC_SESSION_NAME)
        key = self._issue(_duration(params), f"{role_arn}/{session}")
        subject = hashlib.sha256(token.encode()).hexdigest()[:24]
        return {
            "OIDCTokenInfo": {
                "Subject": f"system:serviceaccount:airflow:{subject}",
                "Issuer": "https://oidc-ack.cn-shanghai.aliyuncs.com/emulator",
                "ClientIds": "sts.aliyuncs.com",
                "IssuanceTime": format_time(self.keys.clock()),
                "ExpirationTime": format_time(key.expiration),
                "VerificationInfo": "Success",
            },
            "AssumedRoleUser": _assumed_role_user(account, role_name, session, role_arn),
            "Credentials": _credentials(key),
        }

    def _role(self, params: Mapping[str, str]) -> tuple[str, str, str]:
        role_arn = required(params, "RoleArn")
        match = ROLE_ARN_PATTERN.match(role_arn)
        if match is None:
            raise EmulatorApiError(
                "InvalidParameter.RoleArn", f"The parameter RoleArn is invalid: {role_arn!r}.", 400
            )
        if role_arn not in self.settings.role_arns:
            raise EmulatorApiError("EntityNotExist.Role", f"The specified Role not exists: {role_arn}.", 404)
        return role_arn, match["account"], match["name"]

    def _issue(self, duration: int, principal: str) -> IssuedKey:
        return self.keys.issue(min(float(duration), self.settings.token_seconds), principal)


def _duration(params: Mapping[str, str]) -> int:
    raw = params.get("DurationSeconds") or str(DEFAULT_DURATION_SECONDS)
    try:
        duration = int(raw)
    except ValueError:
        duration = -1
    if not MIN_DURATION_SECONDS <= duration <= MAX_DURATION_SECONDS:
        raise EmulatorApiError(
            "InvalidParameter.DurationSeconds",
            f"The parameter DurationSeconds is invalid: {raw!r}; the Min/Max value of DurationSeconds "
            f"is {MIN_DURATION_SECONDS}s/{MAX_DURATION_SECONDS}s.",
            400,
        )
    return duration


def _session_name(session: str) -> str:
    if not SESSION_NAME_PATTERN.match(session):
        raise invalid_parameter("RoleSessionName", "use 2 to 64 letters, digits or . @ - _.")
    return session


def _assumed_role_user(account: str, role_name: str, session: str, role_arn: str) -> dict[str, str]:
    role_id = int(hashlib.sha256(role_arn.encode()).hexdigest()[:15], 16)
    return {
        "AssumedRoleId": f"3{role_id:017d}:{session}",
        "Arn": f"acs:ram::{account}:role/{role_name}/{session}",
    }


def _credentials(key: IssuedKey) -> dict[str, str]:
    return {
        "AccessKeyId": key.access_key_id,
        "AccessKeySecret": key.access_key_secret,
        "SecurityToken": key.security_token,
        "Expiration": format_time(key.expiration),
    }
