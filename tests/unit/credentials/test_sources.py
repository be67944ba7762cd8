"""Every credential source end to end against the emulator's STS, metadata service and ICE actions:
refresh before expiry, expiry, one refresh shared by thousands of callers, and the errors."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from airflow_ice.client.config import config_from_connection
from airflow_ice.client.signing import Credentials, sign_request
from airflow_ice.credentials import CredentialsProvider, resolve_credentials_provider, resolver
from airflow_ice.credentials.refreshing import RefreshingCredentialsProvider
from airflow_ice.emulator import IceEmulator, ScriptedFault
from airflow_ice.errors import IceAuthError, IceCredentialsError, IceCredentialsUnavailableError
from airflow_ice.hooks.ice import IceHook
from tests.support.credentials import (
    OIDC_TOKEN,
    ROLE_ARN,
    FakeClock,
    ecs_connection,
    oidc_connection,
    ram_role_connection,
    write_token,
)

pytestmark = pytest.mark.usefixtures("clean_credentials")

COVER = {
    "function_name": "Cover",
    "input": {"Type": "OSS", "Media": "oss://bucket/in/clip.mp4"},
    "output": {"Type": "OSS", "Media": "oss://bucket/out/cover/"},
}


def provider_for(
    connection_json: str, clock: FakeClock | None = None, environ: dict[str, str] | None = None
) -> CredentialsProvider:
    """The credentials provider a hook would resolve for this connection (with the test's clock)."""
    conn = json.loads(connection_json)
    config = config_from_connection(
        conn_id="c", login=conn.get("login"), password=conn.get("password"), extra=conn["extra"]
    )
    return resolve_credentials_provider(
        config.stored_credentials, config.credential_settings, environ=environ or {}, clock=clock
    )


def query_with(
    emulator: IceEmulator, credentials: Credentials, job_id: str = "no-such-job"
) -> httpx.Response:
    """QueryIProductionJob signed with ``credentials``, sent raw."""
    signed = sign_request(
        action="QueryIProductionJob",
        version="2020-11-09",
        host=emulator.endpoint,
        credentials=credentials,
        query={"JobId": job_id},
    )
    return httpx.post(f"{emulator.url}/?{signed.query_string}", headers=signed.headers, content=signed.body)


def use_connection(monkeypatch: pytest.MonkeyPatch, conn_id: str, connection_json: str) -> None:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", connection_json)


def requests_of(emulator: IceEmulator, action: str) -> int:
    return emulator.counters().requests[action]


# Environment


def test_environment_key_signs_ice_calls(ice_emulator: IceEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", ice_emulator.access_key_id)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "emulator-access-key-secret")
    use_connection(monkeypatch, "ice_env", ice_emulator.connection_json(with_key=False))
    with IceHook("ice_env") as hook:
        job_id = hook.submit_iproduction_job(COVER)
        assert hook.query_iproduction_job(job_id).job_id == job_id
    assert ice_emulator.counters().jobs_submitted["SubmitIProductionJob"] == 1


@pytest.mark.ice_emulator(security_token="env-sts-token")
async def test_environment_sts_token_is_sent(
    ice_emulator: IceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", ice_emulator.access_key_id)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "emulator-access-key-secret")
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "env-sts-token")
    use_connection(monkeypatch, "ice_env", ice_emulator.connection_json(with_key=False))
    async with IceHook("ice_env") as hook:
        job_id = await hook.asubmit_iproduction_job(COVER)
    assert job_id
    assert not ice_emulator.counters().auth_failures


# RAM role (AssumeRole)


def test_ram_role_sync(ice_emulator: IceEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    use_connection(monkeypatch, "ice_ram", ram_role_connection(ice_emulator))
    with IceHook("ice_ram") as hook:
        job_id = hook.submit_iproduction_job(COVER)
        for _ in range(3):
            hook.query_iproduction_job(job_id)
    with IceHook("ice_ram") as other_hook:
        other_hook.query_iproduction_job(job_id)
    assert requests_of(ice_emulator, "AssumeRole") == 1  # cached for the process, across hooks
    (issued,) = ice_emulator.state.temporary_keys.issued()
    assert issued.principal == f"{ROLE_ARN}/airflow-ice"
    assert ice_emulator.counters().signatures["HMAC-SHA1"] == 1  # the AssumeRole itself
    assert ice_emulator.counters().signatures["ACS3-HMAC-SHA256"] == 5  # ICE calls, with the STS key


async def test_ram_role_async_with_environment_base_key(
    ice_emulator: IceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", ice_emulator.access_key_id)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "emulator-access-key-secret")
    use_connection(
        monkeypatch,
        "ice_ram",
        ice_emulator.connection_json(
            with_key=False, role_arn=ROLE_ARN, sts_endpoint=ice_emulator.url, role_session_name="env-base"
        ),
    )
    async with IceHook("ice_ram") as hook:
        job_id = await hook.asubmit_iproduction_job(COVER)
        job = await hook.aquery_iproduction_job(job_id)
    assert job.job_id == job_id
    assert requests_of(ice_emulator, "AssumeRole") == 1
    (issued,) = ice_emulator.state.temporary_keys.issued()
    assert issued.principal.endswith("/env-base")


def test_refresh_before_expiry_and_expiry_of_the_old_key() -> None:
    clock = FakeClock()
    with IceEmulator(clock=clock) as ice:
        provider = provider_for(ram_role_connection(ice), clock)
        first = provider.get_credentials()
        assert first.security_token
        clock.advance(2600)  # 1000 s left of 3600: still fresh
        assert provider.get_credentials() is first
        assert requests_of(ice, "AssumeRole") == 1
        clock.advance(200)  # 800 s left: less than the 15-minute margin, refreshed
        second = provider.get_credentials()
        assert second.access_key_id != first.access_key_id
        assert requests_of(ice, "AssumeRole") == 2
        # Both keys work until the old one expires by the emulator's clock...
        assert query_with(ice, first).json()["Code"] == "JobNotFound"
        assert query_with(ice, second).json()["Code"] == "JobNotFound"
        clock.advance(801)
        expired = query_with(ice, first)
        assert expired.status_code == 400
        assert expired.json()["Code"] == "InvalidSecurityToken.Expired"
        # ...while the provider hands out the new one, still valid.
        assert provider.get_credentials() is second
        assert query_with(ice, second).json()["Code"] == "JobNotFound"


@pytest.mark.ice_emulator(sts_token_seconds=3)
def test_hook_refreshes_short_lived_credentials_by_the_real_clock(
    ice_emulator: IceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_connection(monkeypatch, "ice_ram", ram_role_connection(ice_emulator))
    with IceHook("ice_ram") as hook:
        job_id = hook.submit_iproduction_job(COVER)
        provider = hook.credentials_provider(hook.get_config())
        assert isinstance(provider, RefreshingCredentialsProvider)
        signed_with = provider.cache.current
        assert signed_with is not None
        assume_roles = requests_of(ice_emulator, "AssumeRole")
        # Wait by the real clock (the cache's) until those credentials are due: their refresh point
        # follows from the Expiration STS sent and when the answer came (the last third of the
        # lifetime, about 1 s here). Past it, the next call must refresh first, however slow the machine.
        while time.time() <= signed_with.refresh_at:
            time.sleep(0.02)
        hook.query_iproduction_job(job_id)
        refreshed = provider.cache.current
    assert requests_of(ice_emulator, "AssumeRole") == assume_roles + 1
    assert refreshed is not None
    assert refreshed.credentials.access_key_id != signed_with.credentials.access_key_id
    assert not ice_emulator.counters().auth_failures


async def test_thousands_of_async_users_share_one_refresh() -> None:
    clock = FakeClock()
    with IceEmulator(clock=clock) as ice:
        connection = ram_role_connection(ice)
        # Every trigger resolves its own provider; they share the process-wide cache.
        providers = [provider_for(connection, clock) for _ in range(3000)]
        first = await asyncio.gather(*(provider.aget_credentials() for provider in providers))
        assert len({credentials.access_key_id for credentials in first}) == 1
        assert requests_of(ice, "AssumeRole") == 1
        clock.advance(3600 - 30)  # past the point where nobody may use them
        second = await asyncio.gather(*(provider.aget_credentials() for provider in providers))
        assert len({credentials.access_key_id for credentials in second}) == 1
        assert second[0].access_key_id != first[0].access_key_id
        assert requests_of(ice, "AssumeRole") == 2


# 200 queries at once, twice what ICE's account limit lets one action take in a second: this test
# is about sharing one AssumeRole, not throttling (which would add retries), so it lifts the limit.
@pytest.mark.ice_emulator(job_seconds=60, faults={"qps_limit": None})
async def test_many_hooks_polling_at_once_assume_the_role_once(
    ice_emulator: IceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_connection(monkeypatch, "ice_ram", ram_role_connection(ice_emulator))
    async with IceHook("ice_ram") as submitter:
        job_id = await submitter.asubmit_iproduction_job(COVER)
    hooks = [IceHook("ice_ram") for _ in range(200)]
    try:
        jobs = await asyncio.gather(*(hook.aquery_iproduction_job(job_id) for hook in hooks))
    finally:
        await asyncio.gather(*(hook.aclose() for hook in hooks))
    assert {job.job_id for job in jobs} == {job_id}
    assert requests_of(ice_emulator, "AssumeRole") == 1
    assert requests_of(ice_emulator, "QueryIProductionJob") == 200


def test_sync_threads_share_one_assume_role(ice_emulator: IceEmulator) -> None:
    connection = ram_role_connection(ice_emulator)
    barrier = threading.Barrier(16)
    results: list[Credentials] = []

    def work() -> None:
        provider = provider_for(connection)
        barrier.wait()
        results.append(provider.get_credentials())

    threads = [threading.Thread(target=work) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len({credentials.access_key_id for credentials in results}) == 1
    assert len(results) == 16
    assert requests_of(ice_emulator, "AssumeRole") == 1


@pytest.mark.ice_emulator(security_token="base-sts-token")
def test_assume_role_with_a_temporary_base_key(ice_emulator: IceEmulator) -> None:
    provider = provider_for(ram_role_connection(ice_emulator))
    assert query_with(ice_emulator, provider.get_credentials()).json()["Code"] == "JobNotFound"
    assert not ice_emulator.counters().auth_failures


def test_sts_outage_is_retried(ice_emulator: IceEmulator) -> None:
    ice_emulator.set_faults(scripted=[ScriptedFault(kind="unavailable", action="AssumeRole", count=2)])
    provider = provider_for(ram_role_connection(ice_emulator))
    assert provider.get_credentials().access_key_id.startswith("STS.")
    assert requests_of(ice_emulator, "AssumeRole") == 3


# RRSA / OIDC


async def test_oidc_end_to_end(
    ice_emulator: IceEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    token_file = write_token(tmp_path / "token")
    use_connection(monkeypatch, "ice_oidc", oidc_connection(ice_emulator, token_file))
    async with IceHook("ice_oidc") as hook:
        job_id = await hook.asubmit_iproduction_job(COVER)
        assert (await hook.aquery_iproduction_job(job_id)).job_id == job_id
    with IceHook("ice_oidc") as hook:
        assert hook.query_iproduction_job(job_id).job_id == job_id
    assert requests_of(ice_emulator, "AssumeRoleWithOIDC") == 1
    assert ice_emulator.counters().auth_failures == {}


def test_oidc_from_the_environment_as_ack_injects_it(
    ice_emulator: IceEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    token_file = write_token(tmp_path / "token")
    environ = {
        "ALIBABA_CLOUD_ROLE_ARN": ROLE_ARN,
        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": ice_emulator.sts_settings.oidc_provider_arn,
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(token_file),
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    use_connection(
        monkeypatch, "ice_rrsa", ice_emulator.connection_json(with_key=False, sts_endpoint=ice_emulator.url)
    )
    ok, message = IceHook("ice_rrsa").test_connection()
    assert ok, message
    assert f"RAM role {ROLE_ARN} (AssumeRoleWithOIDC" in message


def test_oidc_token_file_is_read_again_on_every_refresh(tmp_path: Path) -> None:
    clock = FakeClock()
    token_file = write_token(tmp_path / "token", "token-v1")
    with IceEmulator(clock=clock, oidc_tokens=["token-v1"]) as ice:
        provider = provider_for(oidc_connection(ice, token_file), clock)
        first = provider.get_credentials()
        # Kubernetes rotates the token; STS accepts only the new one from now on.
        write_token(token_file, "token-v2")
        ice.configure_sts(oidc_tokens=["token-v2"])
        clock.advance(3600 - 30)
        second = provider.get_credentials()
    assert second.access_key_id != first.access_key_id
    assert requests_of(ice, "AssumeRoleWithOIDC") == 2
    assert ice.counters().auth_failures == {}


async def test_oidc_token_is_read_off_the_event_loop(ice_emulator: IceEmulator, tmp_path: Path) -> None:
    # A FIFO's open() blocks until a writer comes. Were the read done on the loop, the loop would
    # block and the writer below, started from the loop, would never run (the test would time out).
    fifo = tmp_path / "token"
    os.mkfifo(fifo)
    provider = provider_for(oidc_connection(ice_emulator, fifo))
    fetching = asyncio.ensure_future(provider.aget_credentials())

    def write_fifo() -> None:
        with open(fifo, "w") as handle:
            handle.write(OIDC_TOKEN)

    await asyncio.wait_for(asyncio.to_thread(write_fifo), 20)
    credentials = await asyncio.wait_for(fetching, 20)
    assert credentials.access_key_id.startswith("STS.")


# ECS RAM role (metadata service)


@pytest.fixture
def patient_metadata_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """The metadata client's 1 s timeout, with a second attempt, is meant for a real link-local
    service; on a loaded test machine a slow first answer would be asked again and the request
    counts below would be one higher. Here attempts wait long enough to be answered."""
    patient = dataclasses.replace(resolver.METADATA_HTTP, timeout=httpx.Timeout(30.0))
    monkeypatch.setattr(resolver, "METADATA_HTTP", patient)


@pytest.mark.usefixtures("patient_metadata_client")
@pytest.mark.parametrize("role_name", [None, "EcsRamRoleForIce"], ids=["discovered", "named"])
def test_ecs_role(ice_emulator: IceEmulator, monkeypatch: pytest.MonkeyPatch, role_name: str | None) -> None:
    extra = {"ecs_role_name": role_name} if role_name else {}
    use_connection(monkeypatch, "ice_ecs", ecs_connection(ice_emulator, **extra))
    with IceHook("ice_ecs") as hook:
        job_id = hook.submit_iproduction_job(COVER)
        hook.query_iproduction_job(job_id)
    counters = ice_emulator.counters().requests
    assert counters["MetadataToken"] == 1  # IMDSv2: one session token, then the reads carry it
    assert counters["MetadataRoleName"] == (1 if role_name is None else 0)
    assert counters["MetadataCredentials"] == 1


@pytest.mark.usefixtures("patient_metadata_client")
@pytest.mark.ice_emulator(metadata_token_required=True)
async def test_ecs_role_in_hardened_mode_auto_detected_by_role_name(
    ice_emulator: IceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA", "EcsRamRoleForIce")
    use_connection(
        monkeypatch,
        "ice_ecs",
        ice_emulator.connection_json(with_key=False, metadata_endpoint=ice_emulator.url),
    )
    async with IceHook("ice_ecs") as hook:
        assert await hook.asubmit_iproduction_job(COVER)
    assert ice_emulator.counters().requests["MetadataCredentials"] == 1


@pytest.mark.usefixtures("patient_metadata_client")
async def test_ecs_thousands_of_users_share_one_read() -> None:
    clock = FakeClock()
    with IceEmulator(clock=clock, sts_token_seconds=21600) as ice:
        providers = [
            provider_for(ecs_connection(ice, ecs_role_name="EcsRamRoleForIce"), clock) for _ in range(2000)
        ]
        await asyncio.gather(*(provider.aget_credentials() for provider in providers))
        clock.advance(21600 - 30)
        await asyncio.gather(*(provider.aget_credentials() for provider in providers))
    assert ice.counters().requests["MetadataCredentials"] == 2


# What each source says when it fails


def test_wrong_base_secret(ice_emulator: IceEmulator) -> None:
    connection = json.loads(ram_role_connection(ice_emulator))
    connection["password"] = "not-the-secret"
    provider = provider_for(json.dumps(connection))
    with pytest.raises(IceCredentialsError) as raised:
        provider.get_credentials()
    error = raised.value
    assert error.source == "ram_role_arn"
    assert error.code == "SignatureDoesNotMatch"
    assert "STS AssumeRole answered SignatureDoesNotMatch (HTTP 400)" in str(error)
    assert "check the AccessKey Secret used to assume the role" in str(error)
    assert "not-the-secret" not in str(error)


def test_unknown_role(ice_emulator: IceEmulator) -> None:
    other = "acs:ram::1234567890123456:role/not-configured"
    provider = provider_for(ram_role_connection(ice_emulator, role_arn=other))
    with pytest.raises(
        IceCredentialsError, match=r"EntityNotExist\.Role \(HTTP 404\).*check the role ARN"
    ) as raised:
        provider.get_credentials()
    assert other in str(raised.value)


def test_wrong_oidc_token(ice_emulator: IceEmulator, tmp_path: Path) -> None:
    provider = provider_for(oidc_connection(ice_emulator, write_token(tmp_path / "t", "stolen-or-stale")))
    with pytest.raises(IceCredentialsError) as raised:
        provider.get_credentials()
    error = raised.value
    assert (error.source, error.code) == ("oidc_role_arn", "AuthenticationFail.OIDCToken.Invalid")
    assert "check the OIDC token file" in str(error)
    assert "stolen-or-stale" not in str(error)


def test_wrong_oidc_provider(ice_emulator: IceEmulator, tmp_path: Path) -> None:
    connection = oidc_connection(
        ice_emulator, write_token(tmp_path / "t"), oidc_provider_arn="acs:ram::1:oidc-provider/other"
    )
    with pytest.raises(IceCredentialsError, match=r"AuthenticationFail\.NoPermission.*No such OIDC Provider"):
        provider_for(connection).get_credentials()


async def test_missing_token_file(ice_emulator: IceEmulator, tmp_path: Path) -> None:
    provider = provider_for(oidc_connection(ice_emulator, tmp_path / "missing"))
    with pytest.raises(IceCredentialsError, match=r"the OIDC token file .* does not exist") as raised:
        await provider.aget_credentials()
    assert raised.value.source == "oidc_role_arn"
    assert requests_of(ice_emulator, "AssumeRoleWithOIDC") == 0


def test_token_file_whitespace_is_not_part_of_the_token(ice_emulator: IceEmulator, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(f"  {OIDC_TOKEN}\n")
    assert provider_for(oidc_connection(ice_emulator, token_file)).get_credentials().security_token


def test_empty_token_file(ice_emulator: IceEmulator, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(IceCredentialsError, match="is empty"):
        provider_for(oidc_connection(ice_emulator, empty)).get_credentials()


def test_unknown_ecs_role(ice_emulator: IceEmulator) -> None:
    provider = provider_for(ecs_connection(ice_emulator, ecs_role_name="NotAttached"))
    with pytest.raises(IceCredentialsError, match="knows no RAM role 'NotAttached'") as raised:
        provider.get_credentials()
    assert raised.value.source == "ecs_ram_role"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_metadata_service(ice_emulator: IceEmulator) -> None:
    metadata = f"http://127.0.0.1:{closed_port()}"
    provider = provider_for(ecs_connection(ice_emulator, metadata_endpoint=metadata))
    with pytest.raises(IceCredentialsUnavailableError) as raised:
        provider.get_credentials()
    text = str(raised.value)
    assert f"the ECS metadata service at {metadata}/latest/api/token could not be reached" in text
    assert "Is this an ECS instance?" in text


async def test_unreachable_sts(ice_emulator: IceEmulator) -> None:
    provider = provider_for(
        ram_role_connection(ice_emulator, sts_endpoint=f"http://127.0.0.1:{closed_port()}")
    )
    with pytest.raises(
        IceCredentialsUnavailableError, match=r"STS AssumeRole at .* could not be reached after 3"
    ):
        await provider.aget_credentials()


def test_lasting_sts_outage(ice_emulator: IceEmulator) -> None:
    ice_emulator.set_faults(scripted=[ScriptedFault(kind="unavailable", action="AssumeRole", count=3)])
    with pytest.raises(IceCredentialsUnavailableError, match=r"ServiceUnavailable \(HTTP 503\)"):
        provider_for(ram_role_connection(ice_emulator)).get_credentials()


@pytest.mark.parametrize(
    ("make_connection", "needle"),
    [
        (
            lambda ice, tmp: ram_role_connection(ice),
            "RAM role acs:ram::1234567890123456:role/ice-runner (AssumeRole",
        ),
        (lambda ice, tmp: oidc_connection(ice, write_token(tmp / "t")), "(AssumeRoleWithOIDC at 127.0.0.1"),
        (lambda ice, tmp: ecs_connection(ice), "ECS RAM role the role attached to the instance"),
    ],
    ids=["ram_role", "oidc", "ecs"],
)
def test_test_connection_names_the_source(
    ice_emulator: IceEmulator,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    make_connection: Any,
    needle: str,
) -> None:
    use_connection(monkeypatch, "ice_src", make_connection(ice_emulator, tmp_path))
    ok, message = IceHook("ice_src").test_connection()
    assert ok, message
    assert needle in message


def test_test_connection_reports_a_failing_source(
    ice_emulator: IceEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_connection(monkeypatch, "ice_src", oidc_connection(ice_emulator, write_token(tmp_path / "t", "bad")))
    ok, message = IceHook("ice_src").test_connection()
    assert not ok
    assert message.startswith(
        "Cannot use the connection: Credentials from source 'oidc_role_arn' failed: STS"
    )
    assert "AuthenticationFail.OIDCToken.Invalid" in message


def test_expired_temporary_key_is_an_auth_error_in_the_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    with IceEmulator(clock=clock) as ice:
        provider = provider_for(ram_role_connection(ice))  # real clock: it will not notice
        credentials = provider.get_credentials()
        clock.advance(3601)
        use_connection(
            monkeypatch,
            "ice_tmp",
            json.dumps(
                {
                    "conn_type": "alibaba_ice",
                    "login": credentials.access_key_id,
                    "password": credentials.access_key_secret,
                    "extra": {"endpoint": ice.url, "security_token": credentials.security_token},
                }
            ),
        )
        with pytest.raises(IceAuthError, match=r"InvalidSecurityToken\.Expired"), IceHook("ice_tmp") as hook:
            hook.query_iproduction_job("some-job")
