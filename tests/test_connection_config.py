"""Connection fields and extras into validated settings."""

from __future__ import annotations

import pytest

from airflow_ice.connection import config_from_connection, resolve_endpoint
from airflow_ice.errors import IceConfigurationError


def config(login: str | None = "id", password: str | None = "secret", **extra: object):
    return config_from_connection(conn_id="c", login=login, password=password, extra=extra)


def test_defaults() -> None:
    settings = config()
    assert settings.region == "cn-shanghai"
    assert settings.base_url == "https://ice.cn-shanghai.aliyuncs.com"
    assert settings.host == "ice.cn-shanghai.aliyuncs.com"
    assert settings.signature_algorithm == "ACS3-HMAC-SHA256"
    assert settings.timeout == 30.0
    assert settings.max_retries == 5
    assert settings.credentials.security_token is None


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("ice-vpc.cn-beijing.aliyuncs.com", "https://ice-vpc.cn-beijing.aliyuncs.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("https://ice.aliyuncs.com", "https://ice.aliyuncs.com"),
    ],
)
def test_endpoint_forms(endpoint: str, expected: str) -> None:
    assert config(endpoint=endpoint).base_url == expected


def test_region_builds_the_default_endpoint() -> None:
    assert config(region="ap-southeast-1").base_url == "https://ice.ap-southeast-1.aliyuncs.com"


def test_connection_host_is_used_when_no_endpoint_extra() -> None:
    assert resolve_endpoint(None, "cn-shanghai", "127.0.0.1", 9000) == "https://127.0.0.1:9000"
    assert resolve_endpoint(None, "cn-shanghai", "http://127.0.0.1:9000") == "http://127.0.0.1:9000"


def test_prefixed_extras_and_alibaba_cloud_keys() -> None:
    settings = config(
        login=None,
        password=None,
        access_key_id="ak",
        access_key_secret="sk",
        extra__alibaba_ice__region="cn-hangzhou",
        extra__alibaba_ice__signature_algorithm="hmac-sha1",
    )
    assert settings.credentials.access_key_id == "ak"
    assert settings.region == "cn-hangzhou"
    assert settings.signature_algorithm == "HMAC-SHA1"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"login": None}, "AccessKey ID"),
        ({"password": ""}, "AccessKey Secret"),
        ({"region": "Shanghai"}, "region"),
        ({"signature_algorithm": "MD5"}, "signature_algorithm 'MD5' is not supported"),
        ({"timeout": "soon"}, "timeout must be a number"),
        ({"timeout": 0}, "timeout must be a positive"),
        ({"max_retries": "many"}, "max_retries must be a whole number"),
        ({"max_retries": -1}, "max_retries"),
        ({"endpoint": "ftp://x"}, "endpoint"),
        ({"endpoint": "http://127.0.0.1:1/api"}, "path"),
    ],
)
def test_bad_values_name_the_field(kwargs: dict, message: str) -> None:
    with pytest.raises(IceConfigurationError, match=message):
        config(**kwargs)


def test_repr_holds_no_secret() -> None:
    settings = config(password="very-secret-value", security_token="token-value")
    assert "very-secret-value" not in repr(settings)
    assert "token-value" not in repr(settings)
