"""Start, kill and always clean up the processes of the deployment test.

Every process is started in its own session (so its whole group can be signalled at once) with
its output in a log file, and carries a run marker in its environment. Teardown stops them
gracefully, then kills their groups, then kills whatever is left below this process: Airflow's
task processes live in process groups of their own, and this process is made a child subreaper so
that orphans (a killed parent's children, daemons such as PostgreSQL's postmaster) stay below it.
The marker catches anything else (setproctitle may overwrite a process's environment block, so
it is a second net, not the first).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

RUN_MARKER_VARIABLE = "ICE_DEPLOYMENT_RUN_ID"
_PR_SET_CHILD_SUBREAPER = 36


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def become_subreaper() -> bool:
    """Adopt our orphaned descendants (Linux), so a killed parent's children stay findable and reaped."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def reap_children() -> None:
    """Collect exit statuses of finished children (adopted orphans included), without blocking."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def pids_with_marker(marker: str) -> list[int]:
    """Processes whose environment holds ``RUN_MARKER_VARIABLE=marker`` (this one excluded)."""
    needle = f"{RUN_MARKER_VARIABLE}={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone, or not ours to read
            continue
        if needle in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def parent_pids() -> dict[int, int]:
    """pid -> parent pid of every process."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name, in parentheses, may hold spaces: the fields after the last ")" are safe.
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def descendants_of(root: int) -> list[int]:
    """Every process below ``root`` in the process tree."""
    children: dict[int, list[int]] = {}
    for pid, parent in parent_pids().items():
        children.setdefault(parent, []).append(pid)
    found: list[int] = []
    stack = list(children.get(root, []))
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def process_cmdline(pid: int) -> str:
    """A process's command line, arguments joined by spaces ("" when gone)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def is_running(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


@dataclass
class ManagedProcess:
    """One started process (the leader of its own process group).

    :param name: a short name for messages (``triggerer-a``).
    :param argv: the command.
    :param log_path: where its stdout and stderr go.
    :param popen: the running process.
    """

    name: str
    argv: Sequence[str]
    log_path: Path
    popen: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        """Its pid, which is also its process group id."""
        return self.popen.pid

    def alive(self) -> bool:
        """Whether it is still running."""
        return self.popen.poll() is None

    def signal_group(self, signum: int) -> None:
        """Send ``signum`` to its whole process group (gone groups are ignored)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signum)

    def stop(self, grace_seconds: float = 10.0) -> None:
        """SIGTERM the group, wait up to ``grace_seconds``, then SIGKILL the group."""
        if self.alive():
            self.signal_group(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=grace_seconds)
        self.signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)


@dataclass
class ProcessRegistry:
    """Starts processes for one run and stops all of them, whatever happens.

    :param marker: the run marker put in every process's environment.
    :param reap_orphans: collect the exit status of any finished child of this process (right for
        a child subreaper that adopts orphans; wrong inside a test runner with children of its own).
    """

    marker: str
    reap_orphans: bool = False
    processes: list[ManagedProcess] = field(default_factory=list)

    def start(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        log_path: Path,
        cwd: Path | None = None,
        niceness: int = 0,
    ) -> ManagedProcess:
        """Start ``argv`` in a new session, output appended to ``log_path``.

        :param niceness: run it (and what it forks) at this CPU priority (``nice -n``: positive is
            lower, negative higher and only for root).
        """
        log_path.parent.mkdir(parents=True, exist_ok=True)
        command = ["nice", "-n", str(niceness), *argv] if niceness else list(argv)
        with open(log_path, "ab") as log:
            popen = subprocess.Popen(
                command,
                env={**env, RUN_MARKER_VARIABLE: self.marker},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                start_new_session=True,
            )
        process = ManagedProcess(name, list(argv), log_path, popen)
        self.processes.append(process)
        return process

    def stop_all(self, grace_seconds: float = 10.0) -> None:
        """Stop every process started here, newest first (see :meth:`kill_leftovers` for the rest)."""
        for process in reversed(self.processes):
            process.stop(grace_seconds)

    def kill_leftovers(self, include_descendants: bool = True) -> list[int]:
        """SIGKILL every process carrying this run's marker and, with ``include_descendants``, every
        process below this one (a subreaper adopts orphans, so that is all of them); returns their pids."""
        killed = []
        for _ in range(3):  # a dying parent may fork once more; look again
            self._reap()  # zombies need reaping, not killing
            below = descendants_of(os.getpid()) if include_descendants else []
            pids = sorted(pid for pid in set(below) | set(pids_with_marker(self.marker)) if is_running(pid))
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
            time.sleep(0.2)
            self._reap()
        return killed

    def _reap(self) -> None:
        if self.reap_orphans:
            reap_children()
