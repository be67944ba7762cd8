"""Where credentials come from: the connection's credential-source settings, validated.

Pure: the connection module hands over a reader of the connection's extras; the resolver turns
the settings (plus the environment) into a provider.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from airflow_ice.client.endpoint import base_url_of
from airflow_ice.errors import IceConfigurationError

ENV_ACCESS_KEY_ID = "ALIBABA_CLOUD_ACCESS_KEY_ID"
ENV_ACCESS_KEY_SECRET = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
ENV_SECURITY_TOKEN = "ALIBABA_CLOUD_SECURITY_TOKEN"
ENV_ROLE_ARN = "ALIBABA_CLOUD_ROLE_ARN"
ENV_OIDC_PROVIDER_ARN = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN"
ENV_OIDC_TOKEN_FILE = "ALIBABA_CLOUD_OIDC_TOKEN_FILE"
ENV_ROLE_SESSION_NAME = "ALIBABA_CLOUD_ROLE_SESSION_NAME"
ENV_ECS_ROLE_NAME = "ALIBABA_CLOUD_ECS_METADATA"
ENV_IMDS_V1_DISABLED = "ALIBABA_CLOUD_IMDSV1_DISABLED"

DEFAULT_STS_ENDPOINT = "https://sts.aliyuncs.com"
DEFAULT_METADATA_ENDPOINT = "http://100.100.100.200"
DEFAULT_SESSION_NAME = "airflow-ice"
DEFAULT_SESSION_DURATION = 3600
MIN_SESSION_DURATION = 900
MAX_SESSION_DURATION = 43200

_SESSION_NAME_RE = re.compile(r"^[A-Za-z0-9.@_-]{2,64}$")
_ROLE_NAME_RE = re.compile(r"^[A-Za-z0-9.@_-]{1,64}$")


class CredentialSource(str, enum.Enum):
    """The credential sources, by the name the connection's ``credential_source`` extra uses."""

    AUTO = "auto"
    ACCESS_KEY = "access_key"
    ENVIRONMENT = "environment"
    RAM_ROLE_ARN = "ram_role_arn"
    OIDC_ROLE_ARN = "oidc_role_arn"
    ECS_RAM_ROLE = "ecs_ram_role"


@dataclass(frozen=True)
class CredentialSettings:
    """The connection's credential-source settings (no secrets: the AccessKey lives apart).

    :param source: which source to use; ``auto`` applies the documented precedence.
    :param role_arn: the RAM role to assume (AssumeRole, or AssumeRoleWithOIDC).
    :param role_session_name: the role session name; None: ``ALIBABA_CLOUD_ROLE_SESSION_NAME``
        or ``airflow-ice``.
    :param role_session_duration: requested lifetime of an assumed role's credentials, seconds.
    :param oidc_provider_arn: the RRSA/OIDC identity provider's ARN.
    :param oidc_token_file: path of the OIDC token file (re-read on every refresh).
    :param ecs_role_name: the ECS instance's RAM role; None asks the metadata service.
    :param sts_endpoint: base URL of STS, e.g. ``https://sts.aliyuncs.com``.
    :param metadata_endpoint: base URL of the ECS metadata service (tests point it at the emulator).
    """

    source: CredentialSource = CredentialSource.AUTO
    role_arn: str | None = None
    role_session_name: str | None = None
    role_session_duration: int = DEFAULT_SESSION_DURATION
    oidc_provider_arn: str | None = None
    oidc_token_file: str | None = None
    ecs_role_name: str | None = None
    sts_endpoint: str = DEFAULT_STS_ENDPOINT
    metadata_endpoint: str = DEFAULT_METADATA_ENDPOINT


def credential_settings_from_extras(conn_id: str, extra_value: Callable[[str], Any]) -> CredentialSettings:
    """Read and validate the credential-source extras of a connection.

    :param conn_id: the connection id, named in errors.
    :param extra_value: returns an extra's value by its plain name, or None when unset.
    """

    def text(name: str) -> str | None:
        raw = extra_value(name)
        if raw is None:
            return None
        value = str(raw).strip()
        return value or None

    raw_source = (text("credential_source") or CredentialSource.AUTO.value).lower()
    try:
        source = CredentialSource(raw_source)
    except ValueError:
        allowed = ", ".join(item.value for item in CredentialSource)
        raise IceConfigurationError(
            f"Connection {conn_id!r}: credential_source {raw_source!r} is not one of {allowed}."
        ) from None

    session_name = text("role_session_name")
    if session_name is not None and not _SESSION_NAME_RE.match(session_name):
        raise IceConfigurationError(
            f"Connection {conn_id!r}: role_session_name {session_name!r} must be 2 to 64 letters, "
            "digits or . @ - _."
        )
    duration = _session_duration(conn_id, extra_value("role_session_duration"))
    role_name = text("ecs_role_name")
    if role_name is not None and not _ROLE_NAME_RE.match(role_name):
        raise IceConfigurationError(
            f"Connection {conn_id!r}: ecs_role_name {role_name!r} is not a RAM role name."
        )

    try:
        sts_endpoint = base_url_of(
            "sts_endpoint", extra_value("sts_endpoint") or DEFAULT_STS_ENDPOINT, default_scheme="https"
        )
        metadata_endpoint = base_url_of(
            "metadata_endpoint",
            extra_value("metadata_endpoint") or DEFAULT_METADATA_ENDPOINT,
            default_scheme="http",
        )
    except ValueError as exc:
        raise IceConfigurationError(f"Connection {conn_id!r}: {exc}") from None

    return CredentialSettings(
        source=source,
        role_arn=text("role_arn"),
        role_session_name=session_name,
        role_session_duration=duration,
        oidc_provider_arn=text("oidc_provider_arn"),
        oidc_token_file=text("oidc_token_file"),
        ecs_role_name=role_name,
        sts_endpoint=sts_endpoint,
        metadata_endpoint=metadata_endpoint,
    )


def _session_duration(conn_id: str, raw: Any) -> int:
    if raw is None or raw == "":
        return DEFAULT_SESSION_DURATION
    try:
        duration = int(str(raw).strip())
    except ValueError:
        duration = -1
    if not MIN_SESSION_DURATION <= duration <= MAX_SESSION_DURATION:
        raise IceConfigurationError(
            f"Connection {conn_id!r}: role_session_duration must be a whole number of seconds from "
            f"{MIN_SESSION_DURATION} to {MAX_SESSION_DURATION}, got {raw!r}."
        )
    return duration
