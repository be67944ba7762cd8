"""A throw-away PostgreSQL server from the OS packages, for Airflow's metadata DB.

The data directory and the unix socket live in a temporary directory; the server listens on
127.0.0.1 only, on a free port, with trust authentication (nothing else can reach it). PostgreSQL
refuses to run as root, so under root the server runs as the unprivileged ``postgres`` user that
the Debian package creates. Missing packages are installed with apt-get.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
POLICY_RC_D = Path("/usr/sbin/policy-rc.d")
SERVER_USER = "postgres"
DATABASE = "airflow"
ROLE = "airflow"
# Tuned for a disposable test DB: durability off, enough connections for every Airflow process.
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "max_connections": "300",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "128MB",
}


def find_bin_dir() -> Path | None:
    """The newest installed PostgreSQL server's bin directory, if any."""
    candidates = sorted(Path("/").glob(PG_BIN_GLOB.lstrip("/")), key=_major_version)
    for candidate in reversed(candidates):
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _major_version(path: Path) -> int:
    name = path.parent.name
    return int(name) if name.isdigit() else 0


def ensure_installed(log: Any = print) -> Path:
    """The server's bin directory, installing the ``postgresql`` package first when missing."""
    found = find_bin_dir()
    if found is not None:
        return found
    if os.geteuid() != 0:
        raise RuntimeError(
            "PostgreSQL is not installed and this is not root: run `apt-get install postgresql`."
        )
    log("PostgreSQL is missing: apt-get install postgresql")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    with _services_not_started():
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", "postgresql"],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    found = find_bin_dir()
    if found is None:
        raise RuntimeError("apt-get installed postgresql but no initdb was found under /usr/lib/postgresql")
    return found


@contextlib.contextmanager
def _services_not_started() -> Iterator[None]:
    """Keep the package's own cluster (``main``, port 5432) from being started by the install.

    Debian's ``postgresql`` package creates and starts a system-wide cluster unless
    ``/usr/sbin/policy-rc.d`` forbids starting services (Docker images ship one that does). The test
    runs its own server, and must leave no process behind: without such a file, one that answers
    101 ("action forbidden") is in place for the install only.
    """
    if POLICY_RC_D.exists():
        yield
        return
    POLICY_RC_D.write_text(
        "#!/bin/sh\n# deployment test: no service starts during its apt-get install\nexit 101\n"
    )
    POLICY_RC_D.chmod(0o755)
    try:
        yield
    finally:
        POLICY_RC_D.unlink(missing_ok=True)


@dataclass
class PostgresServer:
    """One PostgreSQL server under ``root`` (data, socket and log).

    :param root: a directory for this server (created; given to the server's user).
    :param port: the TCP port on 127.0.0.1 (also names the unix socket).
    :param bin_dir: where ``initdb``, ``pg_ctl`` and ``pg_dump`` are.
    :param env: the environment for its processes (e.g. with the run marker).
    """

    root: Path
    port: int
    bin_dir: Path
    env: Mapping[str, str]

    @property
    def data_dir(self) -> Path:
        """The cluster's data directory."""
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        """Where the unix socket is."""
        return self.root / "socket"

    @property
    def log_path(self) -> Path:
        """The server's log."""
        return self.root / "postgres.log"

    @property
    def sqlalchemy_url(self) -> str:
        """Airflow's ``sql_alchemy_conn`` for the database, over TCP on loopback (Airflow derives
        its async URL, ``postgresql+asyncpg``, from it; asyncpg takes no socket path there)."""
        return f"postgresql+psycopg2://{ROLE}@127.0.0.1:{self.port}/{DATABASE}"

    def _run_as_server_user(self) -> dict[str, Any]:
        if os.geteuid() != 0:
            return {}
        account = pwd.getpwnam(SERVER_USER)
        return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}

    def _run(self, *argv: str, capture: bool = False) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            list(argv),
            check=True,
            env=dict(self.env),
            cwd=self.root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            **self._run_as_server_user(),
        )

    def start(self) -> None:
        """initdb, start the server and create the ``airflow`` database (owned by role ``airflow``)."""
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            account = pwd.getpwnam(SERVER_USER)
            for path in (self.root, self.socket_dir):
                os.chown(path, account.pw_uid, account.pw_gid)
            # The server's user must be able to reach its directory inside our temporary one.
            parent = self.root.parent
            parent.chmod(parent.stat().st_mode | 0o111)
        self._run(
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            ROLE,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )
        options = " ".join(
            [f"-p {self.port}", f"-k {self.socket_dir}"] + [f"-c {k}={v}" for k, v in SERVER_SETTINGS.items()]
        )
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data_dir),
            "-l",
            str(self.log_path),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        self._run(
            str(self.bin_dir / "createdb"),
            "-h",
            str(self.socket_dir),
            "-p",
            str(self.port),
            "-U",
            ROLE,
            DATABASE,
        )

    def dump(self) -> bytes:
        """``pg_dump`` of the whole database, as SQL text."""
        return self._run(
            str(self.bin_dir / "pg_dump"),
            "-h",
            str(self.socket_dir),
            "-p",
            str(self.port),
            "-U",
            ROLE,
            DATABASE,
            capture=True,
        ).stdout

    def stop(self) -> None:
        """Stop the server (fast shutdown), killing the postmaster if that fails."""
        if not (self.data_dir / "postmaster.pid").exists():
            return
        try:
            self._run(
                str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "20", "stop"
            )
        except (subprocess.CalledProcessError, OSError):
            with contextlib.suppress(OSError, ValueError, ProcessLookupError):
                pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
                os.kill(pid, signal.SIGKILL)
