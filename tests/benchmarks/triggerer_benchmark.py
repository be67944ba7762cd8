"""Triggerer benchmark: N IProduction triggers in one process against the emulator over HTTPS.

    .venv/bin/python tests/benchmarks/triggerer_benchmark.py            # the full run (~9 minutes)
    .venv/bin/python tests/benchmarks/triggerer_benchmark.py --quick    # small N, for a smoke check

Figures, not a timed test. The emulator runs in separate processes (``bench_emulator.py``) so its
CPU is not counted; each scenario runs in a fresh client process (``bench_client.py``) that
submits N jobs (not measured), then waits for all of them in one event loop, polling every
``--poll-interval`` seconds with jitter while jobs finish at random times. Printed per scenario:
client CPU per poll (process CPU time of the wait / polls the emulators received), RSS before,
while all N wait and at peak, RSS per waiting trigger, event latency after job completion
(event time minus the emulator's record of when the job finished: p50, p99, max), and errors.
The official SDK's async client (``query_iproduction_job_async``) is the baseline, at a smaller
N because it spends tens of milliseconds of CPU per HTTPS call.
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
GOAL_KB_PER_TRIGGER = 25.0
GOAL_LATENCY_SLACK_S = 2.0


@dataclass(frozen=True)
class Scenario:
    """One client run: which implementation, transport, how many jobs."""

    impl: str
    n: int
    transport: str = "default"

    @property
    def label(self) -> str:
        if self.impl == "sdk":
            return f"official SDK, N={self.n}"
        if self.impl == "bare":
            return f"bare aiohttp (floor), N={self.n}"
        if self.transport == "default":
            return f"airflow_ice, N={self.n}"
        return f"airflow_ice ({self.transport}), N={self.n}"


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
    out = workdir / f"{scenario.impl}-{scenario.transport}-{scenario.n}.json"
    command = [
        PYTHON,
        str(HERE / "bench_client.py"),
        "--impl",
        scenario.impl,
        "--transport",
        scenario.transport,
        "--n",
        str(scenario.n),
        "--poll-interval",
        str(args.poll_interval),
        "--emulators",
        json.dumps([emulator.spec for emulator in emulators]),
        "--out",
        str(out),
    ]
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
        command += [
            "--profile",
            str(Path(args.profile) / f"{scenario.impl}-{scenario.transport}-{scenario.n}.prof"),
        ]
    log = workdir / f"{scenario.impl}-{scenario.transport}-{scenario.n}.log"
    emulator_cpu = sum(emulator.cpu_seconds() for emulator in emulators)
    with log.open("w") as log_file:
        result = subprocess.run(command, stdout=log_file, stderr=subprocess.STDOUT, check=False)
    emulator_cpu = sum(emulator.cpu_seconds() for emulator in emulators) - emulator_cpu
    load = os.getloadavg()[0]
    if result.returncode != 0:
        tail = log.read_text()[-3000:]
        raise RuntimeError(f"{scenario.label}: client exited with {result.returncode}:\n{tail}")
    report: dict[str, Any] = json.loads(out.read_text())
    by_emulator: dict[int, list[str]] = {}
    for job_id, index in report["jobs"].items():
        by_emulator.setdefault(index, []).append(job_id)
    finished: dict[str, float] = {}
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


def summarize(scenario: Scenario, report: dict[str, Any], poll_interval: float) -> dict[str, Any]:
    n = report["n"]
    statuses: dict[str, int] = {}
    for status, _, _ in report["events"].values():
        statuses[status] = statuses.get(status, 0) + 1
    errors = n - statuses.get("success", 0)
    polls = max(1, report["polls"])
    waiting = report["rss_all_waiting"]
    latencies = report["latencies"]
    return {
        "scenario": scenario.label,
        "n": n,
        "polls": report["polls"],
        "cpu_s": round(report["cpu_seconds"], 2),
        "cpu_per_poll_us": round(report["cpu_seconds"] / polls * 1e6, 1),
        "wait_s": round(report["wait_seconds"], 1),
        "rss_before_mb": round(report["rss_before"] / 2**20, 1),
        "rss_all_waiting_mb": None if waiting is None else round(waiting / 2**20, 1),
        "rss_peak_mb": round(report["rss_peak"] / 2**20, 1),
        "kb_per_waiting_trigger": None
        if waiting is None
        else round((waiting - report["rss_before"]) / max(1, report["waiting_when_sampled"]) / 1024, 1),
        "waiting_when_sampled": report["waiting_when_sampled"],
        "kb_per_trigger_at_peak": round((report["rss_peak"] - report["rss_before"]) / n / 1024, 1),
        "latency_p50_s": round(statistics.median(latencies), 2) if latencies else None,
        "latency_p99_s": round(percentile(latencies, 0.99), 2) if latencies else None,
        "latency_max_s": round(max(latencies), 2) if latencies else None,
        "latency_goal_s": poll_interval + GOAL_LATENCY_SLACK_S,
        "statuses": statuses,
        "errors": errors,
        "exceptions": report["exceptions"],
        "warnings": report["warnings"],
        "transport": report["transport_used"],
        # TCP+TLS connections opened while waiting (each a handshake): keep-alive at work when few.
        "connections_opened": report.get("connections_opened"),
        # Submitting and waiting both: a share near 1 per emulator process means it was the bottleneck.
        "emulator_cpu_s": round(report["emulator_cpu_seconds"], 1),
        "machine_load_1min": round(report["load_average"], 1),
    }


def print_summary(rows: list[dict[str, Any]]) -> None:
    print()
    header = (
        f"{'scenario':<38} {'polls':>7} {'CPU/poll':>10} {'KB/trigger':>10} {'peak RSS':>9} "
        f"{'p50':>6} {'p99':>6} {'max':>6} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        kb = row["kb_per_waiting_trigger"]
        print(
            f"{row['scenario']:<38} {row['polls']:>7} {row['cpu_per_poll_us']:>8.0f}µs "
            f"{'-' if kb is None else f'{kb:.1f}':>10} {row['rss_peak_mb']:>7.0f}MB "
            f"{row['latency_p50_s'] or float('nan'):>6.1f} {row['latency_p99_s'] or float('nan'):>6.1f} "
            f"{row['latency_max_s'] or float('nan'):>6.1f} {row['errors']:>6}"
        )


def print_goals(rows: list[dict[str, Any]], poll_interval: float) -> None:
    ours = [row for row in rows if row["scenario"].startswith("airflow_ice, ")]
    sdk = [row for row in rows if row["scenario"].startswith("official")]
    largest = max(ours, key=lambda row: (row["n"], -row["cpu_per_poll_us"]))
    print()
    print("Goals (largest N of airflow_ice):")
    verdict = {True: "met", False: "MISSED"}
    print(
        f"  {largest['n']} concurrent waits, no errors: {verdict[largest['errors'] == 0]} ({largest['errors']} errors)"
    )
    p99 = largest["latency_p99_s"]
    goal = poll_interval + GOAL_LATENCY_SLACK_S
    print(f"  p99 event latency <= {goal:.0f}s: {verdict[p99 is not None and p99 <= goal]} ({p99}s)")
    cpu = largest["cpu_per_poll_us"]
    print(
        f"  client CPU per poll <= {GOAL_CPU_PER_POLL_US:.0f}µs: {verdict[cpu <= GOAL_CPU_PER_POLL_US]} ({cpu:.0f}µs)"
    )
    if sdk:
        ratio = sdk[0]["cpu_per_poll_us"] / cpu
        print(
            f"  CPU per poll <= 1/{GOAL_SDK_RATIO:.0f} of the SDK's: {verdict[ratio >= GOAL_SDK_RATIO]} "
            f"(SDK {sdk[0]['cpu_per_poll_us']:.0f}µs, ratio {ratio:.1f}x)"
        )
    kb = largest["kb_per_waiting_trigger"]
    how = f"{kb} KB while all waited"
    if kb is None:  # not sampled: the peak is an upper bound
        kb = largest["kb_per_trigger_at_peak"]
        how = f"{kb} KB at peak RSS, an upper bound"
    print(
        f"  memory per waiting trigger <= {GOAL_KB_PER_TRIGGER:.0f} KB: {verdict[kb <= GOAL_KB_PER_TRIGGER]} ({how})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="N=200 and N=1,000, SDK N=50, short jobs")
    parser.add_argument(
        "--poll-interval", type=float, default=30.0, help="seconds between polls (default 30)"
    )
    parser.add_argument("--job-seconds", type=float, default=60.0, help="shortest job (default 60)")
    parser.add_argument("--job-seconds-max", type=float, default=120.0, help="longest job (default 120)")
    parser.add_argument(
        "--n", type=int, action="append", help="N of airflow_ice (repeatable; default 1000, 10000)"
    )
    parser.add_argument(
        "--sdk-n", type=int, default=200, help="N of the SDK baseline (0 to skip; default 200)"
    )
    parser.add_argument(
        "--compare-transports",
        type=int,
        default=0,
        metavar="N",
        help="also run the hook at this N over httpx's own transport",
    )
    parser.add_argument(
        "--bare-n",
        type=int,
        default=1000,
        help="N of the bare-aiohttp floor (sign, POST, decode JSON; 0 to skip; default 1000)",
    )
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
        args.n = args.n or [200, 1000]
        args.sdk_n = min(args.sdk_n, 50)
        args.bare_n = min(args.bare_n, 1000)
        args.poll_interval = min(args.poll_interval, 5.0)
        args.job_seconds, args.job_seconds_max = 8.0, 16.0
    sizes = args.n or [1000, 10000]

    scenarios = [Scenario("ours", n) for n in sizes]
    if args.compare_transports:
        scenarios.append(Scenario("ours", args.compare_transports, "httpx"))
    if args.bare_n:
        scenarios.append(Scenario("bare", args.bare_n))
    if args.sdk_n:
        scenarios.append(Scenario("sdk", args.sdk_n))

    print(
        f"{'HTTP' if args.plain_http else 'HTTPS'} emulator x{args.emulators} (separate processes), "
        f"keep-alive {args.keep_alive:g}s, poll interval {args.poll_interval:g}s + jitter, "
        f"jobs of {args.job_seconds:g}-{args.job_seconds_max:g}s, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}",
        flush=True,
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="ice-bench-") as tmp:
        workdir = Path(tmp)
        emulators = [EmulatorProcess(args, seed) for seed in range(args.emulators)]
        try:
            for scenario in scenarios:
                started = time.monotonic()
                print(f"running {scenario.label} ...", flush=True)
                report = run_scenario(scenario, args, emulators, workdir)
                row = summarize(scenario, report, args.poll_interval)
                rows.append(row)
                print(f"  done in {time.monotonic() - started:.0f}s: {json.dumps(row)}", flush=True)
        finally:
            for emulator in emulators:
                emulator.stop()
        print_summary(rows)
        print_goals(rows, args.poll_interval)
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
