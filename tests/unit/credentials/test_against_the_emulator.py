"""The emulator's STS (AssumeRole, AssumeRoleWithOIDC) and ECS metadata service, over raw HTTP, and
checked against the official credentials library (alibabacloud_credentials, a test-only oracle)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from airflow_ice.client.signing import ACS3_HMAC_SHA256, HMAC_SHA1, Credentials, encode_form, sign_request
from airflow_ice.credentials.sts import assume_role_request, assume_role_with_oidc_request
from airflow_ice.emulator import IceEmulator
from airflow_ice.emulator.cli import add_emulator_options, emulator_kwargs
from tests.support.credentials import OIDC_PROVIDER_ARN, OIDC_TOKEN, ROLE_ARN, FakeClock, write_token

KEY = Credentials("emulator-access-key-id", "emulator-access-key-secret")
STS_VERSION = "2015-04-01"


def assume_role(
    emulator: IceEmulator,
    credentials: Credentials = KEY,
    algorithm: str = HMAC_SHA1,
    version: str = STS_VERSION,
    **params: str,
) -> httpx.Response:
    body = {"RoleArn": ROLE_ARN, "RoleSessionName": "tests", **params}
    signed = sign_request(
        action="AssumeRole",
        version=version,
        host=emulator.endpoint,
        credentials=credentials,
        body={key: value for key, value in body.items() if value},
        algorithm=algorithm,
    )
    return httpx.post(f"{emulator.url}/?{signed.query_string}", headers=signed.headers, content=signed.body)


def assume_role_with_oidc(emulator: IceEmulator, **params: str) -> httpx.Response:
    query = {"Action": "AssumeRoleWithOIDC", "Format": "JSON", "Version": params.pop("Version", STS_VERSION)}
    body = {
        "RoleArn": ROLE_ARN,
        "OIDCProviderArn": OIDC_PROVIDER_ARN,
        "OIDCToken": OIDC_TOKEN,
        "RoleSessionName": "pod",
        **params,
    }
    return httpx.post(
        f"{emulator.url}/",
        params=query,
        headers={"content-type": "application/x-www-form-urlencoded"},
        content=encode_form({key: value for key, value in body.items() if value}),
    )


def query_job(emulator: IceEmulator, credentials: Credentials) -> httpx.Response:
    signed = sign_request(
        action="QueryIProductionJob",
        version="2020-11-09",
        host=emulator.endpoint,
        credentials=credentials,
        query={"JobId": "nope"},
    )
    return httpx.post(f"{emulator.url}/?{signed.query_string}", headers=signed.headers, content=signed.body)


def issued(answer: httpx.Response) -> Credentials:
    fields = answer.json()["Credentials"]
    return Credentials(fields["AccessKeyId"], fields["AccessKeySecret"], fields["SecurityToken"])


def code(answer: httpx.Response) -> tuple[int, str]:
    return answer.status_code, answer.json()["Code"]


# STS AssumeRole


@pytest.mark.parametrize("algorithm", [HMAC_SHA1, ACS3_HMAC_SHA256])
def test_assume_role_answer_shape(algorithm: str) -> None:
    clock = FakeClock()  # stands still: the issued lifetime is exact, however long the call took
    with IceEmulator(clock=clock) as ice:
        answer = assume_role(ice, algorithm=algorithm, DurationSeconds="900")
        assert answer.status_code == 200
        body = answer.json()
        assert set(body) == {"RequestId", "AssumedRoleUser", "Credentials"}
        assert body["AssumedRoleUser"]["Arn"] == "acs:ram::1234567890123456:role/ice-runner/tests"
        assert body["AssumedRoleUser"]["AssumedRoleId"].endswith(":tests")
        credentials = body["Credentials"]
        assert set(credentials) == {"AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"}
        assert credentials["AccessKeyId"].startswith("STS.")
        assert credentials["Expiration"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(clock() + 900))
        (key,) = ice.state.temporary_keys.issued()
        assert key.expiration - clock() == pytest.approx(900, abs=1e-6)
        # ICE accepts the issued key, with its token.
        assert code(query_job(ice, issued(answer))) == (404, "JobNotFound")


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"credentials": Credentials("unknown", "x")}, (404, "InvalidAccessKeyId.NotFound")),
        ({"credentials": Credentials(KEY.access_key_id, "wrong")}, (400, "SignatureDoesNotMatch")),
        ({"version": "2020-11-09"}, (400, "InvalidVersion")),
        ({"RoleArn": ""}, (400, "MissingRoleArn")),
        ({"RoleSessionName": ""}, (400, "MissingRoleSessionName")),
        ({"RoleSessionName": "x"}, (400, "InvalidParameter")),
        ({"RoleArn": "arn:aws:iam::1:role/x"}, (400, "InvalidParameter.RoleArn")),
        ({"RoleArn": "acs:ram::1234567890123456:role/other"}, (404, "EntityNotExist.Role")),
        ({"DurationSeconds": "899"}, (400, "InvalidParameter.DurationSeconds")),
        ({"DurationSeconds": "43201"}, (400, "InvalidParameter.DurationSeconds")),
    ],
)
def test_assume_role_errors(
    ice_emulator: IceEmulator, kwargs: dict[str, Any], expected: tuple[int, str]
) -> None:
    assert code(assume_role(ice_emulator, **kwargs)) == expected


def test_assume_role_must_be_signed(ice_emulator: IceEmulator) -> None:
    answer = httpx.post(
        f"{ice_emulator.url}/",
        params={"Action": "AssumeRole", "Version": STS_VERSION, "RoleArn": ROLE_ARN, "RoleSessionName": "s"},
    )
    assert code(answer) == (400, "IncompleteSignature")
    assert ice_emulator.counters().auth_failures["IncompleteSignature"] == 1


def test_role_chaining_with_a_temporary_key(ice_emulator: IceEmulator) -> None:
    first = issued(assume_role(ice_emulator))
    second = assume_role(ice_emulator, credentials=first, RoleSessionName="chained")
    assert second.status_code == 200
    assert second.json()["AssumedRoleUser"]["Arn"].endswith("/chained")


def test_issued_keys_expire_by_the_emulator_clock() -> None:
    clock = FakeClock()
    with IceEmulator(clock=clock, sts_token_seconds=120) as ice:
        credentials = issued(assume_role(ice, DurationSeconds="3600"))  # the configured lifetime wins
        assert code(query_job(ice, credentials)) == (404, "JobNotFound")
        clock.advance(119)
        assert code(query_job(ice, credentials)) == (404, "JobNotFound")
        clock.advance(1)
        assert code(query_job(ice, credentials)) == (400, "InvalidSecurityToken.Expired")
        # A temporary key needs its own token.
        without_token = Credentials(credentials.access_key_id, credentials.access_key_secret)
        assert code(query_job(ice, without_token)) == (400, "InvalidSecurityToken.Malformed")
        assert ice.counters().auth_failures["InvalidSecurityToken.Expired"] == 1


def test_a_temporary_key_with_another_token_is_refused(ice_emulator: IceEmulator) -> None:
    first, second = issued(assume_role(ice_emulator)), issued(assume_role(ice_emulator))
    mixed = Credentials(first.access_key_id, first.access_key_secret, second.security_token)
    assert code(query_job(ice_emulator, mixed)) == (400, "InvalidSecurityToken.Expired")
    assert code(query_job(ice_emulator, Credentials(first.access_key_id, "guess", first.security_token))) == (
        400,
        "SignatureDoesNotMatch",
    )


# STS AssumeRoleWithOIDC


def test_assume_role_with_oidc_answer_shape(ice_emulator: IceEmulator) -> None:
    answer = assume_role_with_oidc(ice_emulator)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"RequestId", "OIDCTokenInfo", "AssumedRoleUser", "Credentials"}
    assert body["OIDCTokenInfo"]["VerificationInfo"] == "Success"
    assert body["AssumedRoleUser"]["Arn"].endswith("/ice-runner/pod")
    assert ice_emulator.counters().signatures == {}  # anonymous
    assert code(query_job(ice_emulator, issued(answer))) == (404, "JobNotFound")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"OIDCToken": ""}, (401, "AuthenticationFail.OIDCToken.Invalid")),
        ({"OIDCToken": "other"}, (401, "AuthenticationFail.OIDCToken.Invalid")),
        ({"OIDCProviderArn": "acs:ram::1:oidc-provider/x"}, (401, "AuthenticationFail.NoPermission")),
        ({"OIDCProviderArn": ""}, (400, "MissingOIDCProviderArn")),
        ({"RoleArn": "acs:ram::1234567890123456:role/other"}, (404, "EntityNotExist.Role")),
        ({"Version": "2020-11-09"}, (400, "InvalidVersion")),
        ({"DurationSeconds": "60"}, (400, "InvalidParameter.DurationSeconds")),
    ],
)
def test_assume_role_with_oidc_errors(
    ice_emulator: IceEmulator, params: dict[str, str], expected: tuple[int, str]
) -> None:
    assert code(assume_role_with_oidc(ice_emulator, **params)) == expected


@pytest.mark.ice_emulator(role_arns=["acs:ram::42:role/a", "acs:ram::42:role/b"], oidc_tokens=["t1", "t2"])
def test_several_roles_and_tokens(ice_emulator: IceEmulator) -> None:
    for role in ("acs:ram::42:role/a", "acs:ram::42:role/b"):
        for token in ("t1", "t2"):
            assert assume_role_with_oidc(ice_emulator, RoleArn=role, OIDCToken=token).status_code == 200
    ice_emulator.configure_sts(oidc_tokens="t3")
    assert code(assume_role_with_oidc(ice_emulator, RoleArn="acs:ram::42:role/a", OIDCToken="t1"))[1] == (
        "AuthenticationFail.OIDCToken.Invalid"
    )


# ECS metadata service


def test_metadata_imdsv2_flow(ice_emulator: IceEmulator) -> None:
    base = f"{ice_emulator.url}/latest"
    token = httpx.put(f"{base}/api/token", headers={"X-aliyun-ecs-metadata-token-ttl-seconds": "60"})
    assert token.status_code == 200
    headers = {"X-aliyun-ecs-metadata-token": token.text}
    role = httpx.get(f"{base}/meta-data/ram/security-credentials/", headers=headers)
    assert role.text == "EcsRamRoleForIce"
    answer = httpx.get(f"{base}/meta-data/ram/security-credentials/EcsRamRoleForIce", headers=headers)
    body = answer.json()
    assert set(body) == {
        "AccessKeyId",
        "AccessKeySecret",
        "Expiration",
        "SecurityToken",
        "LastUpdated",
        "Code",
    }
    assert body["Code"] == "Success"
    assert code(
        query_job(
            ice_emulator, Credentials(body["AccessKeyId"], body["AccessKeySecret"], body["SecurityToken"])
        )
    ) == (
        404,
        "JobNotFound",
    )
    assert httpx.get(f"{base}/meta-data/ram/security-credentials/Other", headers=headers).status_code == 404
    bad = {"X-aliyun-ecs-metadata-token": "forged"}
    assert httpx.get(f"{base}/meta-data/ram/security-credentials/", headers=bad).status_code == 401


@pytest.mark.parametrize("ttl", [None, "0", "21601", "soon"])
def test_metadata_token_needs_a_ttl(ice_emulator: IceEmulator, ttl: str | None) -> None:
    headers = {} if ttl is None else {"X-aliyun-ecs-metadata-token-ttl-seconds": ttl}
    assert httpx.put(f"{ice_emulator.url}/latest/api/token", headers=headers).status_code == 400


def test_metadata_session_tokens_expire() -> None:
    clock = FakeClock()
    with IceEmulator(clock=clock) as ice:
        token = httpx.put(
            f"{ice.url}/latest/api/token", headers={"X-aliyun-ecs-metadata-token-ttl-seconds": "10"}
        ).text
        url = f"{ice.url}/latest/meta-data/ram/security-credentials/"
        assert httpx.get(url, headers={"X-aliyun-ecs-metadata-token": token}).status_code == 200
        clock.advance(10)
        assert httpx.get(url, headers={"X-aliyun-ecs-metadata-token": token}).status_code == 401


@pytest.mark.parametrize("required", [False, True])
def test_metadata_without_a_token(required: bool) -> None:
    with IceEmulator(metadata_token_required=required) as ice:
        answer = httpx.get(f"{ice.url}/latest/meta-data/ram/security-credentials/")
    assert answer.status_code == (401 if required else 200)


# Against the official credentials library (test-only oracle)


def test_official_ram_role_provider_accepts_the_emulator(ice_emulator: IceEmulator) -> None:
    from alibabacloud_credentials.provider import RamRoleArnCredentialsProvider

    provider = RamRoleArnCredentialsProvider(
        access_key_id=KEY.access_key_id,
        access_key_secret=KEY.access_key_secret,
        role_arn=ROLE_ARN,
        role_session_name="oracle",
        sts_endpoint=ice_emulator.url,  # a URL: the library then keeps its scheme
    )
    credentials = provider.get_credentials()
    assert credentials.get_access_key_id().startswith("STS.")
    assert code(
        query_job(
            ice_emulator,
            Credentials(
                credentials.get_access_key_id(),
                credentials.get_access_key_secret(),
                credentials.get_security_token(),
            ),
        )
    ) == (404, "JobNotFound")
    assert ice_emulator.counters().signatures["HMAC-SHA1"] == 1  # its GET, signed with RPC 1.0


def test_official_oidc_provider_accepts_the_emulator(ice_emulator: IceEmulator, tmp_path: Path) -> None:
    from alibabacloud_credentials.provider import OIDCRoleArnCredentialsProvider

    provider = OIDCRoleArnCredentialsProvider(
        role_arn=ROLE_ARN,
        oidc_provider_arn=OIDC_PROVIDER_ARN,
        oidc_token_file_path=str(write_token(tmp_path / "token")),
        role_session_name="oracle",
        sts_endpoint=ice_emulator.url,
    )
    assert provider.get_credentials().get_security_token()


def test_official_ecs_provider_accepts_the_emulator(ice_emulator: IceEmulator) -> None:
    from alibabacloud_credentials.http import HttpOptions
    from alibabacloud_credentials.provider import EcsRamRoleCredentialsProvider

    # Its 1 s default timeouts are for a link-local service: a slow answer on a loaded test machine
    # would make it ask again (falling back to IMDSv1), and the count below would be one higher.
    patient = HttpOptions(connect_timeout=30_000, read_timeout=30_000)
    provider = EcsRamRoleCredentialsProvider(async_update_enabled=False, http_options=patient)
    # The library has no option for the metadata address (100.100.100.200): point it at the emulator.
    provider._EcsRamRoleCredentialsProvider__metadata_service_host = ice_emulator.url  # type: ignore[attr-defined]
    assert provider.get_credentials().get_access_key_id().startswith("STS.")
    assert ice_emulator.counters().requests["MetadataCredentials"] == 1


def request_parameters(request: httpx.Request) -> dict[str, str]:
    body = dict(parse_qsl(request.content.decode())) if request.content else {}
    return {**dict(parse_qsl(urlsplit(str(request.url)).query)), **body}


def test_our_sts_requests_carry_the_official_parameters(
    ice_emulator: IceEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alibabacloud_credentials.provider import (
        OIDCRoleArnCredentialsProvider,
        RamRoleArnCredentialsProvider,
    )
    from Tea.core import TeaCore

    sent: list[dict[str, str]] = []
    original = TeaCore.do_action

    def recording(request: Any, runtime: Any = None) -> Any:
        sent.append(dict(request.query))
        return original(request, runtime)

    monkeypatch.setattr(TeaCore, "do_action", staticmethod(recording))
    token_file = str(write_token(tmp_path / "token"))
    RamRoleArnCredentialsProvider(
        access_key_id=KEY.access_key_id,
        access_key_secret=KEY.access_key_secret,
        role_arn=ROLE_ARN,
        role_session_name="oracle",
        sts_endpoint=ice_emulator.url,
    ).get_credentials()
    OIDCRoleArnCredentialsProvider(
        role_arn=ROLE_ARN,
        oidc_provider_arn=OIDC_PROVIDER_ARN,
        oidc_token_file_path=token_file,
        role_session_name="oracle",
        sts_endpoint=ice_emulator.url,
    ).get_credentials()
    official_assume_role, official_oidc = sent

    ours_assume_role = request_parameters(
        assume_role_request(
            ice_emulator.url, KEY, role_arn=ROLE_ARN, session_name="oracle", duration_seconds=3600
        )
    )
    ours_oidc = request_parameters(
        assume_role_with_oidc_request(
            ice_emulator.url,
            role_arn=ROLE_ARN,
            oidc_provider_arn=OIDC_PROVIDER_ARN,
            oidc_token=OIDC_TOKEN,
            session_name="oracle",
            duration_seconds=3600,
        )
    )
    assert set(ours_assume_role) == set(official_assume_role)
    assert set(ours_oidc) == set(official_oidc)
    for name in ("Action", "Format", "Version", "RoleArn", "RoleSessionName", "DurationSeconds"):
        assert ours_assume_role[name] == official_assume_role[name]
        assert ours_oidc[name] == official_oidc[name]
    assert ours_oidc["OIDCToken"] == official_oidc["OIDCToken"].strip()


# Command line


def test_cli_options_reach_the_emulator() -> None:
    import argparse

    args = add_emulator_options(argparse.ArgumentParser()).parse_args(
        [
            "--role-arn",
            "acs:ram::1:role/a",
            "--role-arn",
            "acs:ram::1:role/b",
            "--oidc-provider-arn",
            "acs:ram::1:oidc-provider/p",
            "--oidc-token",
            "tok",
            "--sts-token-seconds",
            "5",
            "--ecs-role-name",
            "R",
            "--metadata-token-required",
        ]
    )
    emulator = IceEmulator(**emulator_kwargs(args))
    settings = emulator.sts_settings
    assert settings.role_arns == ("acs:ram::1:role/a", "acs:ram::1:role/b")
    assert settings.oidc_provider_arn == "acs:ram::1:oidc-provider/p"
    assert settings.oidc_tokens == ("tok",)
    assert settings.token_seconds == 5
    assert settings.ecs_role_name == "R"
    assert settings.metadata_token_required is True


def test_cli_serves_sts_with_a_token_from_the_environment() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_ice.emulator", "--port", "0", "--sts-token-seconds", "900"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "ICE_EMULATOR_OIDC_TOKEN": "from-env"},
    )
    try:
        lines: list[str] = []
        reader = threading.Thread(
            target=lambda: lines.append(process.stdout.readline() if process.stdout else "")
        )
        reader.start()
        reader.join(120)  # a hang guard: the emulator prints its URL once it listens
        assert lines, "the emulator printed no URL"
        url = lines[0].strip()
        answer = httpx.post(
            f"{url}/",
            params={"Action": "AssumeRoleWithOIDC", "Format": "JSON", "Version": STS_VERSION},
            data={"RoleArn": ROLE_ARN, "OIDCProviderArn": OIDC_PROVIDER_ARN, "OIDCToken": "from-env"},
        )
        assert answer.status_code == 200, answer.text
    finally:
        process.terminate()
        process.wait(10)
