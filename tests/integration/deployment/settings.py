"""What the deployment test deploys: names, fault rates, durations, thresholds, the credentials
of a run, the command-line options, the Airflow configuration (environment variables) and the
global deadline. ``run_deployment_test.py`` uses these to bring the deployment up and judge it.
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tests.integration.deployment import tasks

REPO_ROOT = Path(__file__).resolve().parents[3]
# On the triggerers' PYTHONPATH (only theirs): its sitecustomize.py freezes the collector in the
# trigger runner (see TRIGGER_RUNNER_GC_FREEZE) and watches its loop (the blocked-loop proof).
LOOP_WATCH_DIR = Path(__file__).resolve().parent / "loop_watch"
DAGS_FOLDER = Path(__file__).resolve().parent / "dags"
# The DAG id in dags/ice_deployment_dag.py (not imported here: that would import Airflow too early);
# the task ids come from tasks.py, which the DAG imports too.
DAG_ID = "ice_deployment_test"
IN_WORKER_TASK_ID = tasks.IN_WORKER_TASK_ID
STORYBOARD_TASK_ID = tasks.STORYBOARD_TASK_ID
SNAPSHOT_TASK_ID = tasks.SNAPSHOT_TASK_ID
ARTIFACTS = REPO_ROOT / "test-artifacts" / "deployment"
CONN_ID = "ice_default"
RUN_ID = "deployment_test"
VENV_BIN = Path(sys.executable).parent

# The emulator's random faults. Dropped connections (before processing) hit reads only, so that the
# outcome of a submit is lost only where the test plans it: the scripted submit-answer faults of
# tasks.planned_answer_faults (the answer lost after the job was created, or a 200 with an
# unreadable body), each on one chosen deferrable task. 503 and throttling hit every action: ICE
# surely did not take those, so they are retried.
UNAVAILABLE_RATE = 0.10
THROTTLE_RATE = 0.10
DROP_RATE = 0.02
DROP_ACTIONS = [
    "QueryIProductionJob",
    "GetYikeStoryboardJob",
    "CancelIProductionJob",
    "GetSnapshotJob",
    "ListSnapshotJobs",
]
# The list family's actions, and the trigger class whose waits they answer.
LIST_ACTION = "ListSnapshotJobs"
LIST_FAMILY_GET = "GetSnapshotJob"
LIST_TRIGGER_CLASS = "airflow_ice.triggers.snapshot.IceSnapshotJobTrigger"
# A snapshot trigger's first check comes this long after the submit: the family's expected
# earliest end (airflow_ice.families.snapshot.EXPECTED_SECONDS); polled one by one, it would then
# be read every POLL_INTERVAL.
LIST_FIRST_POLL_SECONDS = 15.0
# Its finished statuses: one list each per round (pages of 100; the run has fewer jobs than that).
LIST_CALLS_PER_ROUND = 2
# The list calls may cost at most this share of the Gets per-job polling would have made
# (every waiting job read every POLL_INTERVAL): "well below one Get per job per poll".
LIST_SHARE_OF_GETS = 0.5
LATENCY_MS = 200
# ICE's account limit: calls per second per action, every client together (the emulator's default,
# ICE's published figure). Beyond it the emulator answers Throttling.User and counts qps_limited;
# the clients absorb it (retries, adaptive pace), and the summary says how many calls it cost.
QPS_LIMIT = 100.0
# Jobs run long enough that most tasks are deferred when a triggerer is killed.
JOB_SECONDS = 45.0
JOB_SECONDS_MAX = 90.0
POLL_INTERVAL = 5.0
# Retries per ICE call: 22% of answers are faults, so 10 retries make a call failing for good
# vanishingly rare (0.22^11), while the counters still bound the total.
CONN_MAX_RETRIES = 10
CONN_TIMEOUT = 15
# Airflow's default: a triggerer without a heartbeat for this long is dead, and its triggers go
# to another one (only the restart waits on it; the deployment keeps Airflow's default).
TRIGGERER_HEALTH_SECONDS = 30
# Kill a triggerer once it holds at least this many triggers and this many tasks are deferred. The
# emulator's job clock is held from the start until both kills are done, so no job finishes
# before enough tasks are deferred, however slow the machine; after HOLD_LIMIT_SECONDS the test
# kills anyway and says how many were deferred (the failover proof then needs KILL_MIN_HELD).
KILL_MIN_HELD = 10
KILL_MIN_DEFERRED = 50
HOLD_LIMIT_SECONDS = 420.0
# Restart the killed triggerer this long after the others noticed its death.
RESTART_AFTER_SECONDS = TRIGGERER_HEALTH_SECONDS + 10
# ICE requests allowed per task, on average: a job runs at most 90 s and is polled every 5 s, plus
# ~25% retried faults and a triggerer's takeover; the in-worker task polls every second. Beyond it
# the run stops as a failure (measured: about 20 per task).
REQUEST_BUDGET_PER_TASK = 60
# The scheduler (and so the LocalExecutor's task processes it forks) and the dag-processor run at
# this lower CPU priority. On a 2-core machine the task processes compete with the triggerers for
# the same CPUs, which alone can delay a triggerer's watchdog past its 0.2 s threshold; in
# production the triggerer has CPUs of its own. This keeps the blocked-loop proof about what runs
# in the triggerer (the triggers), not about CPU contention; the threshold itself is Airflow's
# default. PostgreSQL, the api-server and the emulator keep normal priority: the triggerers wait
# on them (their heartbeat is a DB write).
BATCH_NICENESS = 10
# The triggerers run at this higher CPU priority when the test runs as root (CI does; otherwise at
# normal priority). --loop-diagnostics showed their loop thread waiting for a CPU on a run queue
# (0.07 s of a 0.09 s stall on an idle loop; 0.17 s of a 0.36 s one) while api-server, PostgreSQL,
# the emulator and whatever else runs on the machine took both cores. In production the triggerer
# has CPUs of its own; here the 2 cores are shared, so the triggerers get the bigger share.
TRIGGERER_NICENESS = -5 if os.geteuid() == 0 else 0
# A harness-level mitigation of Airflow's triggerer, not of this provider: `airflow triggerer`
# forks its TriggerRunner (the process whose event loop runs the triggers) without gc.freeze(), so
# the child inherits about 276,000 objects of Airflow's heap that the collector tracks. Every full
# collection in the runner walks all of them, on the event loop: measured with --loop-diagnostics,
# one full collection (3,258 objects freed) was the whole 0.36 s stall behind a run's one "async
# thread was blocked" warning (0.21 s on CPU, 0.17 s waiting for a CPU); no stall of 0.08 s or more
# was in the triggers' own code. Airflow's LocalExecutor and DAG processor freeze the collector
# before they fork for the same reason (copy-on-write); the triggerer does not (Airflow 3.3.2).
# With this on, the runner freezes the inherited heap before its first trigger, so a full
# collection walks only what the runner created since: the triggers' own objects, whose cost the
# blocked-loop proof still measures. --stock-gc turns it off to show Airflow's own behaviour.
TRIGGER_RUNNER_GC_FREEZE = True
MONITOR_SECONDS = 2.0
PROGRESS_SECONDS = 15.0


class DeadlineExceeded(RuntimeError):
    """The run took longer than its global deadline."""


class Deadline:
    """A wall-clock limit for the whole run.

    :param seconds: the limit, from now.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.start = time.monotonic()
        self.end = self.start + seconds

    def elapsed(self) -> float:
        """Seconds since the start."""
        return time.monotonic() - self.start

    def remaining(self) -> float:
        """Seconds left (negative once passed)."""
        return self.end - time.monotonic()

    def check(self, what: str) -> None:
        """Raise :class:`DeadlineExceeded` once the deadline passed."""
        if self.remaining() <= 0:
            raise DeadlineExceeded(f"the {self.seconds:.0f}s deadline passed while {what}")

    def wait_for(self, what: str, condition: Callable[[], bool], limit: float, interval: float = 1.0) -> None:
        """Wait until ``condition()`` holds, at most ``limit`` seconds (and never past the deadline)."""
        until = time.monotonic() + limit
        while not condition():
            self.check(what)
            if time.monotonic() > until:
                raise TimeoutError(f"timed out after {limit:.0f}s {what}")
            time.sleep(interval)


@dataclass(frozen=True)
class Secrets:
    """The credentials of this run (random each time, so a leak cannot be an old file).

    :param access_key_id: the AccessKey ID (not secret).
    :param access_key_secret: the AccessKey Secret.
    :param security_token: the STS security token.
    """

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str = field(repr=False)

    @classmethod
    def generate(cls) -> Secrets:
        """Fresh random credentials. They hold ``/`` and ``+`` (as STS tokens do), so that their
        URL-encoded and JSON-escaped forms differ from the raw text and are searched for too."""
        return cls(
            access_key_id="LTAIdeploy" + secrets.token_hex(6),
            access_key_secret="deploy/secret+" + secrets.token_urlsafe(24),
            security_token="deploy+sts/token=" + secrets.token_urlsafe(48),
        )

    def to_search(self) -> dict[str, str]:
        """Name -> value of what must never be written anywhere."""
        return {"AccessKey Secret": self.access_key_secret, "STS security token": self.security_token}


@dataclass
class Options:
    """Command-line options.

    :param timeout: the global deadline in seconds.
    :param iproduction_tasks: mapped deferrable IProduction tasks.
    :param storyboard_tasks: mapped deferrable storyboard tasks.
    :param snapshot_tasks: mapped deferrable snapshot tasks (the list family).
    :param parallelism: LocalExecutor worker processes.
    :param keep: keep the temporary directory (data dir, home) for inspection.
    :param seed: the emulator's random seed.
    :param asyncio_debug: run the triggerers with ``PYTHONASYNCIODEBUG=1`` (asyncio then logs which
        coroutine step ran too long; slower, for diagnosing a blocked event loop).
    :param loop_diagnostics: list in the summary every stall the loop watch recorded (it always
        watches each triggerer's event loop from a helper thread: stacks, CPU and run-queue time,
        garbage collections, machine load; see ``loop_watch/ice_loop_watch.py``).
    :param stock_gc: leave the trigger runner's collector as Airflow sets it (no
        :data:`TRIGGER_RUNNER_GC_FREEZE`).
    """

    timeout: float
    iproduction_tasks: int
    storyboard_tasks: int
    snapshot_tasks: int
    parallelism: int
    keep: bool
    seed: int
    asyncio_debug: bool = False
    loop_diagnostics: bool = False
    stock_gc: bool = False

    @property
    def total_tasks(self) -> int:
        """Every task instance of the run."""
        return self.iproduction_tasks + self.storyboard_tasks + self.snapshot_tasks + 1


def airflow_environment(
    base: Mapping[str, str],
    *,
    home: Path,
    database_url: str,
    api_port: int,
    fernet_key: str,
    options: Options,
) -> dict[str, str]:
    """The environment of every Airflow process of the deployment (configuration by variables)."""
    api_url = f"http://127.0.0.1:{api_port}"
    return {
        **base,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(options.parallelism),
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": str(options.parallelism),
        "AIRFLOW__CORE__FERNET_KEY": fernet_key,
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api_url}/execution/",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database_url,
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__BASE_URL": api_url,
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        # INFO: the triggerer's blocked-loop warning is logged at INFO level; the provider's own
        # loggers at DEBUG (namespace_levels: Airflow 3.2+), so that the secret search covers
        # everything they say.
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "AIRFLOW__LOGGING__NAMESPACE_LEVELS": "airflow_ice=DEBUG",
        # The DAG imports tests/integration/deployment/tasks.py.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), base.get("PYTHONPATH")])),
        "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
        # One parse is enough: the DAG file does not change during the run.
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "600",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
        "ICE_DEPLOYMENT_IPRODUCTION_TASKS": str(options.iproduction_tasks),
        "ICE_DEPLOYMENT_STORYBOARD_TASKS": str(options.storyboard_tasks),
        "ICE_DEPLOYMENT_SNAPSHOT_TASKS": str(options.snapshot_tasks),
        "ICE_DEPLOYMENT_POLL_INTERVAL": str(POLL_INTERVAL),
        "PYTHONUNBUFFERED": "1",
    }
