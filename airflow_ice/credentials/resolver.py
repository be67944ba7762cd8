"""Pick the credential source of a connection, with the documented precedence.

``credential_source`` ``auto`` (the default) takes the first that applies:

1. the connection's AccessKey ID/Secret (login/password, optionally with ``security_token``);
2. the environment's ``ALIBABA_CLOUD_ACCESS_KEY_ID``/``_SECRET`` (``_SECURITY_TOKEN``);
3. with either key and a ``role_arn`` in the connection: AssumeRole on STS with that key;
4. RRSA/OIDC: role ARN, OIDC provider ARN and OIDC token file, each from the connection or
   ``ALIBABA_CLOUD_ROLE_ARN`` / ``ALIBABA_CLOUD_OIDC_PROVIDER_ARN`` / ``ALIBABA_CLOUD_OIDC_TOKEN_FILE``:
   AssumeRoleWithOIDC;
5. an ECS RAM role named by ``ecs_role_name`` or ``ALIBABA_CLOUD_ECS_METADATA``: the metadata service.

Any other ``credential_source`` uses that source only, and says what it lacks.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Mapping

from airflow_ice.client.credential_settings import (
    DEFAULT_SESSION_NAME,
    ENV_ACCESS_KEY_ID,
    ENV_ACCESS_KEY_SECRET,
    ENV_ECS_ROLE_NAME,
    ENV_IMDS_V1_DISABLED,
    ENV_OIDC_PROVIDER_ARN,
    ENV_OIDC_TOKEN_FILE,
    ENV_ROLE_ARN,
    ENV_ROLE_SESSION_NAME,
    CredentialSettings,
    CredentialSource,
)
from airflow_ice.client.signing import Credentials
from airflow_ice.credentials.base import CredentialsProvider
from airflow_ice.credentials.cache import shared_cache
from airflow_ice.credentials.ecs import METADATA_HTTP, EcsRamRoleFetcher
from airflow_ice.credentials.environment import EnvironmentCredentialsProvider, credentials_from_environment
from airflow_ice.credentials.http_client import HttpSettings, SslContextFactory, default_ssl_context
from airflow_ice.credentials.oidc import OidcRoleFetcher
from airflow_ice.credentials.ram_role import AssumeRoleFetcher
from airflow_ice.credentials.refreshing import NewCredentialsCallback, RefreshingCredentialsProvider
from airflow_ice.credentials.static import StaticCredentialsProvider
from airflow_ice.errors import IceCredentialsError

Source = CredentialSource


class _Inputs:
    """The settings and environment values the sources read, connection first."""

    def __init__(
        self, static: Credentials | None, settings: CredentialSettings, env: Mapping[str, str]
    ) -> None:
        self.static = static
        self.settings = settings
        self.env = env
        self.role_arn = settings.role_arn or _env(env, ENV_ROLE_ARN)
        self.oidc_provider_arn = settings.oidc_provider_arn or _env(env, ENV_OIDC_PROVIDER_ARN)
        self.oidc_token_file = settings.oidc_token_file or _env(env, ENV_OIDC_TOKEN_FILE)
        self.session_name = (
            settings.role_session_name or _env(env, ENV_ROLE_SESSION_NAME) or DEFAULT_SESSION_NAME
        )
        self.ecs_role_name = settings.ecs_role_name or _env(env, ENV_ECS_ROLE_NAME)

    @functools.cached_property
    def env_key(self) -> Credentials | None:
        """The environment's key (read only by the sources that use it: half a key is an error)."""
        return credentials_from_environment(self.env)

    def oidc_fields(self) -> tuple[str, str, str] | None:
        """Role ARN, OIDC provider ARN and token file, when all three are set."""
        if self.role_arn and self.oidc_provider_arn and self.oidc_token_file:
            return self.role_arn, self.oidc_provider_arn, self.oidc_token_file
        return None

    def missing_oidc(self) -> list[str]:
        pairs = (
            (self.role_arn, f"role_arn / {ENV_ROLE_ARN}"),
            (self.oidc_provider_arn, f"oidc_provider_arn / {ENV_OIDC_PROVIDER_ARN}"),
            (self.oidc_token_file, f"oidc_token_file / {ENV_OIDC_TOKEN_FILE}"),
        )
        return [name for value, name in pairs if not value]


def _env(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def choose_source(
    static: Credentials | None, settings: CredentialSettings, environ: Mapping[str, str]
) -> Source:
    """The source ``auto`` picks (or the configured one).

    :raises IceCredentialsError: ``auto`` and no source applies (the message lists what each needs).
    """
    if settings.source is not Source.AUTO:
        return settings.source
    inputs = _Inputs(static, settings, environ)
    if inputs.static is not None or inputs.env_key is not None:
        if settings.role_arn:
            return Source.RAM_ROLE_ARN
        return Source.ACCESS_KEY if inputs.static is not None else Source.ENVIRONMENT
    missing_oidc = inputs.missing_oidc()
    if not missing_oidc:
        return Source.OIDC_ROLE_ARN
    if inputs.ecs_role_name:
        return Source.ECS_RAM_ROLE
    raise IceCredentialsError(
        Source.AUTO.value,
        "no credentials found. Checked in order: the connection's AccessKey ID/Secret (login/password): "
        f"empty; {ENV_ACCESS_KEY_ID}/{ENV_ACCESS_KEY_SECRET}: not set; a role ARN to assume needs one "
        f"of those keys; RRSA/OIDC lacks {', '.join(missing_oidc)}; ECS RAM role: no ecs_role_name or "
        f"{ENV_ECS_ROLE_NAME} (or set credential_source to ecs_ram_role to ask the metadata service "
        "for the attached role).",
    )


def resolve_credentials_provider(
    static: Credentials | None,
    settings: CredentialSettings,
    *,
    environ: Mapping[str, str] | None = None,
    ssl_context_factory: SslContextFactory | None = None,
    on_new_credentials: NewCredentialsCallback | None = None,
    clock: Callable[[], float] | None = None,
) -> CredentialsProvider:
    """The provider of a connection's credentials. Does no I/O (safe on the event loop).

    :param static: the AccessKey stored in the connection, if any.
    :param settings: the connection's credential-source settings.
    :param environ: the environment to read (default ``os.environ``).
    :param ssl_context_factory: TLS context for STS over HTTPS (default: the system's CAs).
    :param on_new_credentials: called once per refresh of temporary credentials.
    :param clock: seconds since the epoch (tests), for new caches and fetchers.
    :raises IceCredentialsError: the source (``auto``: every source) lacks what it needs.
    """
    env = os.environ if environ is None else environ
    inputs = _Inputs(static, settings, env)
    source = choose_source(static, settings, env)
    now = clock or time.time
    sts_http = HttpSettings(ssl_context_factory=ssl_context_factory or default_ssl_context)

    if source is Source.ACCESS_KEY:
        if static is None:
            raise IceCredentialsError(
                source.value,
                "the connection has no AccessKey ID (login) and AccessKey Secret (password); "
                "fill them in or choose another credential_source.",
            )
        return StaticCredentialsProvider(static)
    if source is Source.ENVIRONMENT:
        if inputs.env_key is None:
            raise IceCredentialsError(
                source.value, f"{ENV_ACCESS_KEY_ID} and {ENV_ACCESS_KEY_SECRET} are not set in this process."
            )
        return EnvironmentCredentialsProvider(env)
    if source is Source.RAM_ROLE_ARN:
        if not inputs.role_arn:
            raise IceCredentialsError(
                source.value, f"no role ARN: set role_arn on the connection (or {ENV_ROLE_ARN})."
            )
        base: CredentialsProvider
        if static is not None:
            base = StaticCredentialsProvider(static)
        elif inputs.env_key is not None:
            base = EnvironmentCredentialsProvider(env)
        else:
            raise IceCredentialsError(
                source.value,
                "AssumeRole needs a base AccessKey: set login/password on the connection or "
                f"{ENV_ACCESS_KEY_ID}/{ENV_ACCESS_KEY_SECRET}.",
            )
        fetcher: AssumeRoleFetcher | OidcRoleFetcher | EcsRamRoleFetcher = AssumeRoleFetcher(
            base,
            role_arn=inputs.role_arn,
            session_name=inputs.session_name,
            duration_seconds=settings.role_session_duration,
            sts_url=settings.sts_endpoint,
            http=sts_http,
            clock=now,
        )
    elif source is Source.OIDC_ROLE_ARN:
        oidc = inputs.oidc_fields()
        if oidc is None:
            raise IceCredentialsError(
                source.value, f"AssumeRoleWithOIDC needs {', '.join(inputs.missing_oidc())}."
            )
        role_arn, oidc_provider_arn, token_file = oidc
        fetcher = OidcRoleFetcher(
            role_arn=role_arn,
            oidc_provider_arn=oidc_provider_arn,
            token_file=token_file,
            session_name=inputs.session_name,
            duration_seconds=settings.role_session_duration,
            sts_url=settings.sts_endpoint,
            http=sts_http,
            clock=now,
        )
    else:
        fetcher = EcsRamRoleFetcher(
            role_name=inputs.ecs_role_name,
            metadata_url=settings.metadata_endpoint,
            imds_v1_fallback=_env(env, ENV_IMDS_V1_DISABLED) not in ("true", "True", "TRUE"),
            http=METADATA_HTTP,
            clock=now,
        )
    cache = shared_cache(fetcher.cache_key, fetcher.source, now)
    return RefreshingCredentialsProvider(fetcher, cache, on_new_credentials)
