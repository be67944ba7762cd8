"""The STS wire format (``sts.aliyuncs.com``, version ``2015-04-01``): AssumeRole and AssumeRoleWithOIDC.

As the official credentials libraries do: ``POST /`` with ``Action``, ``Format``, ``Version`` and
``Timestamp`` in the query and the role parameters form-encoded in the body (so the OIDC token
never appears in a URL, where proxies and httpx's log would show it). AssumeRole is signed with
RPC signature 1.0 (HMAC-SHA1) by :mod:`airflow_ice.client.signing`; AssumeRoleWithOIDC is anonymous:
the OIDC token is the proof. Both answer ``{RequestId, AssumedRoleUser, Credentials:
{AccessKeyId, AccessKeySecret, SecurityToken, Expiration}}`` (OIDC adds ``OIDCTokenInfo``).
"""

from __future__ import annotations

import calendar
import json
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import httpx

from airflow_ice.client.signing import (
    FORM_CONTENT_TYPE,
    HMAC_SHA1,
    TIMESTAMP_FORMAT,
    Credentials,
    canonical_query_string,
    encode_form,
    format_timestamp,
    sign_request,
)
from airflow_ice.credentials.base import TemporaryCredentials
from airflow_ice.errors import IceCredentialsError, IceCredentialsUnavailableError

STS_API_VERSION = "2015-04-01"
ASSUME_ROLE = "AssumeRole"
ASSUME_ROLE_WITH_OIDC = "AssumeRoleWithOIDC"

# (code prefix, what to check), first match wins.
_HINTS: tuple[tuple[str, str], ...] = (
    ("InvalidAccessKeyId", "STS does not know the AccessKey ID used to assume the role: check it"),
    ("SignatureDoesNotMatch", "check the AccessKey Secret used to assume the role"),
    ("InvalidSecurityToken", "the STS token of the key used to assume the role is invalid or expired"),
    ("InvalidTimeStamp", "the machine's clock is more than 15 minutes off: check NTP and that it keeps UTC"),
    ("EntityNotExist.Role", "check the role ARN: the role does not exist"),
    (
        "AuthenticationFail.OIDCToken",
        "check the OIDC token file: the token is invalid, expired or for "
        "another audience (Kubernetes rotates it: is the RRSA token volume mounted?)",
    ),
    ("AuthenticationFail.NoPermission", "check the OIDC provider ARN and the role's trust policy"),
    ("EntityNotExist.OIDCProvider", "check the OIDC provider ARN"),
    (
        "NoPermission",
        "the caller may not assume this role: check the role's trust policy and that the "
        "RAM user or role holds sts:AssumeRole",
    ),
    ("Forbidden", "the caller may not assume this role: check the role's trust policy"),
    (
        "InvalidParameter",
        "check the role ARN, session name and session duration (900 s up to the "
        "role's maximum session duration)",
    ),
)


def sts_host(sts_url: str) -> str:
    """The ``Host`` of an STS base URL."""
    return urlsplit(sts_url).netloc


def assume_role_request(
    sts_url: str,
    base: Credentials,
    *,
    role_arn: str,
    session_name: str,
    duration_seconds: int,
) -> httpx.Request:
    """A freshly signed AssumeRole request (new nonce and timestamp: build one per attempt).

    :param sts_url: the STS base URL, e.g. ``https://sts.aliyuncs.com``.
    :param base: the key that assumes the role.
    :param role_arn: the role to assume.
    :param session_name: the role session name.
    :param duration_seconds: the requested lifetime of the credentials.
    """
    signed = sign_request(
        action=ASSUME_ROLE,
        version=STS_API_VERSION,
        host=sts_host(sts_url),
        credentials=base,
        body={"RoleArn": role_arn, "RoleSessionName": session_name, "DurationSeconds": str(duration_seconds)},
        algorithm=HMAC_SHA1,
    )
    headers = {"accept": "application/json", **signed.headers}
    return httpx.Request("POST", f"{sts_url}/?{signed.query_string}", headers=headers, content=signed.body)


def assume_role_with_oidc_request(
    sts_url: str,
    *,
    role_arn: str,
    oidc_provider_arn: str,
    oidc_token: str,
    session_name: str,
    duration_seconds: int,
) -> httpx.Request:
    """An AssumeRoleWithOIDC request (anonymous: the OIDC token is the proof).

    :param sts_url: the STS base URL.
    :param role_arn: the role to assume.
    :param oidc_provider_arn: the OIDC identity provider registered in RAM.
    :param oidc_token: the OIDC token (a JWT), sent in the body only.
    :param session_name: the role session name.
    :param duration_seconds: the requested lifetime of the credentials.
    """
    query = {
        "Action": ASSUME_ROLE_WITH_OIDC,
        "Format": "JSON",
        "Version": STS_API_VERSION,
        "Timestamp": format_timestamp(datetime.now(timezone.utc)),
    }
    body = {
        "RoleArn": role_arn,
        "OIDCProviderArn": oidc_provider_arn,
        "OIDCToken": oidc_token,
        "RoleSessionName": session_name,
        "DurationSeconds": str(duration_seconds),
    }
    headers = {"accept": "application/json", "content-type": FORM_CONTENT_TYPE}
    return httpx.Request(
        "POST", f"{sts_url}/?{canonical_query_string(query)}", headers=headers, content=encode_form(body)
    )


def parse_expiration(value: Any) -> float | None:
    """Seconds since the epoch of an ``2015-04-09T11:52:19Z`` expiration; None if malformed."""
    if not isinstance(value, str):
        return None
    try:
        return float(calendar.timegm(time.strptime(value.strip(), TIMESTAMP_FORMAT)))
    except ValueError:
        return None


def temporary_credentials(
    fields: Mapping[str, Any], *, source: str, where: str, clock: Callable[[], float]
) -> TemporaryCredentials:
    """Temporary credentials from ``{AccessKeyId, AccessKeySecret, SecurityToken, Expiration}``.

    :param fields: the answer's credentials object.
    :param source: the credential source, named in errors.
    :param where: what answered, for errors (e.g. ``STS AssumeRole``).
    :param clock: the local clock, to note when they arrived.
    :raises IceCredentialsError: a field is missing or malformed (named; values never shown).
    """
    names = ("AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration")
    missing = [name for name in names if not isinstance(fields.get(name), str) or not fields.get(name)]
    if missing:
        raise IceCredentialsError(
            source, f"{where} answered without {', '.join(missing)} in its credentials."
        )
    expiration = parse_expiration(fields["Expiration"])
    if expiration is None:
        raise IceCredentialsError(
            source, f"{where} answered an Expiration that is not a UTC time such as 2015-04-09T11:52:19Z."
        )
    now = clock()
    if expiration <= now:
        raise IceCredentialsError(
            source,
            f"{where} answered credentials that expired already (at {fields['Expiration']}): check that "
            "this machine's clock keeps UTC.",
        )
    credentials = Credentials(fields["AccessKeyId"], fields["AccessKeySecret"], fields["SecurityToken"])
    return TemporaryCredentials(credentials, expiration, now)


def parse_sts_answer(
    response: httpx.Response, *, action: str, source: str, clock: Callable[[], float]
) -> TemporaryCredentials:
    """The credentials STS issued, or an :class:`IceCredentialsError` saying why not.

    :param response: the STS answer.
    :param action: ``AssumeRole`` or ``AssumeRoleWithOIDC``.
    :param source: the credential source, named in errors.
    :param clock: the local clock.
    """
    data = _json_object(response)
    if response.status_code >= 400:
        raise sts_error(response, data, action=action, source=source)
    if data is None or not isinstance(data.get("Credentials"), dict):
        # Never quote the body: a success answer carries secrets.
        raise IceCredentialsError(
            source, f"STS {action} answered HTTP {response.status_code} without a Credentials object."
        )
    return temporary_credentials(data["Credentials"], source=source, where=f"STS {action}", clock=clock)


def sts_error(
    response: httpx.Response, data: Mapping[str, Any] | None, *, action: str, source: str
) -> IceCredentialsError:
    """The error for an STS error answer: code, message, request id and what to check."""
    if data is None:
        kind = response.headers.get("content-type", "no content type")
        return IceCredentialsError(
            source,
            f"STS {action} answered HTTP {response.status_code} with a body that is not JSON ({kind}): "
            "is sts_endpoint an STS endpoint, or is a proxy in the way?",
        )
    code = str(data.get("Code") or f"HTTP{response.status_code}")
    message = str(data.get("Message") or "no message")
    parts = [f"STS {action} answered {code} (HTTP {response.status_code}): {message.rstrip('.')}"]
    hint = next((text for prefix, text in _HINTS if code.startswith(prefix)), "")
    if hint:
        parts.append(hint)
    if data.get("RequestId"):
        parts.append(f"RequestId {data['RequestId']}")
    transient = response.status_code >= 500 or code.startswith("Throttling") or response.status_code == 429
    error_class = IceCredentialsUnavailableError if transient else IceCredentialsError
    return error_class(source, ". ".join(parts) + ".", code=code)


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        data = json.loads(response.content) if response.content else None
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
