"""``airflow connections test <conn_id>`` from the command line, in subprocesses, against the emulator.

The runs start together (each costs an Airflow start-up), and each test reads its run's result.
"""

from __future__ import annotations

import concurrent.futures
import inspect
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator

import pytest

from airflow_ice.emulator import IceEmulator
from tests.support.credentials import CREDENTIAL_ENV, ram_role_connection

Result = subprocess.CompletedProcess[str]


def connections_test(conn_id: str, connection_json: str) -> Result:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in CREDENTIAL_ENV and not key.startswith("AIRFLOW_CONN_")
    }
    # Unit-test mode would print a banner; the command needs test_connection enabled.
    env.pop("AIRFLOW__CORE__UNIT_TEST_MODE", None)
    with tempfile.TemporaryDirectory(prefix="airflow-ice-cli-") as home:
        env.update(
            {
                "AIRFLOW_HOME": home,
                "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                f"AIRFLOW_CONN_{conn_id.upper()}": connection_json,
            }
        )
        return subprocess.run(
            [sys.executable, "-m", "airflow", "connections", "test", conn_id],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )


def failure_exit_code() -> int:
    """The exit code of a failed test: Airflow 3.1.0 prints "Connection failed!" but exits 0,
    later releases exit 1 (read from the installed command, which the subprocess runs)."""
    from airflow.cli.commands import connection_command

    after_failure = inspect.getsource(connection_command.connections_test).split("Connection failed!", 1)[1]
    return 1 if "SystemExit(1)" in after_failure else 0


def with_password(connection_json: str, password: str) -> str:
    connection = json.loads(connection_json)
    connection["password"] = password
    return json.dumps(connection)


@pytest.fixture(scope="module")
def results() -> Iterator[dict[str, Result]]:
    with IceEmulator() as ice:
        runs = {
            "good": ice.connection_json(),
            "wrong_secret": with_password(ice.connection_json(), "not-the-secret"),
            "role": ram_role_connection(ice),
        }
        with concurrent.futures.ThreadPoolExecutor(len(runs)) as pool:
            futures = {name: pool.submit(connections_test, "ice_cli", json_) for name, json_ in runs.items()}
            yield {name: future.result() for name, future in futures.items()}


def test_good_credentials_succeed(results: dict[str, Result]) -> None:
    result = results["good"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Connection success!" in result.stdout
    # Airflow prints no message on success: the hook says which credentials worked.
    assert "accepted the credentials (source: AccessKey " in result.stdout + result.stderr


def test_wrong_secret_fails_clearly(results: dict[str, Result]) -> None:
    result = results["wrong_secret"]
    output = result.stdout + result.stderr
    assert result.returncode == failure_exit_code(), output
    assert "Connection failed!" in output
    assert "SignatureDoesNotMatch" in output
    assert "Check the AccessKey Secret in the connection (password field)" in output
    assert "not-the-secret" not in output


def test_assumed_role_succeeds(results: dict[str, Result]) -> None:
    # The stored key only assumes the role: ICE is called with the temporary STS key.
    result = results["role"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Connection success!" in result.stdout
    assert "accepted the credentials (source: RAM role " in result.stdout + result.stderr
