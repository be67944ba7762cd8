"""Connection fields and extras into validated settings."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_ice.client.config import config_from_connection, resolve_endpoint
from airflow_ice.client.endpoint import ALLOWED_FORMS
from airflow_ice.emulator.server import IceEmulator
from airflow_ice.errors import IceConfigurationError
from airflow_ice.hooks.ice import IceHook


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
        ({"timeout": "soon"}, "timeout must be a finite number"),
        ({"timeout": 0}, "timeout must be a number of seconds above 0 and at most 3600"),
        ({"max_retries": "many"}, "max_retries must be a finite whole number"),
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


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("{not json", r"Connection 'c': its extra is not valid JSON \(Expecting property name"),
        ("region=cn-beijing", "its extra is not valid JSON"),
        ('["region", "cn-beijing"]', "its extra must be a JSON object .* got a JSON list"),
        ('"cn-beijing"', "got a JSON string"),
        ("null", "got a JSON null"),
        (["region"], "got a JSON list"),
    ],
)
def test_an_extra_that_is_not_a_json_object_is_refused(extra: object, message: str) -> None:
    """Airflow's ``extra_dejson`` turns such a field into ``{}``: every setting its default."""
    with pytest.raises(IceConfigurationError, match=message):
        config_from_connection(conn_id="c", login="id", password="secret", extra=extra)  # type: ignore[arg-type]


def test_the_extra_field_as_stored_is_read() -> None:
    settings = config_from_connection(
        conn_id="c", login="id", password="pw", extra='{"region": "cn-beijing", "timeout": "12.5"}'
    )
    assert (settings.region, settings.timeout) == ("cn-beijing", 12.5)
    assert config_from_connection(conn_id="c", login="id", password="pw", extra="  ").region == "cn-shanghai"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"timeout": float("inf")}, "timeout must be a finite number, got inf"),
        ({"timeout": float("nan")}, "timeout must be a finite number, got nan"),
        ({"timeout": "Infinity"}, "timeout must be a finite number"),
        (
            {"timeout": 1e10},
            "timeout must be a number of seconds above 0 and at most 3600, got 10000000000.0",
        ),
        ({"timeout": -1}, "timeout must be a number of seconds above 0"),
        ({"timeout": True}, "timeout must be a finite number, got True"),
        ({"max_response_bytes": float("inf")}, "max_response_bytes must be a finite whole number, got inf"),
        (
            {"max_response_bytes": 2**40},
            "max_response_bytes must be a whole number of bytes from 1024 to 1073741824",
        ),
        ({"max_response_bytes": 100}, "max_response_bytes must be a whole number of bytes from 1024 to"),
        ({"max_response_bytes": 4096.5}, "max_response_bytes must be a finite whole number"),
        ({"max_retries": 2.7}, "max_retries must be a finite whole number, got 2.7"),
        ({"max_retries": 51}, "max_retries must be a whole number from 0 to 50, got 51"),
        ({"max_retries": False}, "max_retries must be a finite whole number"),
        ({"max_requests_per_second": float("inf")}, "max_requests_per_second must be a finite number"),
        ({"max_requests_per_second": 0}, "max_requests_per_second must be a positive number"),
        ({"security_token": 12345}, "security_token must be text"),
    ],
)
def test_out_of_range_numbers_are_refused_at_configuration(extra: dict, message: str) -> None:
    with pytest.raises(IceConfigurationError, match=f"Connection 'c': {message}"):
        config(**extra)


def test_json_infinity_in_the_stored_extra_is_refused() -> None:
    """Python's JSON reader takes ``Infinity``; ``int(inf)`` raised OverflowError."""
    with pytest.raises(IceConfigurationError, match="max_response_bytes must be a finite whole number"):
        config_from_connection(
            conn_id="c", login="id", password="pw", extra='{"max_response_bytes": Infinity}'
        )


def test_numbers_given_as_text_are_read() -> None:
    settings = config(
        timeout=" 45 ", max_retries="3", max_response_bytes="2048", max_requests_per_second="2.5"
    )
    assert (settings.timeout, settings.max_retries, settings.max_response_bytes) == (45.0, 3, 2048)
    assert settings.max_requests_per_second == 2.5


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        (8080, "endpoint must be text"),
        (["http://127.0.0.1:1"], "endpoint must be text"),
        (
            "ice.cn-shanghai.aliyuncs.com/v2",
            "endpoint 'ice.cn-shanghai.aliyuncs.com/v2' must not have a path",
        ),
        ("https://ice.cn-shanghai.aliyuncs.com/?Version=1", "must not have a query or fragment"),
        ("http://127.0.0.1:8080?x", "must not have a query or fragment"),
        ("http://127.0.0.1:8080#top", "must not have a query or fragment"),
        ("http://:8080", "has no host"),
        ("https://", "has no host"),
        ("http://127.0.0.1:99999", "has no valid port"),
        ("http://127.0.0.1:", "has no valid port"),
        ("http://127.0.0.1:0", "has no valid port"),
        ("ftp://x", "has scheme 'ftp'; only http and https"),
        ("http://ice .example.com", "is not usable"),
        ("   ", "is not usable"),
    ],
)
def test_unusable_endpoints_are_refused_saying_what_is_allowed(endpoint: object, message: str) -> None:
    with pytest.raises(IceConfigurationError) as raised:
        config(endpoint=endpoint)
    text = str(raised.value)
    assert text.startswith("Connection 'c': ")
    assert message in text
    assert ALLOWED_FORMS in text


@pytest.mark.parametrize(
    "fields",
    [
        {"extra": {"endpoint": "http://user:hunter2-secret@127.0.0.1:8080"}},
        {"extra": {"endpoint": "user:hunter2-secret@ice.cn-shanghai.aliyuncs.com"}},
        {"extra": {"endpoint": "https://hunter2-secret@ice.cn-shanghai.aliyuncs.com"}},
        {"extra": {}, "host": "http://user:hunter2-secret@127.0.0.1", "port": 8080},
        {"extra": {"sts_endpoint": "https://user:hunter2-secret@sts.aliyuncs.com"}},
    ],
)
def test_an_endpoint_with_a_password_is_refused_and_never_echoed(fields: dict) -> None:
    """A password in the endpoint went out in the ``Host`` header and into IceConnectError's text."""
    with pytest.raises(IceConfigurationError) as raised:
        config_from_connection(conn_id="c", login="id", password="pw", **fields)
    text = str(raised.value)
    assert "must not hold a user name or password" in text
    assert "hunter2" not in text
    assert "hunter2" not in repr(raised.value)


def test_the_host_field_follows_the_endpoint_rule() -> None:
    with pytest.raises(IceConfigurationError, match=r"Connection 'c': host .* must not have a path"):
        config_from_connection(conn_id="c", login="id", password="pw", extra={}, host="ice.example.com/v2")
    settings = config_from_connection(
        conn_id="c", login="id", password="pw", extra={}, host="HTTP://127.0.0.1", port=9
    )
    assert settings.base_url == "http://127.0.0.1:9"


def stored_connection(monkeypatch: pytest.MonkeyPatch, conn_id: str, **fields: Any) -> None:
    """The connection as a secrets backend or the metadata database hands it over, its extra field
    as stored (on Airflow 3.1 the environment-variable backend itself refuses an extra that is not
    a JSON object, so that path cannot hold one)."""
    from airflow.providers.common.compat.sdk import Connection

    connection = Connection(conn_id=conn_id, conn_type="alibaba_ice", **fields)

    def get_connection(cls: type, conn_id: str) -> Connection:
        return connection

    async def aget_connection(cls: type, conn_id: str) -> Connection:
        return connection

    monkeypatch.setattr(IceHook, "get_connection", classmethod(get_connection))
    monkeypatch.setattr(IceHook, "aget_connection", classmethod(aget_connection), raising=False)


def test_a_connection_whose_extra_is_not_json_sends_nothing(
    ice_emulator: IceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, the hook read ``{}`` and called the connection's host (here the emulator) with
    defaults; now it refuses the connection before any request."""
    stored_connection(
        monkeypatch,
        "broken_extra",
        host=f"http://127.0.0.1:{ice_emulator.port}",
        login=ice_emulator.access_key_id,
        password="emulator-access-key-secret",
        extra='{"region": "cn-beijing",}',
    )
    hook = IceHook("broken_extra")
    with pytest.raises(IceConfigurationError, match="Connection 'broken_extra': its extra is not valid JSON"):
        hook.query_iproduction_job("job-1")
    ok, message = IceHook("broken_extra").test_connection()
    assert not ok
    assert "Connection 'broken_extra': its extra is not valid JSON" in message
    assert sum(ice_emulator.counters().requests.values()) == 0


async def test_the_async_read_refuses_it_too(monkeypatch: pytest.MonkeyPatch) -> None:
    stored_connection(monkeypatch, "list_extra", extra="[1]")
    with pytest.raises(
        IceConfigurationError, match="Connection 'list_extra': its extra must be a JSON object"
    ):
        await IceHook("list_extra").aget_config()
