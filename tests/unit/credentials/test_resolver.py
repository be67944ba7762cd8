"""Credential-source settings and the precedence of the sources (no network: resolving does no I/O)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from airflow_ice.client.config import config_from_connection
from airflow_ice.client.signing import Credentials
from airflow_ice.credentials import (
    CredentialSettings,
    CredentialSource,
    choose_source,
    resolve_credentials_provider,
)
from airflow_ice.credentials.ecs import EcsRamRoleFetcher
from airflow_ice.credentials.environment import EnvironmentCredentialsProvider
from airflow_ice.credentials.oidc import OidcRoleFetcher
from airflow_ice.credentials.ram_role import AssumeRoleFetcher
from airflow_ice.credentials.refreshing import RefreshingCredentialsProvider
from airflow_ice.credentials.static import StaticCredentialsProvider
from airflow_ice.errors import IceConfigurationError, IceCredentialsError
from tests.support.credentials import OIDC_PROVIDER_ARN, ROLE_ARN

pytestmark = pytest.mark.usefixtures("clean_credentials")

KEY = Credentials("conn-key-id", "conn-key-secret")
ENV_KEY = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "env-key-id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-key-secret"}
OIDC_ENV = {
    "ALIBABA_CLOUD_ROLE_ARN": ROLE_ARN,
    "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": OIDC_PROVIDER_ARN,
    "ALIBABA_CLOUD_OIDC_TOKEN_FILE": "/var/run/secrets/tokens/oidc-token",
}


def config(login: str | None = None, password: str | None = None, **extra: Any):
    return config_from_connection(conn_id="c", login=login, password=password, extra=extra)


def settings(**extra: Any) -> CredentialSettings:
    return config(**extra).credential_settings


# Settings


def test_defaults() -> None:
    result = settings()
    assert result == CredentialSettings()
    assert result.source is CredentialSource.AUTO
    assert result.role_session_duration == 3600
    assert result.sts_endpoint == "https://sts.aliyuncs.com"
    assert result.metadata_endpoint == "http://100.100.100.200"


def test_every_field_is_read() -> None:
    result = settings(
        credential_source="OIDC_ROLE_ARN",
        role_arn=f" {ROLE_ARN} ",
        role_session_name="etl@airflow",
        role_session_duration="7200",
        oidc_provider_arn=OIDC_PROVIDER_ARN,
        oidc_token_file="/tokens/t",
        ecs_role_name="MyRole",
        sts_endpoint="sts-vpc.cn-shanghai.aliyuncs.com",
        metadata_endpoint="127.0.0.1:9000",
    )
    assert result == CredentialSettings(
        source=CredentialSource.OIDC_ROLE_ARN,
        role_arn=ROLE_ARN,
        role_session_name="etl@airflow",
        role_session_duration=7200,
        oidc_provider_arn=OIDC_PROVIDER_ARN,
        oidc_token_file="/tokens/t",
        ecs_role_name="MyRole",
        sts_endpoint="https://sts-vpc.cn-shanghai.aliyuncs.com",
        metadata_endpoint="http://127.0.0.1:9000",
    )


def test_prefixed_extras_of_older_forms_are_read() -> None:
    assert settings(extra__alibaba_ice__role_arn=ROLE_ARN).role_arn == ROLE_ARN


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"credential_source": "magic"}, "credential_source 'magic' is not one of auto, access_key"),
        ({"role_session_duration": 899}, "role_session_duration must be a whole number of seconds from 900"),
        ({"role_session_duration": 43201}, "to 43200"),
        ({"role_session_duration": "an hour"}, "role_session_duration"),
        ({"role_session_name": "a"}, "role_session_name 'a' must be 2 to 64"),
        ({"role_session_name": "has space"}, "role_session_name"),
        ({"ecs_role_name": "bad role"}, "ecs_role_name"),
        ({"sts_endpoint": "ftp://sts"}, "sts_endpoint"),
        ({"sts_endpoint": "https://sts.aliyuncs.com/v1"}, "must not have a path"),
        ({"metadata_endpoint": "http://127.0.0.1:1/latest"}, "metadata_endpoint"),
    ],
)
def test_bad_settings_name_the_field(extra: dict[str, Any], message: str) -> None:
    with pytest.raises(IceConfigurationError, match=message) as raised:
        config(**extra)
    assert "Connection 'c'" in str(raised.value)


def test_connection_without_a_key_is_valid() -> None:
    result = config(region="cn-beijing")
    assert result.stored_credentials is None
    assert result.region == "cn-beijing"


def test_half_a_key_is_still_an_error() -> None:
    with pytest.raises(IceConfigurationError, match="no AccessKey Secret"):
        config(login="id")
    with pytest.raises(IceConfigurationError, match="no AccessKey ID"):
        config(password="secret")


def test_stored_key_is_kept_with_its_token() -> None:
    result = config(login="id", password="secret", security_token="tok")
    assert result.stored_credentials == Credentials("id", "secret", "tok")


# Precedence of "auto"


@pytest.mark.parametrize(
    ("static", "extra", "env", "expected"),
    [
        pytest.param(KEY, {}, {}, "access_key", id="1 connection key"),
        pytest.param(
            KEY, {}, {**ENV_KEY, **OIDC_ENV}, "access_key", id="1 connection key beats env and oidc"
        ),
        pytest.param(None, {}, ENV_KEY, "environment", id="2 environment key"),
        pytest.param(None, {}, {**ENV_KEY, **OIDC_ENV}, "environment", id="2 environment key beats oidc"),
        pytest.param(KEY, {"role_arn": ROLE_ARN}, {}, "ram_role_arn", id="3 role with connection key"),
        pytest.param(None, {"role_arn": ROLE_ARN}, ENV_KEY, "ram_role_arn", id="3 role with environment key"),
        pytest.param(None, {}, OIDC_ENV, "oidc_role_arn", id="4 oidc from environment"),
        pytest.param(
            None,
            {"role_arn": ROLE_ARN, "oidc_provider_arn": OIDC_PROVIDER_ARN, "oidc_token_file": "/t"},
            {},
            "oidc_role_arn",
            id="4 oidc from connection",
        ),
        pytest.param(
            None,
            {"oidc_token_file": "/t"},
            {"ALIBABA_CLOUD_ROLE_ARN": ROLE_ARN, "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": OIDC_PROVIDER_ARN},
            "oidc_role_arn",
            id="4 oidc mixed",
        ),
        pytest.param(None, {"ecs_role_name": "R"}, {}, "ecs_ram_role", id="5 ecs role in connection"),
        pytest.param(None, {}, {"ALIBABA_CLOUD_ECS_METADATA": "R"}, "ecs_ram_role", id="5 ecs role in env"),
        pytest.param(None, {"ecs_role_name": "R"}, OIDC_ENV, "oidc_role_arn", id="4 oidc beats 5 ecs"),
        pytest.param(
            KEY, {"credential_source": "ecs_ram_role"}, ENV_KEY, "ecs_ram_role", id="explicit source wins"
        ),
        pytest.param(KEY, {"credential_source": "environment"}, ENV_KEY, "environment", id="explicit env"),
    ],
)
def test_auto_precedence(
    static: Credentials | None, extra: dict[str, Any], env: dict[str, str], expected: str
) -> None:
    assert choose_source(static, settings(**extra), env).value == expected


def test_each_source_builds_its_provider() -> None:
    def provider(static: Credentials | None, env: dict[str, str], **extra: Any) -> Any:
        return resolve_credentials_provider(static, settings(**extra), environ=env)

    assert isinstance(provider(KEY, {}), StaticCredentialsProvider)
    assert isinstance(provider(None, ENV_KEY), EnvironmentCredentialsProvider)
    ram = provider(None, ENV_KEY, role_arn=ROLE_ARN)
    assert isinstance(ram, RefreshingCredentialsProvider)
    assert isinstance(ram.fetcher, AssumeRoleFetcher)
    assert isinstance(ram.fetcher.base, EnvironmentCredentialsProvider)
    oidc = provider(None, OIDC_ENV)
    assert isinstance(oidc, RefreshingCredentialsProvider)
    assert isinstance(oidc.fetcher, OidcRoleFetcher)
    # Resolving reads no file: the token file does not exist, and only fetching would notice.
    assert oidc.fetcher.token_file == "/var/run/secrets/tokens/oidc-token"
    ecs = provider(None, {"ALIBABA_CLOUD_ECS_METADATA": "R", "ALIBABA_CLOUD_IMDSV1_DISABLED": "true"})
    assert isinstance(ecs, RefreshingCredentialsProvider)
    assert isinstance(ecs.fetcher, EcsRamRoleFetcher)
    assert ecs.fetcher.role_name == "R"
    assert ecs.fetcher.imds_v1_fallback is False


def test_session_name_comes_from_connection_then_env_then_default() -> None:
    def session(env: dict[str, str], **extra: Any) -> str:
        provider = resolve_credentials_provider(KEY, settings(role_arn=ROLE_ARN, **extra), environ=env)
        assert isinstance(provider, RefreshingCredentialsProvider)
        assert isinstance(provider.fetcher, AssumeRoleFetcher)
        return provider.fetcher.session_name

    assert session({}) == "airflow-ice"
    assert session({"ALIBABA_CLOUD_ROLE_SESSION_NAME": "from-env"}) == "from-env"
    assert (
        session({"ALIBABA_CLOUD_ROLE_SESSION_NAME": "from-env"}, role_session_name="from-conn") == "from-conn"
    )


def test_same_settings_share_one_cache_and_different_ones_do_not() -> None:
    def cache(static: Credentials, **extra: Any) -> Any:
        provider = resolve_credentials_provider(static, settings(role_arn=ROLE_ARN, **extra), environ={})
        assert isinstance(provider, RefreshingCredentialsProvider)
        return provider.cache

    assert cache(KEY) is cache(KEY)
    assert cache(KEY) is not cache(Credentials("conn-key-id", "rotated-secret"))
    assert cache(KEY) is not cache(KEY, role_session_name="other")
    assert cache(KEY) is not cache(KEY, role_session_duration=900)


# What each source lacks


def test_nothing_configured_lists_every_source() -> None:
    with pytest.raises(IceCredentialsError) as raised:
        resolve_credentials_provider(None, settings(), environ={})
    error = raised.value
    assert error.source == "auto"
    text = str(error)
    assert "Credentials from source 'auto' failed: no credentials found" in text
    for needle in (
        "login/password",
        "ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "role_arn / ALIBABA_CLOUD_ROLE_ARN",
        "oidc_provider_arn / ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
        "oidc_token_file / ALIBABA_CLOUD_OIDC_TOKEN_FILE",
        "ALIBABA_CLOUD_ECS_METADATA",
        "ecs_ram_role",
    ):
        assert needle in text


def test_partial_oidc_names_only_what_is_missing() -> None:
    with pytest.raises(IceCredentialsError) as raised:
        resolve_credentials_provider(None, settings(), environ={"ALIBABA_CLOUD_ROLE_ARN": ROLE_ARN})
    assert "RRSA/OIDC lacks oidc_provider_arn / ALIBABA_CLOUD_OIDC_PROVIDER_ARN, oidc_token_file" in str(
        raised.value
    )
    assert "role_arn / ALIBABA_CLOUD_ROLE_ARN" not in str(raised.value)


@pytest.mark.parametrize(
    ("static", "extra", "env", "source", "message"),
    [
        (None, {"credential_source": "access_key"}, ENV_KEY, "access_key", "no AccessKey ID (login)"),
        (KEY, {"credential_source": "environment"}, {}, "environment", "ALIBABA_CLOUD_ACCESS_KEY_ID and"),
        (KEY, {"credential_source": "ram_role_arn"}, {}, "ram_role_arn", "no role ARN: set role_arn"),
        (
            None,
            {"credential_source": "ram_role_arn", "role_arn": ROLE_ARN},
            {},
            "ram_role_arn",
            "AssumeRole needs a base AccessKey",
        ),
        (
            KEY,
            {"credential_source": "oidc_role_arn", "role_arn": ROLE_ARN},
            {},
            "oidc_role_arn",
            "AssumeRoleWithOIDC needs oidc_provider_arn / ALIBABA_CLOUD_OIDC_PROVIDER_ARN, oidc_token_file",
        ),
        (
            None,
            {},
            {"ALIBABA_CLOUD_ACCESS_KEY_ID": "only-the-id"},
            "environment",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET is not set while its partner is",
        ),
    ],
)
def test_a_chosen_source_says_what_it_lacks(
    static: Credentials | None, extra: dict[str, Any], env: dict[str, str], source: str, message: str
) -> None:
    with pytest.raises(IceCredentialsError, match=re.escape(message)) as raised:
        resolve_credentials_provider(static, settings(**extra), environ=env)
    assert raised.value.source == source


def test_a_stray_half_key_in_the_environment_only_matters_to_sources_that_read_it() -> None:
    half = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "only-the-id"}
    assert resolve_credentials_provider(KEY, settings(), environ=half).get_credentials() == KEY
    with pytest.raises(IceCredentialsError, match="ALIBABA_CLOUD_ACCESS_KEY_SECRET is not set"):
        resolve_credentials_provider(None, settings(), environ=half)


def test_environment_key_is_read_on_every_call() -> None:
    env = dict(ENV_KEY)
    provider = resolve_credentials_provider(None, settings(), environ=env)
    assert provider.get_credentials() == Credentials("env-key-id", "env-key-secret")
    env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = "rotated"
    env["ALIBABA_CLOUD_SECURITY_TOKEN"] = "sts-token"
    assert provider.get_credentials() == Credentials("env-key-id", "rotated", "sts-token")
    del env["ALIBABA_CLOUD_ACCESS_KEY_ID"], env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"]
    with pytest.raises(IceCredentialsError, match="are not set in this process"):
        provider.get_credentials()


def test_descriptions_say_where_credentials_come_from_without_secrets() -> None:
    cases = {
        "access_key": resolve_credentials_provider(KEY, settings(), environ={}),
        "environment": resolve_credentials_provider(None, settings(), environ=ENV_KEY),
        "ram": resolve_credentials_provider(KEY, settings(role_arn=ROLE_ARN), environ={}),
        "oidc": resolve_credentials_provider(None, settings(), environ=OIDC_ENV),
        "ecs": resolve_credentials_provider(None, settings(ecs_role_name="R"), environ={}),
    }
    assert cases["access_key"].describe() == "AccessKey conn-key-id from the connection's login/password"
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in cases["environment"].describe()
    assert cases["ram"].describe() == (
        f"RAM role {ROLE_ARN} (AssumeRole at sts.aliyuncs.com with AccessKey conn-key-id from the "
        "connection's login/password)"
    )
    assert OIDC_PROVIDER_ARN in cases["oidc"].describe()
    assert "/var/run/secrets/tokens/oidc-token" in cases["oidc"].describe()
    assert cases["ecs"].describe() == "ECS RAM role R (metadata service at http://100.100.100.200)"
    for provider in cases.values():
        for text in (provider.describe(), repr(provider)):
            assert "conn-key-secret" not in text
            assert "env-key-secret" not in text
