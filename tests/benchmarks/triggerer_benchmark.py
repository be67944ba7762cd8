"""Triggerer benchmark: N IProduction triggers in one process against the emulator over HTTPS.

    .venv/bin/python tests/benchmarks/triggerer_benchmark.py            # the full run (~35 minutes)
    .venv/bin/python tests/benchmarks/triggerer_benchmark.py --quick    # small N, short jobs

Figures, not a timed test. The emulators run in separate processes (``bench_emulator.py``) so their
CPU is not counted; each scenario runs in a fresh client process (``bench_client.py``) that
submits N jobs and checks each once, as the operator does (not measured), then waits for all of
them in one event loop with Airflow's triggerer imported and its heap frozen, while the jobs
finish at random times (``--job-seconds`` to ``--job-seconds-max``). For each N (default 1,000 and
10,000) it runs, in one run so that ratios compare like with like on a noisy machine:

* ours as shipped: shared ticks (``--tick``) and the first poll at the job's expected minimum
  (``expected_duration``, default the jobs' shortest duration), then every ``--poll-interval``;
* ours with fixed polling (the behaviour before: no ticks, expected duration 0, so the first poll
  one interval after the check at once);
* a bare aiohttp poller on the fixed schedule (the least an asyncio client does per poll);

then ours as shipped on media producing jobs (a newer family, ``--family-n``, default the smallest
N), the official SDK's async client at ``--sdk-n`` on the fixed schedule, empty timer wakes at the
largest N's wake rate (the floor of any poller that wakes per poll), and a memory probe
(``bench_waiting_memory.py``) of what one waiting trigger keeps alive at the largest N.

Printed per scenario: client CPU per poll and per completed job, API calls per completed job (the
check at once and the polls), detection latency after the job ended (p50, p99, max), RSS and
memory per waiting trigger, the event loop's longest stall (lateness of a 0.1 s heartbeat, as
Airflow's watchdog measures it) and longest callback, the collector's share of the CPU, errors
and the load average; then the goals, met or not, each unmet one with the floor measured in the
same run, and the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable

GOAL_CPU_PER_POLL_US = 300.0
GOAL_SDK_RATIO = 10.0
GOAL_KB_PER_TRIGGER = 6.0
GOAL_CALLS_RATIO = 0.8
GOAL_STALL_S = 0.2


@dataclass(frozen=True)
class Scenario:
    """One client run: which implementation and schedule, how many jobs, at what interval.

    :param impl: ``ours``, ``bare``, ``sdk`` or ``idle`` (see ``bench_client.py``).
    :param n: jobs waited for at once.
    :param schedule: ours: ``shipped`` (ticks, expected-duration first poll) or ``fixed``.
    :param poll_interval: None: the run's ``--poll-interval``.
    :param family: ours: the jobs' family (``iproduction``, or ``media-producing`` to show that a
        newer family waits on the same path).
    """

    impl: str
    n: int
    schedule: str = "fixed"
    transport: str = "default"
    poll_interval: float | None = None
    family: str = "iproduction"

    @property
    def key(self) -> str:
        return f"{self.impl}-{self.family}-{self.schedule}-{self.transport}-{self.n}"

    @property
    def label(self) -> str:
        if self.impl == "sdk":
            return f"official SDK, N={self.n}"
        if self.impl == "bare":
            return f"bare aiohttp, N={self.n}"
        if self.impl == "idle":
            return f"empty timer wakes, N={self.n}"
        name = "ours shipped" if self.schedule == "shipped" else "ours fixed, no ticks"
        if self.transport != "default":
            name += f" ({self.transport})"
        if self.family != "iproduction":
            name += f" ({self.family.replace('-', ' ')})"
        return f"{name}, N={self.n}"


class EmulatorProcess:
    """One ``bench_emulator.py`` process."""

    def __init__(self, args: argparse.Namespace, seed: int) -> None:
        command = [
            PYTHON,
            str(HERE / "bench_emulator.py"),
            "--job-seconds",
            str(args.job_seconds),
            "--job-seconds-max",
            str(args.job_seconds_max),
            "--seed",
            str(seed),
        ]
        if args.plain_http:
            command.append("--plain-http")
        command += ["--keep-alive", str(args.keep_alive)]
        if getattr(args, "qps_limit", None):  # the account-scale benchmark's per-action limit
            command += ["--qps-limit", str(args.qps_limit)]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the emulator process did not start")
        self.spec: dict[str, Any] = json.loads(line)

    def finish_times(self, job_ids: list[str], workdir: Path) -> dict[str, float]:
        source = workdir / f"ids-{self.process.pid}.txt"
        target = workdir / f"finish-{self.process.pid}.json"
        source.write_text("\n".join(job_ids))
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(f"finish-times {source} {target}\n")
        self.process.stdin.flush()
        if self.process.stdout.readline().strip() != "done":
            raise RuntimeError("the emulator process did not report finish times")
        return json.loads(target.read_text())

    def cpu_seconds(self) -> float:
        """CPU time the emulator process used so far (its server thread included)."""
        times = psutil.Process(self.process.pid).cpu_times()
        return float(times.user + times.system)

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def run_scenario(
    scenario: Scenario, args: argparse.Namespace, emulators: list[EmulatorProcess], workdir: Path
) -> dict[str, Any]:
    out = workdir / f"{scenario.key}.json"
    interval = scenario.poll_interval or args.poll_interval
    command = [
        PYTHON,
        str(HERE / "bench_client.py"),
        "--impl",
        scenario.impl,
        "--schedule",
        scenario.schedule,
        "--expected-duration",
        str(args.expected_duration),
        "--tick",
        str(args.tick),
        "--transport",
        scenario.transport,
        "--family",
        scenario.family,
        "--n",
        str(scenario.n),
        "--poll-interval",
        str(interval),
        "--emulators",
        json.dumps([emulator.spec for emulator in emulators]),
        "--out",
        str(out),
    ]
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
        command += ["--profile", str(Path(args.profile) / f"{scenario.key}.prof")]
    log = workdir / f"{scenario.key}.log"
    emulator_cpu = sum(emulator.cpu_seconds() for emulator in emulators)
    with log.open("w") as log_file:
        result = subprocess.run(command, stdout=log_file, stderr=subprocess.STDOUT, check=False)
    emulator_cpu = sum(emulator.cpu_seconds() for emulator in emulators) - emulator_cpu
    load = os.getloadavg()
    if result.returncode != 0:
        tail = log.read_text()[-3000:]
        raise RuntimeError(f"{scenario.label}: client exited with {result.returncode}:\n{tail}")
    report: dict[str, Any] = json.loads(out.read_text())
    by_emulator: dict[int, list[str]] = {}
    for job_id, index in report["jobs"].items():
        by_emulator.setdefault(index, []).append(job_id)
    finished: dict[str, float] = {}
    if scenario.impl != "idle":
        for index, job_ids in by_emulator.items():
            finished.update(emulators[index].finish_times(job_ids, workdir))
    latencies = [
        event[1] - finished[job_id] for job_id, event in report["events"].items() if event[0] == "success"
    ]
    report["latencies"] = latencies
    report["emulator_cpu_seconds"] = emulator_cpu
    report["load_average"] = load
    report["log"] = str(log)
    return report


def summarize(scenario: Scenario, report: dict[str, Any]) -> dict[str, Any]:
    n = report["n"]
    statuses: dict[str, int] = {}
    for status, _, _ in report["events"].values():
        statuses[status] = statuses.get(status, 0) + 1
    completed = statuses.get("success", 0) + statuses.get("failed", 0)
    errors = n - completed if scenario.impl != "idle" else n - statuses.get("idle", 0)
    # The idle waiters' "polls" are their timer wakes.
    polls = report["polls"] if scenario.impl != "idle" else n * report["wakes"]
    calls = polls + report["checks_at_once"] if scenario.impl != "idle" else polls
    waiting = report["rss_all_waiting"]
    latencies = report["latencies"]
    cpu = report["cpu_seconds"]
    return {
        "scenario": scenario.label,
        "impl": scenario.impl,
        "family": scenario.family,
        "schedule": report["schedule"],
        "n": n,
        "poll_interval_s": report["poll_interval"],
        "tick_s": report["tick"] if scenario.impl == "ours" else None,
        "expected_duration_s": report["expected_duration"],
        "polls": polls,
        "checks_at_once": report["checks_at_once"],
        "completed": completed,
        "calls_per_completed_job": round(calls / completed, 2) if completed else None,
        "cpu_s": round(cpu, 2),
        "cpu_per_poll_us": round(cpu / max(1, polls) * 1e6, 1),
        "cpu_per_completed_job_us": round(cpu / completed * 1e6, 1) if completed else None,
        "wait_s": round(report["wait_seconds"], 1),
        "rss_before_mb": round(report["rss_before"] / 2**20, 1),
        "rss_all_waiting_mb": None if waiting is None else round(waiting / 2**20, 1),
        "rss_peak_mb": round(report["rss_peak"] / 2**20, 1),
        "kb_per_waiting_trigger_rss": None
        if waiting is None
        else round((waiting - report["rss_before"]) / max(1, report["waiting_when_sampled"]) / 1024, 1),
        "waiting_when_sampled": report["waiting_when_sampled"],
        "kb_per_trigger_at_peak_rss": round((report["rss_peak"] - report["rss_before"]) / n / 1024, 1),
        "latency_p50_s": round(statistics.median(latencies), 2) if latencies else None,
        "latency_p99_s": round(percentile(latencies, 0.99), 2) if latencies else None,
        "latency_max_s": round(max(latencies), 2) if latencies else None,
        "longest_stall_s": round(report["longest_stall_seconds"], 3),
        "stalls_over_0_2": report["stalls_over_0_2"],
        "longest_stall_at_s": round(report["longest_stall_at_seconds"], 1),
        "longest_callback_s": round(report["longest_callback_seconds"], 3),
        "longest_callback": report["longest_callback"],
        "gc_share_of_cpu": round(report["gc_seconds"] / cpu, 4) if cpu else None,
        "gc_s": round(report["gc_seconds"], 3),
        "gc_longest_s": round(report["gc_longest_seconds"], 4),
        "gc_counts": report["gc_counts"],
        "gc_frozen": report["gc_frozen"],
        "statuses": statuses,
        "errors": errors,
        "exceptions": report["exceptions"],
        "warnings": report["warnings"],
        "transport": report["transport_used"],
        # TCP+TLS connections opened while waiting (each a handshake): keep-alive at work when few.
        "connections_opened": report.get("connections_opened"),
        # Submitting and waiting both: a share near 1 per emulator process means it was the bottleneck.
        "emulator_cpu_s": round(report["emulator_cpu_seconds"], 1),
        "load_average_after": [round(value, 2) for value in report["load_average"]],
    }


def run_memory_probe(n: int, emulators: list[EmulatorProcess], workdir: Path) -> dict[str, Any]:
    """``bench_waiting_memory.py`` at ``n``: bytes per waiting trigger and what Airflow contributes."""
    out = workdir / f"memory-{n}.json"
    log = workdir / f"memory-{n}.log"
    command = [
        PYTHON,
        str(HERE / "bench_waiting_memory.py"),
        "--n",
        str(n),
        "--emulators",
        json.dumps([emulator.spec for emulator in emulators]),
        "--out",
        str(out),
    ]
    with log.open("w") as log_file:
        result = subprocess.run(command, stdout=log_file, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"memory probe exited with {result.returncode}:\n{log.read_text()[-3000:]}")
    probe: dict[str, Any] = json.loads(out.read_text())
    return probe


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_summary(rows: list[dict[str, Any]]) -> None:
    print()
    header = (
        f"{'scenario':<38} {'polls':>7} {'calls/job':>9} {'CPU/poll':>9} {'CPU/job':>9} "
        f"{'p50':>5} {'p99':>5} {'max':>5} {'KB/trig':>7} {'peakRSS':>7} {'stall':>6} {'GC%':>5} "
        f"{'err':>4} {'load1':>5}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        job_ms = None if row["cpu_per_completed_job_us"] is None else row["cpu_per_completed_job_us"] / 1000
        gc_share = None if row["gc_share_of_cpu"] is None else row["gc_share_of_cpu"] * 100
        print(
            f"{row['scenario']:<38} {row['polls']:>7} {fmt(row['calls_per_completed_job'], '.2f'):>9} "
            f"{row['cpu_per_poll_us']:>7.0f}us {fmt(job_ms, '.2f'):>7}ms "
            f"{fmt(row['latency_p50_s'], '.1f'):>5} {fmt(row['latency_p99_s'], '.1f'):>5} "
            f"{fmt(row['latency_max_s'], '.1f'):>5} {fmt(row['kb_per_waiting_trigger_rss'], '.1f'):>7} "
            f"{row['rss_peak_mb']:>5.0f}MB {row['longest_stall_s']:>5.3f}s {fmt(gc_share, '.1f'):>5} "
            f"{row['errors']:>4} {row['load_average_after'][0]:>5.1f}"
        )
    print(
        "calls/job: API calls (the check at once + polls) per completed job; CPU/poll and CPU/job: the "
        "client process's CPU while waiting; p50/p99/max: seconds from the job's end to its event; "
        "KB/trig: RSS growth per waiting trigger once all polled; stall: the loop's longest lateness "
        "(0.1 s heartbeat); GC%: collector time / client CPU; load1: 1-minute load average after it."
    )


def print_memory(probe: dict[str, Any]) -> None:
    ours, bare, airflow = probe["ours"], probe["bare"], probe["airflow"]
    print()
    print(f"What a waiting trigger keeps alive (N={probe['n']}, tracemalloc, Airflow's heap frozen):")
    print(
        f"  ours: {ours['bytes_per_waiter'] / 1024:.2f} KB per waiting trigger; a bare asyncio waiter "
        f"(a task sleeping with its job id): {bare['bytes_per_waiter'] / 1024:.2f} KB"
    )
    print("  top allocation sites still alive, bytes per trigger:")
    for site in ours["top_sites"][:8]:
        print(f"    {site['bytes_per_waiter']:>7.0f}  {site['site']}")
    objects = ", ".join(f"{name} {count:g}" for name, count in list(ours["objects_per_waiter"].items())[:14])
    print(f"  gc-tracked objects per trigger: {objects}")
    print(
        f"  Airflow's triggerer imports leave {airflow['tracked_objects']:,} objects to the collector; "
        f"a full collection of them unfrozen: {airflow['full_collection_seconds_unfrozen']:.3f} s; "
        f"with them frozen, a full collection with {probe['n']:,} waiting triggers: "
        f"{ours['full_collection_seconds_frozen']:.3f} s (with as many bare asyncio waiters: "
        f"{bare.get('full_collection_seconds_frozen', float('nan')):.3f} s)"
    )


def print_goals(rows: list[dict[str, Any]], probe: dict[str, Any] | None) -> None:
    verdict = {True: "met", False: "MISSED"}

    def find(
        impl: str, n: int | None = None, schedule: str | None = None, family: str = "iproduction"
    ) -> dict[str, Any] | None:
        found = [
            row
            for row in rows
            if row["impl"] == impl
            and row.get("family", "iproduction") == family
            and (n is None or row["n"] == n)
            and (schedule is None or row["schedule"] == schedule)
        ]
        return max(found, key=lambda row: row["n"]) if found else None

    shipped = find("ours", schedule="shipped")
    if shipped is None:
        return
    n = shipped["n"]
    fixed = find("ours", n, "fixed")
    bare = find("bare", n)
    idle = find("idle")
    sdk = find("sdk")
    print()
    print(f"Goals (ours as shipped at N={n}; ratios against baselines of this run):")
    cpu = shipped["cpu_per_poll_us"]
    print(
        f"  client CPU per poll <= {GOAL_CPU_PER_POLL_US:.0f} us: {verdict[cpu <= GOAL_CPU_PER_POLL_US]} ({cpu:.0f} us)"
    )
    if cpu > GOAL_CPU_PER_POLL_US:
        if bare:
            print(
                f"    floor: a bare aiohttp poll at N={n} costs {bare['cpu_per_poll_us']:.0f} us "
                f"(ours {cpu / bare['cpu_per_poll_us']:.2f}x it)"
            )
        if idle:
            print(
                f"    floor: an empty timer wake at the same rate ({idle['n']} waiters every "
                f"{idle['poll_interval_s']:g} s) costs {idle['cpu_per_poll_us']:.0f} us"
            )
    if fixed:
        ratio = shipped["calls_per_completed_job"] / fixed["calls_per_completed_job"]
        p99_ok = shipped["latency_p99_s"] <= fixed["latency_p99_s"]
        print(
            f"  calls per completed job <= {GOAL_CALLS_RATIO}x fixed polling's at equal or better p99: "
            f"{verdict[ratio <= GOAL_CALLS_RATIO and p99_ok]} ({shipped['calls_per_completed_job']} vs "
            f"{fixed['calls_per_completed_job']} calls, {ratio:.2f}x; p99 {shipped['latency_p99_s']} s vs "
            f"{fixed['latency_p99_s']} s)"
        )
        print(
            f"    CPU per completed job: {shipped['cpu_per_completed_job_us']:.0f} us vs fixed "
            f"{fixed['cpu_per_completed_job_us']:.0f} us "
            f"({shipped['cpu_per_completed_job_us'] / fixed['cpu_per_completed_job_us']:.2f}x); CPU per poll "
            f"{cpu:.0f} vs {fixed['cpu_per_poll_us']:.0f} us ({cpu / fixed['cpu_per_poll_us']:.2f}x)"
        )
    stall = shipped["longest_stall_s"]
    print(
        f"  longest loop stall < {GOAL_STALL_S} s (heap frozen: {shipped['gc_frozen']}): "
        f"{verdict[stall < GOAL_STALL_S]} ({stall:.3f} s; longest collection {shipped['gc_longest_s']:.3f} s, "
        f"GC {shipped['gc_share_of_cpu'] * 100:.1f}% of CPU)"
    )
    if stall >= GOAL_STALL_S and bare:
        print(f"    floor: the bare aiohttp poller's longest stall at N={n}: {bare['longest_stall_s']:.3f} s")
    if stall >= GOAL_STALL_S and probe is not None and "full_collection_seconds_frozen" in probe["bare"]:
        print(
            f"    floor: a full collection with {probe['n']:,} bare asyncio waiters (no client at all) "
            f"{probe['bare']['full_collection_seconds_frozen']:.3f} s; with our waiting triggers "
            f"{probe['ours']['full_collection_seconds_frozen']:.3f} s"
        )
    if probe is not None:
        kb = probe["ours"]["bytes_per_waiter"] / 1024
        print(
            f"  memory per waiting trigger <= {GOAL_KB_PER_TRIGGER:.0f} KB: {verdict[kb <= GOAL_KB_PER_TRIGGER]} "
            f"({kb:.2f} KB by tracemalloc at N={probe['n']}; RSS growth {shipped['kb_per_waiting_trigger_rss']} KB, "
            f"which includes the connection pool's TLS buffers)"
        )
        if kb > GOAL_KB_PER_TRIGGER:
            print(f"    floor: a bare asyncio waiter {probe['bare']['bytes_per_waiter'] / 1024:.2f} KB")
    if sdk:
        ours_same_n = find("ours", sdk["n"], "shipped")
        if ours_same_n:
            ratio = sdk["cpu_per_poll_us"] / ours_same_n["cpu_per_poll_us"]
            per_job = sdk["cpu_per_completed_job_us"] / ours_same_n["cpu_per_completed_job_us"]
            print(
                f"  >= {GOAL_SDK_RATIO:.0f}x less CPU than the SDK at the same N ({sdk['n']}): "
                f"{verdict[ratio >= GOAL_SDK_RATIO]} (per poll {sdk['cpu_per_poll_us']:.0f} vs "
                f"{ours_same_n['cpu_per_poll_us']:.0f} us, {ratio:.1f}x; per completed job {per_job:.1f}x)"
            )
            if ratio < GOAL_SDK_RATIO and bare:
                print(f"    floor: bare aiohttp at N={bare['n']} {bare['cpu_per_poll_us']:.0f} us per poll")
        if sdk["n"] < n:
            needed = sdk["cpu_per_poll_us"] * 1e-6 * n / sdk["poll_interval_s"]
            print(
                f"    the SDK ran at N={sdk['n']} only: at N={n} its CPU per poll would need {needed:.1f} "
                f"cores of client CPU ({os.cpu_count()} on this machine)"
            )
    media = find("ours", schedule="shipped", family="media-producing")
    if media:
        same = find("ours", media["n"], "shipped")
        print(
            f"  a newer family waits on the same path (media producing, N={media['n']}, as shipped): "
            f"CPU per poll {media['cpu_per_poll_us']:.0f} us, per completed job "
            f"{media['cpu_per_completed_job_us']:.0f} us, {media['calls_per_completed_job']} calls per job, "
            f"p99 {media['latency_p99_s']} s, longest stall {media['longest_stall_s']:.3f} s"
            + (
                f"; IProduction at the same N: {same['cpu_per_poll_us']:.0f} us, "
                f"{same['cpu_per_completed_job_us']:.0f} us, {same['calls_per_completed_job']} calls, "
                f"p99 {same['latency_p99_s']} s ({media['cpu_per_completed_job_us'] / same['cpu_per_completed_job_us']:.2f}x "
                "the CPU per completed job)"
                if same
                else ""
            )
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="N=300 and 1,000, SDK N=100, shorter jobs")
    parser.add_argument(
        "--poll-interval", type=float, default=30.0, help="seconds between polls (default 30)"
    )
    parser.add_argument("--job-seconds", type=float, default=60.0, help="shortest job (default 60)")
    parser.add_argument("--job-seconds-max", type=float, default=120.0, help="longest job (default 120)")
    parser.add_argument(
        "--expected-duration",
        type=float,
        default=None,
        help="ours as shipped: the jobs' expected_duration (default: --job-seconds, the jobs' minimum)",
    )
    parser.add_argument(
        "--tick", type=float, default=1.0, help="ours as shipped: poll_tick_seconds (default 1)"
    )
    parser.add_argument(
        "--n", type=int, action="append", help="N of the pollers (repeatable; default 1000, 10000)"
    )
    parser.add_argument(
        "--sdk-n", type=int, default=1000, help="N of the SDK baseline (0 to skip; default 1000)"
    )
    parser.add_argument(
        "--compare-transports",
        type=int,
        default=0,
        metavar="N",
        help="also run the hook at this N over httpx's own transport",
    )
    parser.add_argument("--no-bare", action="store_true", help="skip the bare aiohttp poller")
    parser.add_argument(
        "--family-n",
        type=int,
        default=None,
        help="N of ours as shipped on media producing jobs, a newer family (0 to skip; default the smallest N)",
    )
    parser.add_argument("--no-memory-probe", action="store_true", help="skip bench_waiting_memory.py")
    parser.add_argument(
        "--keep-alive",
        type=float,
        default=75.0,
        help="seconds the emulators keep an idle connection open (default 75, nginx's default; uvicorn's is 5)",
    )
    parser.add_argument("--emulators", type=int, default=2, help="emulator processes (default 2)")
    parser.add_argument("--plain-http", action="store_true", help="HTTP instead of HTTPS (for comparison)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--profile", metavar="DIR", help="write a cProfile of each client's wait to DIR")
    args = parser.parse_args()
    if args.quick:
        args.n = args.n or [300, 1000]
        args.sdk_n = min(args.sdk_n, 100)
        args.poll_interval = min(args.poll_interval, 5.0)
        args.job_seconds, args.job_seconds_max = 10.0, 20.0
    if args.expected_duration is None:
        args.expected_duration = args.job_seconds
    sizes = args.n or [1000, 10000]

    scenarios = []
    for n in sizes:
        scenarios += [Scenario("ours", n, "shipped"), Scenario("ours", n, "fixed")]
        if not args.no_bare:
            scenarios.append(Scenario("bare", n))
    if args.compare_transports:
        scenarios.append(Scenario("ours", args.compare_transports, "shipped", "httpx"))
    family_n = min(sizes) if args.family_n is None else args.family_n
    if family_n:
        scenarios.append(Scenario("ours", family_n, "shipped", family="media-producing"))
    if args.sdk_n:
        scenarios.append(Scenario("sdk", args.sdk_n))
    # Timer wakes at the largest N's rate: a tenth of the waiters waking ten times as often.
    scenarios.append(Scenario("idle", max(sizes) // 10, poll_interval=args.poll_interval / 10))

    load_before = os.getloadavg()
    print(
        f"{'HTTP' if args.plain_http else 'HTTPS'} emulator x{args.emulators} (separate processes), "
        f"keep-alive {args.keep_alive:g}s, poll interval {args.poll_interval:g}s + jitter, "
        f"jobs of {args.job_seconds:g}-{args.job_seconds_max:g}s (uniform), shipped: tick {args.tick:g}s and "
        f"expected_duration {args.expected_duration:g}s; fixed: no ticks, first poll one interval after the "
        f"check at once; {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; load average "
        f"{load_before[0]:.2f} / {load_before[1]:.2f} / {load_before[2]:.2f}",
        flush=True,
    )
    print(f"command: {' '.join([Path(PYTHON).name, *sys.argv])}", flush=True)
    rows = []
    probe = None
    with tempfile.TemporaryDirectory(prefix="ice-bench-") as tmp:
        workdir = Path(tmp)
        emulators = [EmulatorProcess(args, seed) for seed in range(args.emulators)]
        try:
            for scenario in scenarios:
                started = time.monotonic()
                print(f"running {scenario.label} ...", flush=True)
                report = run_scenario(scenario, args, emulators, workdir)
                row = summarize(scenario, report)
                rows.append(row)
                print(f"  done in {time.monotonic() - started:.0f}s: {json.dumps(row)}", flush=True)
            if not args.no_memory_probe:
                print(f"running the memory probe, N={max(sizes)} ...", flush=True)
                # Jobs that never end within the probe: every trigger stays waiting.
                endless = argparse.Namespace(
                    **{**vars(args), "job_seconds": 86400.0, "job_seconds_max": 86400.0}
                )
                emulators.append(EmulatorProcess(endless, seed=99))
                probe = run_memory_probe(max(sizes), emulators[-1:], workdir)
                print(f"  {json.dumps(probe)}", flush=True)
        finally:
            for emulator in emulators:
                emulator.stop()
        load_after = os.getloadavg()
        print_summary(rows)
        if probe is not None:
            print_memory(probe)
        print_goals(rows, probe)
        print()
        print(
            f"load average (1 / 5 / 15 min) before {load_before[0]:.2f} / {load_before[1]:.2f} / "
            f"{load_before[2]:.2f}, after {load_after[0]:.2f} / {load_after[1]:.2f} / {load_after[2]:.2f} "
            f"({os.cpu_count()} cores)"
        )
        if args.json:
            Path(args.json).write_text(json.dumps({"rows": rows, "memory": probe}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
