"""The command line (``airflow-ice emulator`` and ``python -m airflow_ice.emulator``) and the
pytest plugin, each run as a real subprocess."""

from __future__ import annotations

import importlib.metadata
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx
import pytest

from airflow_ice.client.signing import HMAC_SHA1, Credentials
from tests.support.emulator import (
    KEY_ID,
    KEY_SECRET,
    STS_TOKEN,
    ServedEndpoint,
    call,
    error_code,
    iproduction_params,
    ok,
)

CONSOLE_SCRIPT = Path(sys.executable).with_name("airflow-ice")
URL_LINE = re.compile(r"^http://127\.0\.0\.1:(\d+)$")
PLUGIN = "airflow_ice.emulator.pytest_plugin"


def read_line(stream: IO[str] | None, timeout: float) -> str:
    """One line from a pipe, or fail after ``timeout`` seconds."""
    assert stream is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    assert lines, "the emulator printed no URL in time"
    return lines[0]


@contextmanager
def serving(
    command: list[str], env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        line = read_line(process.stdout, timeout=20)
        yield process, line
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def stop(process: subprocess.Popen[str], signum: int) -> tuple[int, str, str]:
    process.send_signal(signum)
    out, err = process.communicate(timeout=10)
    return process.returncode, out, err


def test_console_script_serves_until_sigterm() -> None:
    command = [
        str(CONSOLE_SCRIPT),
        "emulator",
        "--port",
        "0",
        "--access-key-id",
        KEY_ID,
        "--access-key-secret",
        KEY_SECRET,
        "--job-seconds",
        "0.2",
    ]
    with serving(command) as (process, line):
        match = URL_LINE.match(line.strip())
        assert match, line
        assert line.endswith("\n")
        emulator = ServedEndpoint(line.strip())
        with httpx.Client(timeout=5) as client:
            job_id = ok(call(client, emulator, "SubmitIProductionJob", iproduction_params()))["JobId"]
            assert ok(call(client, emulator, "QueryIProductionJob", {"JobId": job_id}))["JobId"] == job_id
        code, out, err = stop(process, signal.SIGTERM)
    assert code == 0, err
    assert out == ""  # nothing after the URL line
    assert KEY_SECRET not in err


def test_python_module_with_faults_token_from_env_and_sigint() -> None:
    command = [
        sys.executable,
        "-m",
        "airflow_ice.emulator",
        "--port",
        "0",
        "--access-key-id",
        KEY_ID,
        "--unavailable-rate",
        "1",
        "--fault-actions",
        "QueryIProductionJob",
        "--qps-limit-for",
        "SubmitIProductionJob=100",
    ]
    env = {"ICE_EMULATOR_ACCESS_KEY_SECRET": KEY_SECRET, "ICE_EMULATOR_SECURITY_TOKEN": STS_TOKEN}
    with serving(command, env) as (process, line):
        emulator = ServedEndpoint(line.strip())
        credentials = Credentials(KEY_ID, KEY_SECRET, STS_TOKEN)
        with httpx.Client(timeout=5) as client:
            submitted = call(
                client,
                emulator,
                "SubmitIProductionJob",
                iproduction_params(),
                credentials=credentials,
                algorithm=HMAC_SHA1,
            )
            job_id = ok(submitted)["JobId"]
            answer = call(client, emulator, "QueryIProductionJob", {"JobId": job_id}, credentials=credentials)
            assert error_code(answer) == (503, "ServiceUnavailable")
            counters = client.get(f"{emulator.url}/_emulator/counters").json()
            assert counters["jobs_submitted"] == {"SubmitIProductionJob": 1}
        code, _, err = stop(process, signal.SIGINT)
    assert code == 0, err


def test_invalid_fault_option_exits_2() -> None:
    result = subprocess.run(
        [str(CONSOLE_SCRIPT), "emulator", "--port", "0", "--drop-rate", "2"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "drop_rate" in result.stderr
    assert result.stdout == ""


def test_plugin_import_is_cheap() -> None:
    heavy = ("uvicorn", "starlette", "airflow", "airflow_ice.emulator.server")
    probe = f"import sys, {PLUGIN}; print([name for name in {heavy!r} if name in sys.modules])"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=30, check=True
    )
    assert result.stdout.strip() == "[]"


def plugin_is_registered() -> bool:
    return any(entry.value == PLUGIN for entry in importlib.metadata.entry_points(group="pytest11"))


def test_pytest_plugin_fixtures(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(
        """
import json, os
import httpx, pytest
from airflow_ice.client.signing import Credentials, sign_request


def test_default_emulator(ice_emulator):
    assert ice_emulator.url.startswith("http://127.0.0.1:")
    with httpx.Client() as http:
        assert http.get(ice_emulator.url + "/_emulator/health").json()["status"] == "ok"


@pytest.mark.ice_emulator(security_token="tok", job_seconds=0.1)
def test_connection(ice_connection):
    conn = json.loads(os.environ["AIRFLOW_CONN_ICE_DEFAULT"])
    assert conn["conn_type"] == "alibaba_ice"
    assert conn["extra"]["endpoint"] == ice_connection.url
    assert conn["extra"]["security_token"] == "tok"
    creds = Credentials(conn["login"], conn["password"], conn["extra"]["security_token"])
    host = conn["extra"]["endpoint"].split("://")[1]
    signed = sign_request(action="QueryIProductionJob", version="2020-11-09", host=host,
                          credentials=creds, query={"JobId": "nope"})
    with httpx.Client() as http:
        answer = http.post(conn["extra"]["endpoint"] + "/?" + signed.query_string,
                           headers=signed.headers, content=signed.body)
    assert answer.json()["Code"] == "JobNotFound"
    assert ice_connection.counters().signatures == {"ACS3-HMAC-SHA256": 1}
"""
    )
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)]
    if not plugin_is_registered():
        command[3:3] = ["-p", PLUGIN]
    env = {key: value for key, value in os.environ.items() if key != "AIRFLOW_CONN_ICE_DEFAULT"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


@pytest.mark.parametrize("argv", [["emulator", "--help"]])
def test_help_lists_fault_options(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from airflow_ice.cli import main

    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 0
    text = capsys.readouterr().out
    for option in (
        "--drop-rate",
        "--lose-response-rate",
        "--unavailable-rate",
        "--throttle-rate",
        "--latency-ms",
        "--qps-limit",
    ):
        assert option in text
