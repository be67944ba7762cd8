"""A throw-away Airflow for the browser tests (no tests here): a temporary AIRFLOW_HOME with an
sqlite metadata DB, a real ``airflow api-server`` on a free loopback port, and example DAG runs.

Every Airflow process runs as a subprocess with an environment built here from scratch, so
nothing leaks in from the test session (``tests/conftest.py`` sets its own AIRFLOW_HOME) and
nothing leaks out. Processes are started in their own session and stopped with their group.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[3]
EXAMPLE_DAGS = REPO_ROOT / "example_dags"
RUN_EXAMPLE_DAG = Path(__file__).resolve().parent / "run_example_dag.py"
SIMPLE_AUTH_MANAGER = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
RESULT_PREFIX = "RESULT "


def free_loopback_port() -> int:
    """A TCP port nobody listens on right now on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _clean_environment() -> dict[str, str]:
    """This process's environment without any Airflow settings or connections."""
    return {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass(frozen=True)
class AirflowHome:
    """A temporary AIRFLOW_HOME: sqlite DB, the example DAGs, every user an admin, Test enabled.

    :param path: the AIRFLOW_HOME directory.
    :param env: the environment every Airflow subprocess of these tests runs with.
    """

    path: Path
    env: Mapping[str, str]

    @classmethod
    def create(cls) -> AirflowHome:
        """Make the directory and the environment (the DB comes with :meth:`migrate`)."""
        path = Path(tempfile.mkdtemp(prefix="airflow-ice-ui-"))
        env = _clean_environment()
        env.update(
            {
                "AIRFLOW_HOME": str(path),
                "AIRFLOW__CORE__DAGS_FOLDER": str(EXAMPLE_DAGS),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{path}/airflow.db",
                "AIRFLOW__CORE__AUTH_MANAGER": SIMPLE_AUTH_MANAGER,
                # The browser is logged in as an admin without a login page.
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
                "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
                # Shared by every process of this home; long enough for HS512.
                "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(64),
                # Airflow 3.1 leaves the issuer unset, which recent PyJWT refuses to encode.
                "AIRFLOW__API_AUTH__JWT_ISSUER": "airflow-ice-ui-tests",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return cls(path, env)

    def airflow(self, *args: str, timeout: float = 120, extra_env: Mapping[str, str] | None = None) -> str:
        """Run ``airflow ARGS`` to completion and return its output; raise with the output on failure."""
        result = self.run_python(["-m", "airflow", *args], timeout=timeout, extra_env=extra_env)
        if result.returncode != 0:
            raise RuntimeError(
                f"airflow {' '.join(args)} exited {result.returncode}:\n{result.stdout[-4000:]}"
            )
        return result.stdout

    def run_python(
        self, args: list[str], *, timeout: float, extra_env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run this interpreter with ARGS in this home's environment, output and errors merged."""
        env = {**self.env, **(extra_env or {})}
        return subprocess.run(
            [sys.executable, *args],
            env=env,
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )

    def migrate(self) -> None:
        """Create the metadata DB."""
        self.airflow("db", "migrate")


@dataclass(frozen=True)
class DagRunResult:
    """What :func:`run_example_dag` learned about a finished run.

    :param dag_id: the DAG.
    :param run_id: the run.
    :param state: the run's final state.
    :param tasks: ``task_id`` or ``task_id[map_index]`` -> ``{"state", "job_id"}`` (the ICE job id
        the task pushed, or None).
    """

    dag_id: str
    run_id: str
    state: str
    tasks: dict[str, dict[str, Any]]


def run_example_dag(
    home: AirflowHome, dag_id: str, conf: Mapping[str, Any], connection_json: str, log_path: Path
) -> DagRunResult:
    """Run an example DAG with ``dag.test()`` in a subprocess of HOME against the given
    ``ice_default`` connection (JSON), keeping its output in LOG_PATH."""
    result = home.run_python(
        [str(RUN_EXAMPLE_DAG), dag_id, json.dumps(conf)],
        timeout=240,
        extra_env={"AIRFLOW_CONN_ICE_DEFAULT": connection_json},
    )
    log_path.write_text(result.stdout)
    lines = [line for line in result.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"{dag_id} did not run (exit {result.returncode}):\n{result.stdout[-4000:]}")
    data = json.loads(lines[-1][len(RESULT_PREFIX) :])
    return DagRunResult(dag_id=dag_id, run_id=data["run_id"], state=data["state"], tasks=data["tasks"])


class ApiServer:
    """``airflow api-server`` of a home, on a free loopback port, output kept in a log file.

    :param home: the AIRFLOW_HOME it serves.
    :param log_path: where its output goes.
    :param start_timeout: seconds allowed until it answers its health check.
    """

    def __init__(self, home: AirflowHome, log_path: Path, start_timeout: float = 120) -> None:
        self.home = home
        self.log_path = log_path
        self.start_timeout = start_timeout
        self.port = free_loopback_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ApiServer:
        """Start it and return once its health check answers."""
        self._log = self.log_path.open("wb")
        command = [sys.executable, "-m", "airflow", "api-server", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--workers", "1"]
        self._process = subprocess.Popen(
            command,
            env=dict(self.home.env),
            cwd=REPO_ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as a whole
        )
        deadline = time.monotonic() + self.start_timeout
        with httpx.Client(timeout=2) as client:
            while True:
                if self._process.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"airflow api-server exited early:\n{_tail(self.log_path)}")
                try:
                    if client.get(f"{self.url}/api/v2/monitor/health").status_code == 200:
                        return self
                except httpx.TransportError:
                    pass  # not listening yet
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"airflow api-server did not start:\n{_tail(self.log_path)}")
                time.sleep(0.25)

    def stop(self) -> None:
        """Stop its process group (SIGTERM, then SIGKILL after 15 s)."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait(timeout=15)
        if process is not None:
            # Workers it forked may outlive a graceful exit of the parent.
            _signal_group(process.pid, signal.SIGKILL)
        if self._log is not None:
            self._log.close()
            self._log = None


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(pgid, sig)
