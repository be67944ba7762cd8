"""The real deployment test: Airflow with this provider, on PostgreSQL, against a faulty ICE emulator.

    .venv/bin/python tests/integration/deployment/run_deployment_test.py   # or: make test-deployment

It brings up, on 127.0.0.1 only: PostgreSQL from the OS packages (installed with apt-get when
missing), Airflow's ``api-server``, ``scheduler`` (LocalExecutor), ``dag-processor`` and two
``triggerer`` processes, and the ICE emulator (``airflow-ice emulator``, strict placement) with
faults on: 10% of requests answer 503, 10% ``Throttling.User``, every request waits 200 ms more,
2% of the read requests (Query/Get/List/Cancel) lose their connection, and ICE's account limit of
100 calls per second per action (beyond it ``Throttling.User``, counted as ``qps_limited``); and,
on the submits of a few chosen deferrable tasks, the answer is lost after the job was created, or
comes back HTTP 200 with a body the client cannot read (not JSON, cut short, empty, no JobId, a
JobId that is no string). Every task has two retries, so a provider that resubmits such a task pays twice.

It runs the DAG in ``tests/integration/deployment/dags`` (200 mapped deferrable IProduction tasks, 20
deferrable storyboard tasks, 40 deferrable snapshot tasks, one IProduction task waiting in its
worker). Snapshots are the list family: the triggerers check their jobs with ListSnapshotJobs, one
list per finished status per round, instead of one Get per job. The emulator's job clock
is held from the start, so no job moves on until the test has killed one triggerer with SIGKILL
while at least 50 tasks are deferred (or, after a bounded wait, with however many there are, said
in the summary) and the in-worker task's process mid-wait; then the clock goes on, the triggerer is
restarted later, and the killed task's retry must reattach. Then it proves, from the emulator's
own records and Airflow's (REST API, metadata DB, logs), each proof with its precondition:

- each task whose submit answer was lost or unreadable failed without a second submit (or its
  retry reattached to its one job), and no other task was affected;
- one job per task in the emulator's records, retries included;
- every ``return_value`` XCom equals the emulator's record of its job, field by field;
- the AccessKey Secret, the STS token (raw, base64, hex, URL-encoded, JSON-escaped) and the
  request signatures the emulator saw appear nowhere: task logs, every process log (the
  provider's loggers at DEBUG), XCom, the trigger table (kwargs decrypted), the serialized DAGs
  and a dump of the whole metadata DB;
- the triggerers never logged that their event loop was blocked;
- the killed triggerer's triggers were taken over, and the killed task reattached to its job;
- the snapshot waits were answered by list calls: no trigger read a running snapshot job with its
  Get, each finished one was read once, and the list calls stayed well below what one Get per job
  per poll would have cost (the emulator's per-job Get counts, its request counters, the trigger
  table, the pollers' logged stats);
- the number of ICE requests stayed within its budget, with every fault kind injected (what the
  account limit's throttling added is reported).

Exit code 0 only when every proof holds. Everything runs under a global deadline (``--timeout``,
default 20 minutes) and is stopped at the end, also on failure or Ctrl-C. Process logs, task logs
and the summary are kept in ``test-artifacts/deployment/``.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[3]
if str(REPO_ROOT) not in sys.path:  # run as a script: make `tests.integration.deployment` importable
    sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402

from tests.integration.deployment import proofs, tasks  # noqa: E402
from tests.integration.deployment.airflow_api import AirflowApi, TaskInstanceRecord  # noqa: E402
from tests.integration.deployment.metadata_db import MetadataDb  # noqa: E402
from tests.integration.deployment.postgres import PostgresServer, ensure_installed  # noqa: E402
from tests.integration.deployment.processes import (  # noqa: E402
    RUN_MARKER_VARIABLE,
    ManagedProcess,
    ProcessRegistry,
    become_subreaper,
    descendants_of,
    free_port,
    is_running,
    process_cmdline,
    reap_children,
)
from tests.integration.deployment.secret_forms import SecretSearch  # noqa: E402
from tests.integration.deployment.settings import (  # noqa: E402
    ARTIFACTS,
    BATCH_NICENESS,
    CONN_ID,
    CONN_MAX_RETRIES,
    CONN_TIMEOUT,
    DAG_ID,
    DROP_ACTIONS,
    DROP_RATE,
    HOLD_LIMIT_SECONDS,
    IN_WORKER_TASK_ID,
    JOB_SECONDS,
    JOB_SECONDS_MAX,
    KILL_MIN_DEFERRED,
    KILL_MIN_HELD,
    LATENCY_MS,
    LIST_ACTION,
    LIST_CALLS_PER_ROUND,
    LIST_FAMILY_GET,
    LIST_FIRST_POLL_SECONDS,
    LIST_SHARE_OF_GETS,
    LIST_TRIGGER_CLASS,
    LOOP_WATCH_DIR,
    MONITOR_SECONDS,
    POLL_INTERVAL,
    PROGRESS_SECONDS,
    QPS_LIMIT,
    REQUEST_BUDGET_PER_TASK,
    RESTART_AFTER_SECONDS,
    RUN_ID,
    SNAPSHOT_TASK_ID,
    THROTTLE_RATE,
    TRIGGER_RUNNER_GC_FREEZE,
    TRIGGERER_NICENESS,
    UNAVAILABLE_RATE,
    VENV_BIN,
    Deadline,
    Options,
    Secrets,
    airflow_environment,
)
from tests.integration.deployment.trigger_watch import TriggerWatch  # noqa: E402


def log(message: str) -> None:
    """One progress line, with the time."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def parse_options(argv: list[str] | None) -> Options:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--timeout", type=float, default=1200.0, help="global deadline in seconds (default 1200)"
    )
    parser.add_argument("--iproduction-tasks", type=int, default=200)
    parser.add_argument("--storyboard-tasks", type=int, default=20)
    parser.add_argument("--snapshot-tasks", type=int, default=40, help="the list family's tasks (default 40)")
    parser.add_argument(
        "--parallelism",
        type=int,
        default=max(6, 3 * (os.cpu_count() or 2)),
        help="LocalExecutor processes (default: three per CPU, at least 6)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--seed", type=int, default=None, help="the emulator's seed (default: random)")
    parser.add_argument(
        "--asyncio-debug",
        action="store_true",
        help="PYTHONASYNCIODEBUG=1 in the triggerers, to diagnose a blocked loop",
    )
    parser.add_argument(
        "--loop-diagnostics",
        action="store_true",
        help="list every stall of the triggerers' event loops (stack, CPU vs run-queue time, GC, machine "
        "load) in the summary; they are always recorded in test-artifacts/deployment/process-logs/loop-watch-*.jsonl",
    )
    parser.add_argument(
        "--stock-gc",
        action="store_true",
        help="do not freeze the collector in the triggerers' trigger runners (Airflow's own behaviour: "
        "a full collection walks the inherited Airflow heap on the event loop; see settings.py)",
    )
    args = parser.parse_args(argv)
    return Options(
        timeout=args.timeout,
        iproduction_tasks=args.iproduction_tasks,
        storyboard_tasks=args.storyboard_tasks,
        snapshot_tasks=args.snapshot_tasks,
        parallelism=args.parallelism,
        keep=args.keep,
        seed=args.seed if args.seed is not None else secrets.randbelow(2**31),
        asyncio_debug=args.asyncio_debug,
        loop_diagnostics=args.loop_diagnostics,
        stock_gc=args.stock_gc,
    )


@dataclass
class Kills:
    """What the test killed, and when.

    :param triggerer_job: the killed triggerer's job id.
    :param triggerer_killed_at: monotonic time of that kill.
    :param triggerer_restarted: whether it was started again.
    :param worker_pid: the pid of the in-worker task's process that was killed.
    :param worker_job_id: the job that task had submitted before the kill.
    :param worker_try: the try that was killed.
    :param deferred_at_kill: tasks deferred when the triggerer was killed.
    :param held_at_kill: triggers the killed triggerer held.
    :param hold_expired: the kill came after the bounded wait, not because enough tasks were deferred.
    :param clock_held_at: monotonic time the emulator's job clock was held (None: not held).
    :param clock_released_at: monotonic time it was let go on.
    """

    triggerer_job: int | None = None
    triggerer_killed_at: float | None = None
    triggerer_restarted: bool = False
    worker_pid: int | None = None
    worker_job_id: str | None = None
    worker_try: int | None = None
    deferred_at_kill: int = 0
    held_at_kill: int = 0
    hold_expired: bool = False
    clock_held_at: float | None = None
    clock_released_at: float | None = None


class DeploymentTest:
    """One run of the deployment test.

    :param options: the command-line options.
    """

    def __init__(self, options: Options) -> None:
        self.options = options
        self.deadline = Deadline(options.timeout)
        self.secrets = Secrets.generate()
        self.marker = uuid.uuid4().hex
        self.workdir = Path(tempfile.mkdtemp(prefix="ice-deployment-"))
        self.logs = self.workdir / "process-logs"
        self.home = self.workdir / "airflow-home"
        self.registry = ProcessRegistry(self.marker, reap_orphans=True)
        self.base_env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "ICE_"))}
        self.postgres: PostgresServer | None = None
        self.db: MetadataDb | None = None
        self.api: AirflowApi | None = None
        self.env: dict[str, str] = {}
        self.fernet_key = ""
        self.emulator_url = ""
        self.triggerers: dict[str, ManagedProcess] = {}
        self.triggerer_jobs: dict[int, str] = {}
        self.watch = TriggerWatch(SecretSearch(self.secrets.to_search()))
        self.answer_faults = tasks.planned_answer_faults(
            options.iproduction_tasks, options.storyboard_tasks, options.snapshot_tasks
        )
        self.kills = Kills()
        self.heartbeat_gaps: dict[int, tuple[float, str]] = {}
        self.proofs: list[proofs.Proof] = []
        self.facts: list[str] = []
        self.error: str | None = None
        self._cleaned = False

    # Bringing things up

    def start_postgres(self) -> None:
        """Install (if needed) and start PostgreSQL, with an ``airflow`` database."""
        bin_dir = ensure_installed(log)
        self.postgres = PostgresServer(
            root=self.workdir / "postgres",
            port=free_port(),
            bin_dir=bin_dir,
            env={**self.base_env, RUN_MARKER_VARIABLE: self.marker},
        )
        self.postgres.start()
        log(
            f"PostgreSQL {bin_dir.parent.name} on 127.0.0.1:{self.postgres.port} (socket in {self.postgres.socket_dir})"
        )

    def start_emulator(self) -> None:
        """Start the emulator CLI (strict placement) with the faults, restrict dropped connections to
        reads, and script the submit-answer faults of the chosen tasks."""
        env = {
            **self.base_env,
            "ICE_EMULATOR_ACCESS_KEY_ID": self.secrets.access_key_id,
            "ICE_EMULATOR_ACCESS_KEY_SECRET": self.secrets.access_key_secret,
            "ICE_EMULATOR_SECURITY_TOKEN": self.secrets.security_token,
        }
        argv = [
            str(VENV_BIN / "airflow-ice"),
            "emulator",
            "--port",
            "0",
            "--job-seconds",
            str(JOB_SECONDS),
            "--job-seconds-max",
            str(JOB_SECONDS_MAX),
            "--unavailable-rate",
            str(UNAVAILABLE_RATE),
            "--throttle-rate",
            str(THROTTLE_RATE),
            "--latency-ms",
            str(LATENCY_MS),
            "--seed",
            str(self.options.seed),
            "--qps-limit",
            str(QPS_LIMIT),
            "--strict-placement",
        ]
        process = self.registry.start("emulator", argv, env=env, log_path=self.logs / "emulator.log")

        def url_printed() -> bool:
            if not process.alive():
                raise RuntimeError(f"the emulator exited: see {process.log_path}")
            first = process.log_path.read_text().split("\n", 1)[0].strip()
            if first.startswith("http://127.0.0.1:"):
                self.emulator_url = first
                return True
            return False

        self.deadline.wait_for("waiting for the emulator to start", url_printed, 30, 0.1)
        scripted = [fault.scripted() for fault in self.answer_faults]
        response = httpx.post(
            f"{self.emulator_url}/_emulator/faults",
            json={"drop_rate": DROP_RATE, "drop_actions": DROP_ACTIONS, "scripted": scripted},
            timeout=10,
        )
        response.raise_for_status()
        log(
            f"ICE emulator at {self.emulator_url} (seed {self.options.seed}): jobs {JOB_SECONDS:.0f}-"
            f"{JOB_SECONDS_MAX:.0f}s; faults {response.json()['config']}; submit answers lost or "
            f"unreadable for {[f'{f.task_label}: {f.recorded_as}' for f in self.answer_faults]}"
        )

    def hold_job_clock(self, hold: bool) -> None:
        """Hold the emulator's job clock (no job moves on) or let it go on."""
        response = httpx.post(f"{self.emulator_url}/_emulator/clock", json={"hold": hold}, timeout=10)
        response.raise_for_status()
        if hold:
            self.kills.clock_held_at = time.monotonic()
        else:
            self.kills.clock_released_at = time.monotonic()
        log(f"emulator job clock {'held' if hold else 'released'}")

    def configure_airflow(self) -> None:
        """Build the Airflow environment and migrate the metadata DB."""
        from cryptography.fernet import Fernet

        assert self.postgres is not None
        self.fernet_key = Fernet.generate_key().decode()
        api_port = free_port()
        self.env = airflow_environment(
            self.base_env,
            home=self.home,
            database_url=self.postgres.sqlalchemy_url,
            api_port=api_port,
            fernet_key=self.fernet_key,
            options=self.options,
        )
        self.home.mkdir(parents=True, exist_ok=True)
        log(f"airflow db migrate (AIRFLOW_HOME {self.home})")
        migrate = self.registry.start(
            "db-migrate",
            [sys.executable, "-m", "airflow", "db", "migrate"],
            env=self.env,
            log_path=self.logs / "db-migrate.log",
        )
        self.deadline.wait_for("migrating the metadata DB", lambda: not migrate.alive(), 300, 0.5)
        if migrate.popen.returncode != 0:
            raise RuntimeError(f"airflow db migrate failed: see {migrate.log_path}")
        self.db = MetadataDb(str(self.postgres.socket_dir), self.postgres.port, self.fernet_key)
        self.api = AirflowApi(f"http://127.0.0.1:{api_port}")

    def start_airflow(self) -> None:
        """api-server, the connection, dag-processor, scheduler and two triggerers."""
        assert self.api is not None
        airflow = [sys.executable, "-m", "airflow"]
        api_port = self.env["AIRFLOW__API__PORT"]
        self._start("api-server", [*airflow, "api-server", "--host", "127.0.0.1", "--port", api_port])
        self.deadline.wait_for("waiting for the api-server", self.api.healthy, 120)
        self.api.create_connection(
            CONN_ID,
            "alibaba_ice",
            self.secrets.access_key_id,
            self.secrets.access_key_secret,
            {
                "endpoint": self.emulator_url,
                "region": "cn-shanghai",
                "security_token": self.secrets.security_token,
                "max_retries": CONN_MAX_RETRIES,
                "timeout": CONN_TIMEOUT,
            },
        )
        log(f"api-server at {self.api.base_url}; connection {CONN_ID!r} created through the REST API")
        self._start("dag-processor", [*airflow, "dag-processor"], niceness=BATCH_NICENESS)
        self._start("scheduler", [*airflow, "scheduler", "--skip-serve-logs"], niceness=BATCH_NICENESS)
        for name in ("triggerer-a", "triggerer-b"):
            self.start_triggerer(name)

    def _start(self, name: str, argv: list[str], niceness: int = 0) -> ManagedProcess:
        return self.registry.start(
            name, argv, env=self.env, log_path=self.logs / f"{name}.log", cwd=self.workdir, niceness=niceness
        )

    def start_triggerer(self, name: str, log_name: str | None = None) -> int:
        """Start a triggerer and wait for its job row; returns its job id."""
        assert self.db is not None
        db = self.db
        before = set(db.running_triggerer_jobs())
        env = dict(self.env)
        if self.options.asyncio_debug:
            env["PYTHONASYNCIODEBUG"] = "1"
        freeze = TRIGGER_RUNNER_GC_FREEZE and not self.options.stock_gc
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(LOOP_WATCH_DIR), env.get("PYTHONPATH")]))
        if freeze:
            env["ICE_TRIGGER_RUNNER_GC_FREEZE"] = "1"
        # Always watched: the blocked-loop proof tells code holding the loop from CPU starvation
        # with the loop watch's run-queue times (--loop-diagnostics adds every stall to the summary).
        env["ICE_LOOP_WATCH_DIR"] = str(self.logs)
        env["ICE_LOOP_WATCH_NAME"] = log_name or name
        process = self.registry.start(
            name,
            [sys.executable, "-m", "airflow", "triggerer", "--skip-serve-logs"],
            env=env,
            log_path=self.logs / f"{log_name or name}.log",
            cwd=self.workdir,
            niceness=TRIGGERER_NICENESS,
        )
        self.triggerers[name] = process
        new: list[int] = []

        def registered() -> bool:
            if not process.alive():
                raise RuntimeError(f"{name} exited: see {process.log_path}")
            new[:] = sorted(set(db.running_triggerer_jobs()) - before)
            return bool(new)

        self.deadline.wait_for(f"waiting for {name} to register", registered, 120, 0.5)
        job_id = new[-1]
        self.triggerer_jobs[job_id] = log_name or name
        log(f"{log_name or name} running (pid {process.pid}, triggerer job {job_id})")
        return job_id

    def trigger_dag(self) -> None:
        """Wait for the DAG to be parsed, then start a run."""
        assert self.api is not None
        api = self.api

        def parsed() -> bool:
            if api.dag_exists(DAG_ID):
                return True
            errors = api.import_errors()
            if errors:
                raise RuntimeError(f"the DAG did not import: {errors}")
            return False

        self.deadline.wait_for("waiting for the DAG to be parsed", parsed, 180, 2)
        # No job finishes until the kills are done: they then happen while jobs run, however slow.
        self.hold_job_clock(True)
        api.unpause(DAG_ID)
        api.trigger(DAG_ID, RUN_ID)
        log(
            f"DAG run {DAG_ID}/{RUN_ID} started: {self.options.total_tasks} tasks, "
            f"parallelism {self.options.parallelism}"
        )

    # While the run goes on

    def monitor(self) -> None:
        """Sample, kill and restart until the DAG run ends."""
        assert self.api is not None
        assert self.db is not None
        last_progress = 0.0
        budget = REQUEST_BUDGET_PER_TASK * self.options.total_tasks
        while True:
            self.deadline.check("waiting for the DAG run")
            self._check_processes()
            self.watch.observe(self.db.triggers())
            self._note_heartbeats()
            states = self.db.task_state_counts(DAG_ID)
            if self.kills.worker_pid is None:
                self._maybe_kill_worker()
            if self.kills.triggerer_job is None:
                self._maybe_kill_triggerer(states.get("deferred", 0))
            elif not self.kills.triggerer_restarted:
                self._maybe_restart_triggerer()
            self._maybe_release_job_clock()
            if time.monotonic() - last_progress >= PROGRESS_SECONDS:
                last_progress = time.monotonic()
                counters = self.emulator_counters()
                requests = sum(counters["requests"].values())
                owners = {
                    self.triggerer_jobs.get(k, k) if k else "unassigned": v
                    for k, v in self.watch.per_triggerer().items()
                }
                log(
                    f"tasks {dict(sorted(states.items()))}; triggers {owners}; ICE requests {requests} "
                    f"({counters['requests'].get(LIST_ACTION, 0)} {LIST_ACTION}, "
                    f"{counters['requests'].get(LIST_FAMILY_GET, 0)} {LIST_FAMILY_GET}; "
                    f"qps_limited {counters['faults'].get('qps_limited', 0)})"
                )
                if requests > budget:
                    raise RuntimeError(f"{requests} ICE requests exceed the budget of {budget}")
            run_state = self.api.dag_run_state(DAG_ID, RUN_ID)
            if run_state in ("success", "failed"):
                log(f"DAG run finished: {run_state} after {self.deadline.elapsed():.0f}s")
                break
            reap_children()
            time.sleep(MONITOR_SECONDS)
        # Triggers are deleted shortly after their tasks resume: one last sample to see where they went.
        time.sleep(MONITOR_SECONDS)
        self.watch.observe(self.db.triggers())
        # Their work is done: stop them before the CPU-heavy checks, so their logs end with the run.
        for process in self.triggerers.values():
            process.stop()

    def _note_heartbeats(self) -> None:
        """Keep the longest heartbeat gap seen per live triggerer (a lapse hands its triggers over)."""
        assert self.db is not None
        for job_id, age in self.db.triggerer_heartbeat_ages().items():
            if job_id != self.kills.triggerer_job and age > self.heartbeat_gaps.get(job_id, (0.0, ""))[0]:
                self.heartbeat_gaps[job_id] = (age, time.strftime("%H:%M:%S"))

    def _check_processes(self) -> None:
        for process in self.registry.processes:
            if process.name in ("db-migrate",) or process.alive():
                continue
            if process.name.startswith("triggerer") and process.popen.returncode == -signal.SIGKILL:
                continue
            raise RuntimeError(
                f"{process.name} exited with {process.popen.returncode}: see {process.log_path}"
            )

    def _maybe_kill_worker(self) -> None:
        """Kill the in-worker task's process once it has submitted its job and is polling."""
        assert self.api is not None
        job_id = self.api.xcom(DAG_ID, RUN_ID, IN_WORKER_TASK_ID, "ice_job_id")
        if not job_id:
            return
        ti = self.api.task_instance(DAG_ID, RUN_ID, IN_WORKER_TASK_ID)
        if ti.state != "running" or not ti.pid or not is_running(ti.pid):
            return
        # Only our own processes: the recorded pid must be below this one (the scheduler's worker's child).
        if ti.pid not in descendants_of(os.getpid()):
            raise RuntimeError(f"pid {ti.pid} recorded for {IN_WORKER_TASK_ID} is not a process of this run")
        time.sleep(2.0)  # let it reach its polling loop
        cmdline = process_cmdline(ti.pid)
        os.kill(ti.pid, signal.SIGKILL)
        self.kills.worker_pid, self.kills.worker_job_id, self.kills.worker_try = (
            ti.pid,
            str(job_id),
            ti.try_number,
        )
        log(
            f"killed {IN_WORKER_TASK_ID} try {ti.try_number} (pid {ti.pid}: {cmdline[:90]!r}) while it waited for job {job_id}"
        )

    def kill_thresholds(self) -> tuple[int, int]:
        """(tasks deferred, triggers held by triggerer A) planned for the kill; smaller runs
        (--iproduction-tasks) scale them down."""
        total = self.options.total_tasks
        return min(KILL_MIN_DEFERRED, total // 2), min(KILL_MIN_HELD, max(1, total // 8))

    def _hold_expired(self) -> bool:
        held_at = self.kills.clock_held_at
        return held_at is not None and time.monotonic() - held_at > HOLD_LIMIT_SECONDS

    def _maybe_kill_triggerer(self, deferred: int) -> None:
        """SIGKILL triggerer A (its whole process group) once enough tasks are deferred and it holds
        enough of them; past the bounded wait, kill anyway (the summary says how many there were)."""
        process = self.triggerers["triggerer-a"]
        job_id = next(j for j, name in self.triggerer_jobs.items() if name == "triggerer-a")
        held = self.watch.held_by(job_id)
        min_deferred, min_held = self.kill_thresholds()
        expired = self._hold_expired()
        if (deferred < min_deferred or len(held) < min_held) and not expired:
            return
        process.signal_group(signal.SIGKILL)
        process.popen.wait(timeout=10)
        killed = self.watch.triggerer_killed(job_id)
        self.kills.triggerer_job, self.kills.triggerer_killed_at = job_id, time.monotonic()
        self.kills.deferred_at_kill, self.kills.held_at_kill = deferred, len(killed.held)
        self.kills.hold_expired = expired
        why = f"after the {HOLD_LIMIT_SECONDS:.0f}s bounded wait" if expired else "as planned"
        log(
            f"killed triggerer-a (job {job_id}) with SIGKILL {why}: it held {len(killed.held)} of "
            f"{deferred} deferred tasks (planned: {min_held} of {min_deferred})"
        )

    def _maybe_release_job_clock(self) -> None:
        """Let the jobs go on once both kills are done (or the bounded wait is over)."""
        if self.kills.clock_held_at is None or self.kills.clock_released_at is not None:
            return
        done = self.kills.triggerer_job is not None and self.kills.worker_pid is not None
        if done or self._hold_expired():
            self.hold_job_clock(False)

    def _maybe_restart_triggerer(self) -> None:
        assert self.kills.triggerer_killed_at is not None
        if time.monotonic() - self.kills.triggerer_killed_at < RESTART_AFTER_SECONDS:
            return
        self.kills.triggerer_restarted = True
        self.start_triggerer("triggerer-a", log_name="triggerer-a-restarted")

    def emulator_counters(self) -> dict[str, Any]:
        """``GET /_emulator/counters``."""
        response = httpx.get(f"{self.emulator_url}/_emulator/counters", timeout=10)
        response.raise_for_status()
        return dict(response.json())

    # Proofs

    def emulator_admin(self, path: str) -> Any:
        """``GET /_emulator/<path>``, as JSON."""
        response = httpx.get(f"{self.emulator_url}/_emulator/{path}", timeout=60)
        response.raise_for_status()
        return response.json()

    def collect_and_prove(self) -> None:
        """Read Airflow's records and the emulator's, stop everything, and prove."""
        assert self.api is not None
        assert self.postgres is not None
        assert self.db is not None
        api = self.api
        tis = api.task_instances(DAG_ID, RUN_ID)
        wanted = [(ti, key) for ti in tis for key in ("return_value", "ice_job_id", "ice_output_url")]
        with ThreadPoolExecutor(max_workers=8) as pool:
            values = list(
                pool.map(
                    lambda item: api.xcom(DAG_ID, RUN_ID, item[0].task_id, item[1], item[0].map_index), wanted
                )
            )
        returns = {
            ti.label: value for (ti, key), value in zip(wanted, values, strict=True) if key == "return_value"
        }
        other_xcoms = {
            f"{ti.label} {key}": value
            for (ti, key), value in zip(wanted, values, strict=True)
            if key != "return_value"
        }
        counters = self.emulator_counters()
        records = self.emulator_admin("jobs")
        seen = self.emulator_admin("seen-secrets")
        serialized_dags = self.db.serialized_dags()

        # The emulator's own records, by the task their parameters name.
        jobs_of: dict[str, list[dict[str, Any]]] = {}
        unmatched: list[str] = []
        for record in records:
            owner = tasks.label_of_job(record["Answer"])
            if owner is None:
                unmatched.append(record["JobId"])
            else:
                jobs_of.setdefault(owner, []).append(record)
        outcomes = {
            ti.label: proofs.TaskOutcome(
                state=ti.state,
                try_number=ti.try_number,
                job_ids=tuple(r["JobId"] for r in jobs_of.get(ti.label, [])),
                returned_job_id=(returns.get(ti.label) or {}).get("job_id")
                if isinstance(returns.get(ti.label), dict)
                else None,
            )
            for ti in tis
        }
        fired = {
            owner: r["SubmitAnswerFault"]
            for owner, rs in jobs_of.items()
            for r in rs
            if r["SubmitAnswerFault"]
        }
        for kind, description in (
            ("lose_response", "a submit's answer lost after ICE created the job"),
            ("unreadable_answer", "a submit answered 200 with an unreadable body after ICE created the job"),
        ):
            planned = {f.task_label: f.recorded_as for f in self.answer_faults if f.kind == kind}
            self.proofs.append(proofs.prove_answer_faults(description, planned, fired, outcomes))
        faulted = [f.task_label for f in self.answer_faults]
        self.proofs.append(proofs.prove_other_tasks_unaffected(outcomes, faulted, [IN_WORKER_TASK_ID]))
        self.proofs.append(
            proofs.prove_one_job_per_task(
                outcomes,
                unmatched,
                sum(counters["jobs_submitted"].values()),
                self.options.total_tasks,
                faulted,
            )
        )
        pairs = {
            label: (
                value,
                jobs_of[label][-1]["Answer"] if jobs_of.get(label) else None,
                tasks.asked(label),
            )
            for label, value in returns.items()
            if outcomes[label].state == proofs.SUCCESS
        }
        self.proofs.append(proofs.prove_xcoms_match_records(pairs))
        self.proofs.append(self.prove_worker_reattached(tis, returns))
        self.proofs.append(self.watch.proof_failover(self.triggerer_jobs, self.kill_precondition()))
        self.proofs.append(self.prove_requests_bounded(counters))
        listed = [
            proofs.ListedJob(label, outcomes[label], record["Reads"]["Running"], record["Reads"]["Finished"])
            for label, records_of_task in jobs_of.items()
            if tasks.family_of(label) == SNAPSHOT_TASK_ID
            for record in records_of_task
        ]

        # Stop Airflow and the emulator first, so every log is complete, then read the DB dump.
        log("stopping Airflow and the emulator")
        self.registry.stop_all()
        dump = self.postgres.dump()
        search = SecretSearch(
            {
                **self.secrets.to_search(),
                **{f"STS token seen {n}": t for n, t in enumerate(seen["security_tokens"])},
            },
            frozenset(seen["signatures"]),
        )
        task_logs = proofs.files_under([self.home / "logs"])
        self.proofs.append(proofs.prove_no_secrets_in_files("task logs", task_logs, search))
        process_logs = proofs.files_under([self.logs])
        self.proofs.append(
            proofs.prove_no_secrets_in_files(
                "process logs (api-server, scheduler, dag-processor, triggerers, emulator; provider at DEBUG)",
                process_logs,
                search,
            )
        )
        xcom_texts = {name: json.dumps(value).encode() for name, value in {**returns, **other_xcoms}.items()}
        self.proofs.append(proofs.prove_no_secrets("XCom", xcom_texts, search))
        self.proofs.append(self.watch.proof_kwargs())
        self.proofs.append(
            proofs.prove_no_secrets("the serialized DAGs (serialized_dag)", serialized_dags, search)
        )
        self.proofs.append(
            proofs.prove_no_secrets("a dump of the whole metadata DB (plain text)", {"pg_dump": dump}, search)
        )
        triggerer_logs = sorted(self.logs.glob("triggerer-*.log"))
        watched, stalls = proofs.read_loop_watch(sorted(self.logs.glob("loop-watch-*.jsonl")))
        self.proofs.append(
            proofs.prove_loop_never_blocked(triggerer_logs, stalls, watched, len(self.watch.seen))
        )
        poller_stats = proofs.read_poller_stats(
            (path.read_text(errors="replace") for path in [*process_logs, *task_logs]), "Snapshot"
        )
        self.proofs.append(
            proofs.prove_list_checks(
                "snapshot",
                listed,
                counters["answered"].get(LIST_ACTION, 0),
                self.watch.waited(LIST_TRIGGER_CLASS),
                LIST_FIRST_POLL_SECONDS,
                POLL_INTERVAL,
                poller_stats,
                calls_per_round=LIST_CALLS_PER_ROUND,
                share_of_gets=LIST_SHARE_OF_GETS,
                items_complete=False,
            )
        )
        requested, answered = counters["requests"], counters["answered"]
        self.facts.append(
            "list family: "
            + ", ".join(
                f"{requested.get(action, 0)} {action} requests ({answered.get(action, 0)} answered)"
                for action in (LIST_ACTION, LIST_FAMILY_GET)
            )
            + f" for {len(listed)} snapshot jobs; one by one: {requested.get('QueryIProductionJob', 0)} "
            f"QueryIProductionJob ({answered.get('QueryIProductionJob', 0)} answered) for "
            f"{self.options.iproduction_tasks + 1} IProduction jobs"
        )
        self.facts.append(
            f"account limit ({QPS_LIMIT:g} calls/s per action): {counters['faults'].get('qps_limited', 0)} "
            f"calls answered Throttling.User (qps_limited), each retried by its client"
        )
        self.facts.append(
            f"emulator: requests {counters['requests']}; faults {counters['faults']}; "
            f"auth failures {counters['auth_failures']}; errors {counters['errors']}; "
            f"unexpected {counters['unexpected_errors']}"
        )
        gaps = {
            self.triggerer_jobs.get(job, job): f"{gap:.1f}s at {when}"
            for job, (gap, when) in self.heartbeat_gaps.items()
        }
        self.facts.append(f"longest heartbeat gap seen per live triggerer: {gaps}")
        self.facts.append(
            f"triggers moved between live triggerers (heartbeat lapsed): {len(self.watch.moves)} "
            f"{self.watch.moves[:5]}"
        )
        if self.kills.clock_held_at is not None and self.kills.clock_released_at is not None:
            self.facts.append(
                f"emulator job clock held {self.kills.clock_released_at - self.kills.clock_held_at:.0f}s "
                f"(from the DAG run's start until both kills)"
            )
        retried = sorted(ti.label for ti in tis if ti.try_number > 1)
        self.facts.append(f"task instances that needed more than one try: {retried or 'none'}")
        self.facts.append(f"load average at the end: {os.getloadavg()}")
        if self.options.loop_diagnostics:
            self.facts.extend(self.loop_watch_facts())

    def kill_precondition(self) -> tuple[str, bool]:
        """The failover proof's precondition: triggerer A was killed holding enough triggers."""
        min_deferred, min_held = self.kill_thresholds()
        text = (
            f"triggerer-a killed with SIGKILL holding >= {min_held} triggers while >= {min_deferred} tasks "
            f"were deferred (job clock held meanwhile); it held {self.kills.held_at_kill} of "
            f"{self.kills.deferred_at_kill}"
        )
        if self.kills.hold_expired:
            text += f" (killed after the {HOLD_LIMIT_SECONDS:.0f}s bounded wait)"
        return text, self.kills.triggerer_job is not None and self.kills.held_at_kill >= min_held

    def loop_watch_facts(self) -> list[str]:
        """One line per event-loop stall that ``--loop-diagnostics`` recorded (details in the files)."""
        files = sorted(self.logs.glob("loop-watch-*.jsonl"))
        facts = [f"loop diagnostics: {len(files)} trigger runners watched"]
        for path in files:
            records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
            summaries = [r for r in records if r["kind"] == "summary"]
            start = next((r for r in records if r["kind"] == "start"), None)
            if start:
                facts.append(
                    f"{path.name}: at start {start['gc_tracked_per_generation']} objects tracked per "
                    f"generation, {start['gc_frozen']} frozen"
                )
            if summaries:
                facts.append(f"{path.name}: garbage collections {summaries[-1]['gc']}")
            for full in (r for r in records if r["kind"] == "full_collection"):
                facts.append(
                    f"{path.name} full collection at {full['time']}: {full['seconds']}s wall, "
                    f"{full['cpu_seconds']}s CPU, {full['collected']} objects collected"
                )
            for stall in (r for r in records if r["kind"] == "stall"):
                top = stall["stacks"][0][1][-3:] if stall["stacks"] else []
                facts.append(
                    f"{path.name} stall at {stall['time']}: {stall['wall_seconds']}s late; loop thread on "
                    f"CPU {stall['loop_cpu_seconds']}s, on a run queue {stall['loop_runqueue_seconds']}s; "
                    f"GC {stall['gc']['per_generation']}; load {stall['loadavg']}; top stack {top}"
                )
        return facts

    def prove_worker_reattached(
        self, tis: list[TaskInstanceRecord], returns: Mapping[str, Any]
    ) -> proofs.Proof:
        """The killed in-worker task retried, reattached to the job it had submitted, and returned it."""
        name = "the killed in-worker task's retry reattached to its job"
        precondition = (
            f"{IN_WORKER_TASK_ID}'s process was killed with SIGKILL while its job ran (job clock held)"
        )
        if self.kills.worker_pid is None:
            return proofs.Proof(name, False, f"{IN_WORKER_TASK_ID} was never killed", precondition, False)
        ti = next(t for t in tis if t.task_id == IN_WORKER_TASK_ID)
        returned = returns.get(ti.label) or {}
        retry_logs = [
            p
            for p in proofs.files_under([self.home / "logs"])
            if f"task_id={IN_WORKER_TASK_ID}" in str(p) and f"attempt={ti.try_number}" in p.name
        ]
        text = "\n".join(p.read_text(errors="replace") for p in retry_logs)
        reattached = "Reattaching to IProduction job" in text or "of an earlier try already succeeded" in text
        ok = (
            ti.try_number > (self.kills.worker_try or 0)
            and returned.get("job_id") == self.kills.worker_job_id
            and reattached
        )
        detail = (
            f"try {self.kills.worker_try} killed (pid {self.kills.worker_pid}) while waiting for job "
            f"{self.kills.worker_job_id}; ended on try {ti.try_number} ({ti.state}) returning job "
            f"{returned.get('job_id')}; retry log says it reattached: {reattached}"
        )
        return proofs.Proof(name, ok, detail, precondition)

    def prove_requests_bounded(self, counters: Mapping[str, Any]) -> proofs.Proof:
        """Total ICE requests stayed within the budget, and every kind of fault was really injected."""
        requests = sum(counters["requests"].values())
        budget = REQUEST_BUDGET_PER_TASK * self.options.total_tasks
        faults = counters["faults"]
        kinds = ("unavailable", "throttling", "drop", "lose_response", "unreadable_answer")
        injected = all(faults.get(kind, 0) > 0 for kind in kinds)
        ok = requests <= budget and counters["unexpected_errors"] == 0
        limited = faults.get("qps_limited", 0)
        detail = (
            f"{requests} ICE requests (budget {budget}, {requests / self.options.total_tasks:.1f} per task; "
            f"throttling added {faults.get('throttling', 0)} at random and {limited} by the {QPS_LIMIT:g}/s "
            f"account limit, {(faults.get('throttling', 0) + limited) / max(1, requests):.1%} of them); "
            f"faults injected {faults}; emulator bugs {counters['unexpected_errors']}"
        )
        return proofs.Proof(
            "ICE requests bounded, no emulator bug",
            ok,
            detail,
            precondition=f"every fault kind was injected ({', '.join(kinds)})",
            precondition_met=injected,
        )

    # Teardown

    def cleanup(self) -> None:
        """Stop every process and PostgreSQL, keep the logs; safe to call twice."""
        if self._cleaned:
            return
        self._cleaned = True
        previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            if self.api is not None:
                self.api.close()
            self.registry.stop_all()
            if self.db is not None:
                with contextlib.suppress(Exception):
                    self.db.close()
            if self.postgres is not None:
                self.postgres.stop()
            names = {pid: process_cmdline(pid)[:80] for pid in descendants_of(os.getpid())}
            leftovers = self.registry.kill_leftovers()
            if leftovers:
                log(
                    f"killed {len(leftovers)} leftover processes: {[names.get(pid, pid) for pid in leftovers]}"
                )
            reap_children()
            self.save_artifacts()
            if not self.options.keep:
                shutil.rmtree(self.workdir, ignore_errors=True)
            else:
                log(f"kept {self.workdir}")
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def save_artifacts(self) -> None:
        """Copy process logs, task logs and the PostgreSQL log to ``test-artifacts/deployment``."""
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            shutil.copytree(self.logs, ARTIFACTS / "process-logs")
        with contextlib.suppress(OSError):
            shutil.copytree(self.home / "logs", ARTIFACTS / "airflow-logs")
        if self.postgres is not None:
            with contextlib.suppress(OSError):
                shutil.copy(self.postgres.log_path, ARTIFACTS / "process-logs" / "postgres.log")
        (ARTIFACTS / "summary.txt").write_text(self.summary())

    def summary(self) -> str:
        """The proofs and facts, one per line."""
        lines = [f"deployment test: {self.options}", f"wall time {self.deadline.elapsed():.0f}s"]
        lines += [proof.line() for proof in self.proofs]
        lines += [f"info  {fact}" for fact in self.facts]
        if self.error is not None:
            lines.append(f"FAIL  the run stopped early: {self.error}")
        failed = [proof for proof in self.proofs if not proof.passed]
        if failed:
            # Again at the end, where a log's tail (CI's) shows them.
            lines.append(f"the {len(failed)} proof(s) that do not hold:")
            lines += [proof.line() for proof in failed]
        passed = len(self.proofs) - len(failed)
        verdict = "PASS" if self.error is None and self.proofs and passed == len(self.proofs) else "FAIL"
        lines.append(f"{verdict}: {passed}/{len(self.proofs)} proofs hold")
        return "\n".join(lines) + "\n"

    def run(self) -> bool:
        """Bring everything up, run the DAG, prove; True when every proof holds."""
        self.start_postgres()
        self.start_emulator()
        self.configure_airflow()
        self.start_airflow()
        self.trigger_dag()
        self.monitor()
        self.collect_and_prove()
        return bool(self.proofs) and all(proof.passed for proof in self.proofs)


def main(argv: list[str] | None = None) -> int:
    """Run the deployment test; the exit code is 0 only when every proof holds."""
    options = parse_options(argv)
    test = DeploymentTest(options)
    become_subreaper()
    atexit.register(test.cleanup)

    def stop_on_signal(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGHUP, stop_on_signal)
    # A last resort should anything hang past the deadline (cleanup gets its own minutes).
    signal.signal(signal.SIGALRM, stop_on_signal)
    signal.alarm(int(options.timeout) + 60)
    ok = False
    try:
        ok = test.run()
    except (Exception, KeyboardInterrupt) as exc:
        test.error = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    finally:
        signal.alarm(0)
        test.cleanup()
    print()
    print(test.summary(), end="")
    print(f"logs and summary in {ARTIFACTS}")
    return 0 if ok and test.error is None else 1


if __name__ == "__main__":
    sys.exit(main())
