"""HTTPS: the emulator's throwaway CA and certificate, and the connection's verify / ca_bundle extras."""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509

from airflow_ice.client.config import config_from_connection
from airflow_ice.client.tls import TlsSettings, ssl_context_for
from airflow_ice.emulator import IceEmulator
from airflow_ice.emulator.tls import make_tls_material
from airflow_ice.errors import IceConfigurationError, IceConnectError
from airflow_ice.hooks.ice import IceHook
from tests.unit.emulator.test_cli import read_line

COVER = {
    "function_name": "Cover",
    "input": {"Type": "OSS", "Media": "oss://bucket/in/clip.mp4"},
    "output": {"Type": "OSS", "Media": "oss://bucket/out/"},
}


def config(**extra: Any) -> Any:
    return config_from_connection(conn_id="c", login="id", password="secret", extra=extra)


@pytest.fixture
def tls_emulator() -> Iterator[IceEmulator]:
    with IceEmulator(tls=True, job_seconds=0.2) as emulator:
        yield emulator


def test_tls_material_is_a_ca_and_a_server_certificate_for_loopback() -> None:
    material = make_tls_material(["127.0.0.1", "localhost"])
    try:
        ca = x509.load_pem_x509_certificate(material.ca_cert_path.read_bytes())
        server = x509.load_pem_x509_certificate(material.cert_path.read_bytes())
        assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        assert not server.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        assert server.issuer == ca.subject
        names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert "localhost" in names.get_values_for_type(x509.DNSName)
        assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
        # Only the owner may read the private key or list the directory.
        assert stat.S_IMODE(material.key_path.stat().st_mode) == 0o600
        assert stat.S_IMODE(material.directory.stat().st_mode) == 0o700
    finally:
        material.remove()
    assert not material.directory.exists()


def test_emulator_serves_https_with_its_ca_and_connection_json_names_it(tls_emulator: IceEmulator) -> None:
    assert tls_emulator.url.startswith("https://127.0.0.1:")
    assert tls_emulator.scheme == "https"
    extras = json.loads(tls_emulator.connection_json())["extra"]
    assert extras["endpoint"] == tls_emulator.url
    assert extras["ca_bundle"] == tls_emulator.ca_bundle_path
    assert tls_emulator.ca_pem.startswith("-----BEGIN CERTIFICATE-----")

    health = httpx.get(
        f"{tls_emulator.url}/_emulator/health",
        verify=ssl_context_for(TlsSettings(True, tls_emulator.ca_bundle_path)),
    )
    assert health.json()["status"] == "ok"
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{tls_emulator.url}/_emulator/health")  # the system CAs do not know it


def test_plain_emulator_has_no_ca() -> None:
    with IceEmulator() as emulator:
        assert emulator.url.startswith("http://")
        assert "ca_bundle" not in json.loads(emulator.connection_json())["extra"]
        with pytest.raises(RuntimeError, match="tls=True"):
            _ = emulator.ca_bundle_path


def test_tls_files_are_removed_on_stop() -> None:
    emulator = IceEmulator(tls=True).start()
    ca_path = Path(emulator.ca_bundle_path)
    assert ca_path.exists()
    emulator.stop()
    assert not ca_path.parent.exists()


def test_hook_sync_and_async_over_https_with_ca_bundle(
    tls_emulator: IceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", tls_emulator.connection_json())
    with IceHook() as hook:
        job_id = hook.submit_iproduction_job(COVER)
        assert hook.query_iproduction_job(job_id).job_id == job_id

    async def query() -> str:
        async with IceHook() as hook:
            return (await hook.aquery_iproduction_job(job_id)).job_id

    assert asyncio.run(query()) == job_id
    assert tls_emulator.counters().requests["QueryIProductionJob"] == 2


def test_ca_bundle_as_pem_text(tls_emulator: IceEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_ICE_DEFAULT", tls_emulator.connection_json(ca_bundle=tls_emulator.ca_pem)
    )
    with IceHook() as hook:
        assert hook.submit_iproduction_job(COVER)


def test_untrusted_certificate_fails_without_ca_bundle_and_works_with_verify_false(
    tls_emulator: IceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = json.loads(tls_emulator.connection_json(max_retries=0))
    del conn["extra"]["ca_bundle"]
    monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", json.dumps(conn))
    with IceHook() as hook, pytest.raises(IceConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        hook.query_iproduction_job("job-1")
    assert tls_emulator.counters().requests["QueryIProductionJob"] == 0

    conn["extra"]["verify"] = "false"
    monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", json.dumps(conn))
    with IceHook() as hook:
        assert hook.submit_iproduction_job(COVER)


async def test_async_hook_rejects_untrusted_certificate_before_sending(
    tls_emulator: IceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = json.loads(tls_emulator.connection_json(max_retries=0))
    del conn["extra"]["ca_bundle"]
    monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", json.dumps(conn))
    async with IceHook() as hook:
        with pytest.raises(IceConnectError, match="ca_bundle"):
            await hook.aquery_iproduction_job("job-1")
    assert tls_emulator.counters().requests["QueryIProductionJob"] == 0


def test_unreadable_ca_bundle_names_the_extra(tmp_path: Path) -> None:
    missing = tmp_path / "nope.pem"
    with pytest.raises(IceConfigurationError, match="ca_bundle") as raised:
        ssl_context_for(TlsSettings(True, str(missing)))
    assert str(missing) in str(raised.value)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    with pytest.raises(IceConfigurationError, match="ca_bundle"):
        ssl_context_for(TlsSettings(True, str(garbage)))
    with pytest.raises(IceConfigurationError, match="PEM text"):
        ssl_context_for(TlsSettings(True, "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n"))


def test_tls_contexts_are_built_once_per_settings(tls_emulator: IceEmulator) -> None:
    settings = TlsSettings(True, tls_emulator.ca_bundle_path)
    first = ssl_context_for(settings)
    assert ssl_context_for(TlsSettings(True, tls_emulator.ca_bundle_path)) is first
    assert first.verify_mode is ssl.CERT_REQUIRED
    unverified = ssl_context_for(TlsSettings(False))
    assert unverified.verify_mode is ssl.CERT_NONE
    assert not unverified.check_hostname


def test_connection_tls_and_rate_extras() -> None:
    default = config()
    assert default.verify is True
    assert default.ca_bundle is None
    assert default.max_requests_per_second is None
    custom = config(verify="False", ca_bundle=" /etc/ssl/corp.pem ", max_requests_per_second="12.5")
    assert custom.verify is False
    assert custom.ca_bundle == "/etc/ssl/corp.pem"
    assert custom.max_requests_per_second == 12.5
    assert config(verify=False).verify is False
    assert config(extra__alibaba_ice__verify="no").verify is False
    assert "corp.pem" not in repr(custom)  # may be PEM text: kept out of reprs like the secrets


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"verify": "sometimes"}, "verify must be true or false"),
        ({"verify": "/etc/ssl/ca.pem"}, "ca_bundle"),
        ({"ca_bundle": 42}, "ca_bundle must be"),
        ({"max_requests_per_second": "fast"}, "max_requests_per_second must be a finite number"),
        ({"max_requests_per_second": 0}, "positive"),
        ({"max_requests_per_second": -3}, "positive"),
        ({"max_requests_per_second": "nan"}, "must be a finite number"),
    ],
)
def test_bad_tls_and_rate_extras_name_the_field(extra: dict[str, object], message: str) -> None:
    with pytest.raises(IceConfigurationError, match=message):
        config(**extra)


def test_cli_tls_prints_https_url_and_writes_the_ca(tmp_path: Path) -> None:
    ca_file = tmp_path / "ca.pem"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_ice.emulator", "--port", "0", "--tls", "--tls-ca-file", str(ca_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        url = read_line(process.stdout, timeout=20).strip()
        assert url.startswith("https://127.0.0.1:")
        deadline = time.monotonic() + 5
        while not ca_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        health = httpx.get(f"{url}/_emulator/health", verify=ssl.create_default_context(cafile=str(ca_file)))
        assert health.status_code == 200
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=15)
    assert process.returncode == 0
    assert f"CA certificate: {ca_file}" in stderr


def test_cli_ca_file_needs_tls(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "airflow_ice.emulator",
            "--port",
            "0",
            "--tls-ca-file",
            str(tmp_path / "ca.pem"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--tls-ca-file needs --tls" in result.stderr
