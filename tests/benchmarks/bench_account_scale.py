"""Account-scale benchmark: mixed job families waited on by two triggerers under ICE's account limit.

    .venv/bin/python tests/benchmarks/bench_account_scale.py            # the full run (~65 minutes)
    .venv/bin/python tests/benchmarks/bench_account_scale.py --quick    # a smoke run (~5 minutes)

Figures, not a timed test (issue 22, "The benchmark"). One emulator process over HTTPS
(``bench_emulator.py``) enforces the account's limit of ``--qps-limit`` calls per second per action
(ICE's 100/s by default) for every client together. Each run:

* a submitter process (``bench_account_submitter.py``) submits ``--n`` jobs of four families
  (IProduction, media producing, media convert, snapshot; an equal share each) through our hook,
  which paces itself and retries when the emulator throttles it, and checks each once, as the
  operator does before deferring (not measured; how long it took is printed);
* two triggerer processes (``bench_account_triggerer.py``), each one event loop with Airflow's
  triggerer imported and its heap frozen, wait for the jobs as two triggerers split the triggers:
  job i goes to triggerer i % 2, each as soon as it is submitted (as deferring tasks start their
  triggers). Both use one connection: the same account. Jobs run a random ``--job-seconds`` to
  ``--job-seconds-max`` (uniform), polls every ``--poll-interval``.

It runs two scenarios one after the other, each on a fresh emulator: **shipped** (the triggers as
shipped: list checks for the list families, the duration-aware schedule for IProduction, the
adaptive pace) and **per-job Gets** (every family polls its own Get, as before list checks; the
rest as shipped). Then **IProduction's sustainable N**: IProduction alone at each ``--sweep-n``
(two triggerers, the same limit and interval), jobs of ``--sweep-job-seconds`` to
``--sweep-job-seconds-max`` polled from one interval after the check (expected duration 0), so
that all N are polled in a window from one interval after the last submit to the first job's
end: answered calls per second, throttled share, the effective interval between two answered polls
of a job (p50/p99) in that window, detection latency and failures.

Printed per family and scenario: the triggers' API calls per completed job (every list and Get
they made, counted in the client per action; the submitter's checks apart; the emulator's own
counters as a cross-check), throttled share, detection latency after the job ended (the emulator's
finish time at full precision against the event's time; p50/p99/max), client CPU per completed
job (per triggerer process: its families share one loop), the longest loop stall (lateness of a
0.1 s heartbeat), jobs lost, failed or timed out, the adaptive pace's warnings; the load average
before, during (sampled) and after; then the goals, met or not, each unmet one with the floor
measured in the same run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from account_families import FAMILIES, FAMILY_OF_ACTION, LIST_FAMILIES, Scenario
from triggerer_benchmark import EmulatorProcess, percentile

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
TRIGGERERS = 2

GOAL_LIST_CALLS_PER_JOB = 1.2
GOAL_THROTTLED_SHARE = 0.01
GOAL_LATENCY_MARGIN_S = 5.0
SUSTAINED_INTERVAL_MARGIN_S = 5.0
SCENARIO_LABELS = {Scenario.SHIPPED: "shipped", Scenario.GETS: "per-job Gets"}


@dataclass(frozen=True)
class Run:
    """One wait: which triggers, which jobs, on which account limit.

    :param label: its name in the figures.
    :param scenario: how the list families are read.
    :param mix: (family, count) of the jobs submitted.
    :param job_seconds: the shortest job; ``job_seconds_max``: the longest.
    :param expected_duration: the first poll this long after the submit (0: one interval after the check).
    :param record_polls: the triggerers note every answered poll (the effective interval).
    """

    label: str
    scenario: Scenario
    mix: tuple[tuple[str, int], ...]
    job_seconds: float
    job_seconds_max: float
    expected_duration: float
    record_polls: bool = False


class LoadSampler(threading.Thread):
    """The 1-minute load average every ``period`` seconds while a run goes on."""

    def __init__(self, period: float = 15.0) -> None:
        super().__init__(daemon=True)
        self.period = period
        self.samples: list[float] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.period):
            self.samples.append(os.getloadavg()[0])

    def stop(self) -> list[float]:
        self._stop_event.set()
        self.join()
        return self.samples


def emulator_counters(spec: dict[str, Any]) -> dict[str, Any]:
    response = httpx.get(f"{spec['url']}/_emulator/counters", verify=spec["ca_bundle"] or False, timeout=60)
    counters: dict[str, Any] = response.json()
    return counters


def wait_ready(paths: list[Path], processes: list[subprocess.Popen[bytes]], logs: list[Path]) -> None:
    while not all(path.exists() for path in paths):
        for process, log in zip(processes, logs, strict=True):
            if process.poll() is not None:
                raise RuntimeError(
                    f"a triggerer exited with {process.returncode}:\n{log.read_text()[-3000:]}"
                )
        time.sleep(0.2)


def run_wait(run: Run, args: argparse.Namespace, workdir: Path, seed: int) -> dict[str, Any]:
    """Start an emulator, two triggerers and the submitter; relay the jobs; collect the reports."""
    emulator_args = argparse.Namespace(
        job_seconds=run.job_seconds,
        job_seconds_max=run.job_seconds_max,
        plain_http=False,
        keep_alive=args.keep_alive,
        qps_limit=args.qps_limit,
    )
    load_before = os.getloadavg()
    emulator = EmulatorProcess(emulator_args, seed)
    key = f"{run.scenario.value}-{sum(count for _, count in run.mix)}-{seed}"
    try:
        spec = json.dumps(emulator.spec)
        emulator_cpu = emulator.cpu_seconds()
        outs = [workdir / f"{key}-triggerer-{i}.json" for i in range(TRIGGERERS)]
        ready = [workdir / f"{key}-triggerer-{i}.ready" for i in range(TRIGGERERS)]
        logs = [workdir / f"{key}-triggerer-{i}.log" for i in range(TRIGGERERS)]
        triggerers = []
        for i in range(TRIGGERERS):
            command = [
                PYTHON,
                str(HERE / "bench_account_triggerer.py"),
                "--scenario",
                run.scenario.value,
                "--poll-interval",
                str(args.poll_interval),
                "--tick",
                str(args.tick),
                "--job-timeout",
                str(run.job_seconds_max + args.grace),
                "--emulator",
                spec,
                "--out",
                str(outs[i]),
                "--ready",
                str(ready[i]),
            ]
            if run.record_polls:
                command.append("--record-polls")
            with logs[i].open("w") as log:
                triggerers.append(
                    subprocess.Popen(command, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT)
                )
        wait_ready(ready, triggerers, logs)
        sampler = LoadSampler(args.load_period)
        sampler.start()
        submitter_out = workdir / f"{key}-submitter.json"
        submitter_log = workdir / f"{key}-submitter.log"
        started = time.time()
        with submitter_log.open("w") as log:
            submitter = subprocess.Popen(
                [
                    PYTHON,
                    str(HERE / "bench_account_submitter.py"),
                    "--mix",
                    ",".join(f"{name}={count}" for name, count in run.mix),
                    "--emulator",
                    spec,
                    "--expected-duration",
                    str(run.expected_duration),
                    "--poll-interval",
                    str(args.poll_interval),
                    "--seed",
                    str(seed),
                    "--out",
                    str(submitter_out),
                ],
                stdout=subprocess.PIPE,
                stderr=log,
            )
            assert submitter.stdout is not None
            submitted = 0
            for raw in submitter.stdout:
                if not raw.startswith(b"JOB "):
                    continue  # the submitter's own logging, if any
                target = triggerers[int(raw.split()[1]) % TRIGGERERS].stdin
                assert target is not None
                target.write(raw)
                target.flush()
                submitted += 1
            if submitter.wait() != 0:
                raise RuntimeError(f"the submitter exited with {submitter.returncode}")
        submitted_by = time.time()
        for process in triggerers:
            assert process.stdin is not None
            process.stdin.close()
        for process, log in zip(triggerers, logs, strict=True):
            if process.wait() != 0:
                raise RuntimeError(
                    f"a triggerer exited with {process.returncode}:\n{log.read_text()[-3000:]}"
                )
        ended = time.time()
        load_samples = sampler.stop()
        reports = [json.loads(out.read_text()) for out in outs]
        job_ids = [job_id for report in reports for job_id in report["families"]]
        finished = emulator.finish_times(job_ids, workdir)
        counters = emulator_counters(emulator.spec)
        emulator_cpu = emulator.cpu_seconds() - emulator_cpu
    finally:
        emulator.stop()
    return {
        "run": run,
        "submitter": json.loads(submitter_out.read_text()),
        "submitted_relayed": submitted,
        "triggerers": reports,
        "finished": finished,
        "counters": counters,
        "emulator_cpu_seconds": emulator_cpu,
        "started": started,
        "submitted_by": submitted_by,
        "ended": ended,
        "load_before": load_before,
        "load_samples": load_samples,
        "load_after": os.getloadavg(),
    }


@dataclass
class FamilyFigures:
    """One family's figures in one run."""

    jobs: int = 0
    completed: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    answered: int = 0
    throttled: int = 0
    other: int = 0
    list_calls: int = 0
    get_calls: int = 0
    throttled_gets: int = 0


def family_figures(result: dict[str, Any]) -> dict[str, FamilyFigures]:
    figures = {name: FamilyFigures() for name, count in result["run"].mix if count}
    finished = result["finished"]
    for report in result["triggerers"]:
        for job_id, (name, status, at, _) in report["events"].items():
            figure = figures[name]
            figure.jobs += 1
            figure.statuses[status] = figure.statuses.get(status, 0) + 1
            if status in ("success", "failed"):
                figure.completed += 1
            if status == "success" and job_id in finished:
                figure.latencies.append(at - finished[job_id])
        calls = report["calls"]
        for kind in ("answered", "throttled", "other"):
            for action, n in calls[kind].items():
                name = FAMILY_OF_ACTION.get(action)
                if name not in figures or action.startswith("Submit"):
                    continue
                figure = figures[name]
                setattr(figure, kind, getattr(figure, kind) + n)
                if action.startswith("List"):
                    figure.list_calls += n
                else:
                    figure.get_calls += n
                    if kind == "throttled":
                        figure.throttled_gets += n
    return figures


def longest_round_gaps(result: dict[str, Any]) -> dict[str, float]:
    """Per list family: the longest time a triggerer's shared poller went without starting a round
    while it had members (from the 5 s samples; a round waits for all its Gets)."""
    names = {family.family.name: name for name, family in FAMILIES.items()}
    gaps: dict[str, float] = {}
    for report in result["triggerers"]:
        last: dict[str, tuple[float, int]] = {}
        for moment, _, pollers in report["samples"]:
            for kind, (members, rounds, _, _) in pollers.items():
                name = names.get(kind, kind)
                seen = last.get(kind)
                if seen is None or rounds != seen[1] or not members:
                    last[kind] = (moment, rounds)
                else:
                    gaps[name] = max(gaps.get(name, 0.0), moment - seen[0])
    return {name: round(gap, 1) for name, gap in gaps.items()}


def summarize_run(result: dict[str, Any]) -> dict[str, Any]:
    run: Run = result["run"]
    submitted = sum(count for _, count in run.mix)
    figures = family_figures(result)
    families = {}
    for name, figure in figures.items():
        calls = figure.answered + figure.throttled + figure.other
        lat = figure.latencies
        families[name] = {
            "jobs": figure.jobs,
            "completed": figure.completed,
            "statuses": figure.statuses,
            "trigger_calls": calls,
            "list_calls": figure.list_calls,
            "get_calls": figure.get_calls,
            "throttled_calls": figure.throttled,
            "throttled_gets": figure.throttled_gets,
            "other_failed_calls": figure.other,
            "calls_per_completed_job": round(calls / figure.completed, 3) if figure.completed else None,
            "list_calls_per_completed_job": round(figure.list_calls / figure.completed, 3)
            if figure.completed
            else None,
            "get_calls_per_completed_job": round(figure.get_calls / figure.completed, 3)
            if figure.completed
            else None,
            "throttled_share": round(figure.throttled / calls, 4) if calls else 0.0,
            "latency_p50_s": round(statistics.median(lat), 2) if lat else None,
            "latency_p99_s": round(percentile(lat, 0.99), 2) if lat else None,
            "latency_max_s": round(max(lat), 2) if lat else None,
        }
    triggerers = []
    for report in result["triggerers"]:
        completed = sum(1 for _, status, _, _ in report["events"].values() if status in ("success", "failed"))
        warnings = report["warnings"]
        triggerers.append(
            {
                "jobs": report["n"],
                "completed": completed,
                "cpu_s": round(report["cpu_seconds"], 2),
                "cpu_per_completed_job_ms": round(report["cpu_seconds"] / completed * 1000, 3)
                if completed
                else None,
                "longest_stall_s": round(report["longest_stall_seconds"], 3),
                "stalls_over_0_2": report["stalls_over_0_2"],
                "longest_callback_s": round(report["longest_callback_seconds"], 3),
                "gc_s": round(report["gc_seconds"], 2),
                "rss_peak_mb": round(report["rss_peak"] / 2**20, 1),
                "pace_warnings": sum(
                    n for msg, n in warnings.items() if "is throttling" in msg or "still throttling" in msg
                ),
                "retry_warnings": sum(n for msg, n in warnings.items() if "attempt %d failed" in msg),
                "missed_poll_warnings": sum(
                    n for msg, n in warnings.items() if msg.startswith("Polling %s job")
                ),
                "warnings": warnings,
                "exceptions": report["exceptions"],
            }
        )
    submitter = result["submitter"]
    submitter_calls = sum(
        sum(submitter["calls"][kind].values()) for kind in ("answered", "throttled", "other")
    )
    trigger_calls = sum(
        sum(report["calls"][kind].values())
        for report in result["triggerers"]
        for kind in ("answered", "throttled", "other")
    )
    counters = result["counters"]
    events = sum(len(report["events"]) for report in result["triggerers"])
    bad = {
        status: n
        for figure in figures.values()
        for status, n in figure.statuses.items()
        if status != "success"
    }
    all_latencies = [lat for figure in figures.values() for lat in figure.latencies]
    return {
        "label": run.label,
        "scenario": run.scenario.value,
        "n": submitted,
        "job_seconds": [run.job_seconds, run.job_seconds_max],
        "expected_duration_s": run.expected_duration,
        "submit_seconds": round(submitter["submit_seconds"], 1),
        "submitted": submitter["submitted"],
        "submit_failures": submitter["submit_failures"],
        "submitter_calls": submitter_calls,
        "submitter_throttled": sum(submitter["calls"]["throttled"].values()),
        "wait_seconds": round(result["ended"] - result["started"], 1),
        "families": families,
        "triggerers": triggerers,
        "cpu_per_completed_job_ms": round(
            sum(t["cpu_s"] for t in triggerers) / max(1, sum(t["completed"] for t in triggerers)) * 1000, 3
        ),
        "latency_p99_s": round(percentile(all_latencies, 0.99), 2) if all_latencies else None,
        "lost": submitted - events + sum(submitter["submit_failures"].values()),
        "not_success": bad,
        "page_bound_warnings": sum(
            n
            for report in result["triggerers"]
            for msg, n in report["warnings"].items()
            if msg.startswith("The lists of finished")
        ),
        "client_counted_calls": submitter_calls + trigger_calls,
        "emulator_requests": sum(counters["requests"].values()),
        "emulator_answered": sum(counters["answered"].values()),
        "emulator_faults": counters["faults"],
        "emulator_errors": counters["errors"],
        "emulator_cpu_s": round(result["emulator_cpu_seconds"], 1),
        "load_before": [round(x, 2) for x in result["load_before"]],
        "load_during": [round(x, 2) for x in result["load_samples"]],
        "load_after": [round(x, 2) for x in result["load_after"]],
        "timeline": timeline(result),
        "longest_round_gap_s": longest_round_gaps(result),
    }


def timeline(result: dict[str, Any], bucket: int = 10) -> dict[str, Any]:
    """How the run went, per ``bucket`` seconds from its start (for the JSON file, not printed): the
    triggers' calls per action (answered, throttled), jobs ended and events sent, and each
    triggerer's samples of its adaptive paces and shared pollers (members, rounds, list calls, Gets)."""
    started = result["started"]

    def at(moment: float) -> int:
        return int((moment - started) // bucket) * bucket

    calls: dict[int, dict[str, list[int]]] = {}
    for report in result["triggerers"]:
        for action, kind, second, n in report["calls"]["per_second"]:
            if kind == "other":
                continue
            counts = calls.setdefault(at(second), {}).setdefault(action, [0, 0])
            counts[0 if kind == "answered" else 1] += n
    ended: dict[int, int] = {}
    for moment in result["finished"].values():
        ended[at(moment)] = ended.get(at(moment), 0) + 1
    events: dict[int, int] = {}
    for report in result["triggerers"]:
        for _, _, moment, _ in report["events"].values():
            events[at(moment)] = events.get(at(moment), 0) + 1
    return {
        "bucket_s": bucket,
        "calls_answered_throttled": {str(k): calls[k] for k in sorted(calls)},
        "jobs_ended": {str(k): ended[k] for k in sorted(ended)},
        "events": {str(k): events[k] for k in sorted(events)},
        "samples": [
            [[round(moment - started, 1), paces, pollers] for moment, paces, pollers in report["samples"]]
            for report in result["triggerers"]
        ],
    }


def summarize_sweep(result: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """IProduction at one N: rates, throttling and intervals in the window where all N are polled."""
    summary = summarize_run(result)
    finished = result["finished"]
    start = result["submitted_by"] + args.poll_interval
    end = min(finished.values()) if finished else start
    per_second: dict[tuple[str, int], int] = {}
    for report in result["triggerers"]:
        for action, kind, second, n in report["calls"]["per_second"]:
            if action == "QueryIProductionJob" and start <= second and second + 1 <= end:
                per_second[(kind, second)] = per_second.get((kind, second), 0) + n
    window = max(0.0, float(int(end) - int(start) - 1)) if end > start else 0.0
    answered = sum(n for (kind, _), n in per_second.items() if kind == "answered")
    throttled = sum(n for (kind, _), n in per_second.items() if kind == "throttled")
    gaps = []
    for report in result["triggerers"]:
        for times in report["polls"].values():
            gaps += [later - earlier for earlier, later in itertools.pairwise(times) if start <= later <= end]
    family = summary["families"]["iproduction"]
    throttled_share = throttled / (answered + throttled) if answered + throttled else 0.0
    p99_interval = percentile(gaps, 0.99) if gaps else None
    return {
        "n": summary["n"],
        "window_s": round(window, 1),
        "answered_per_s": round(answered / window, 1) if window else None,
        "throttled_share_window": round(throttled_share, 4),
        "throttled_share_run": family["throttled_share"],
        "interval_p50_s": round(statistics.median(gaps), 1) if gaps else None,
        "interval_p99_s": None if p99_interval is None else round(p99_interval, 1),
        "interval_samples": len(gaps),
        "latency_p50_s": family["latency_p50_s"],
        "latency_p99_s": family["latency_p99_s"],
        "latency_max_s": family["latency_max_s"],
        "calls_per_completed_job": family["calls_per_completed_job"],
        "submit_seconds": summary["submit_seconds"],
        "lost": summary["lost"],
        "not_success": summary["not_success"],
        "pace_warnings": sum(t["pace_warnings"] for t in summary["triggerers"]),
        "missed_poll_warnings": sum(t["missed_poll_warnings"] for t in summary["triggerers"]),
        "sustained": bool(
            gaps
            and p99_interval is not None
            and p99_interval <= args.poll_interval + SUSTAINED_INTERVAL_MARGIN_S
            and throttled_share <= GOAL_THROTTLED_SHARE
        ),
        "load_during": summary["load_during"],
        "load_after": summary["load_after"],
    }


def fmt(value: float | None, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def print_run(summary: dict[str, Any]) -> None:
    print()
    print(
        f"{summary['label']}: N={summary['n']:,}, jobs {summary['job_seconds'][0]:g}-{summary['job_seconds'][1]:g} s; "
        f"submitted in {summary['submit_seconds']:.0f} s ({summary['submitter_calls']} submitter calls, "
        f"{summary['submitter_throttled']} throttled), all events after {summary['wait_seconds']:.0f} s"
    )
    header = (
        f"  {'family':<16} {'done':>6} {'calls/job':>9} {'lists/job':>9} {'Gets/job':>8} {'throttled':>9} "
        f"{'p50':>6} {'p99':>6} {'max':>6}  not success"
    )
    print(header)
    for name, fam in summary["families"].items():
        bad = {k: v for k, v in fam["statuses"].items() if k != "success"}
        print(
            f"  {name:<16} {fam['completed']:>6} {fmt(fam['calls_per_completed_job']):>9} "
            f"{fmt(fam['list_calls_per_completed_job']):>9} {fmt(fam['get_calls_per_completed_job']):>8} "
            f"{fam['throttled_share'] * 100:>8.2f}% {fmt(fam['latency_p50_s'], '.1f'):>6} "
            f"{fmt(fam['latency_p99_s'], '.1f'):>6} {fmt(fam['latency_max_s'], '.1f'):>6}  {bad or 0}"
        )
    for index, trig in enumerate(summary["triggerers"]):
        print(
            f"  triggerer {index}: {trig['jobs']} jobs, CPU {trig['cpu_s']:.1f} s = "
            f"{fmt(trig['cpu_per_completed_job_ms'], '.2f')} ms per completed job, longest stall "
            f"{trig['longest_stall_s']:.3f} s ({trig['stalls_over_0_2']} over 0.2 s), GC {trig['gc_s']:.1f} s, "
            f"peak RSS {trig['rss_peak_mb']:.0f} MB; warnings: {trig['pace_warnings']} pace, "
            f"{trig['retry_warnings']} retry, {trig['missed_poll_warnings']} missed poll"
        )
    if summary["longest_round_gap_s"] or summary["page_bound_warnings"]:
        print(
            f"  shared pollers: longest time without a round while waiting {summary['longest_round_gap_s']} s; "
            f"lists cut at their page bound (warnings): {summary['page_bound_warnings']}"
        )
    print(
        f"  lost {summary['lost']}, not success {summary['not_success'] or 0}; calls counted by the clients "
        f"{summary['client_counted_calls']:,}, requests the emulator received {summary['emulator_requests']:,} "
        f"(faults {summary['emulator_faults'] or 0}, errors {summary['emulator_errors'] or 0}); emulator CPU "
        f"{summary['emulator_cpu_s']:.0f} s; load before {summary['load_before'][0]:.2f}, during "
        f"{fmt(max(summary['load_during'], default=None))} max / "
        f"{fmt(statistics.mean(summary['load_during']) if summary['load_during'] else None)} mean, "
        f"after {summary['load_after'][0]:.2f}"
    )


def print_sweep(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print()
    print(
        f"IProduction alone, two triggerers, {args.qps_limit:g} calls/s per action, polls every "
        f"{args.poll_interval:g} s (theoretical ceiling {args.qps_limit * args.poll_interval:,.0f} jobs polled at once):"
    )
    header = (
        f"  {'N':>6} {'window':>7} {'answered/s':>10} {'throttled':>9} {'interval p50':>12} {'p99':>6} "
        f"{'latency p50':>11} {'p99':>6} {'max':>6} {'calls/job':>9} {'lost':>4}  sustained"
    )
    print(header)
    for row in rows:
        print(
            f"  {row['n']:>6,} {row['window_s']:>6.0f}s {fmt(row['answered_per_s'], '.1f'):>10} "
            f"{row['throttled_share_window'] * 100:>8.2f}% {fmt(row['interval_p50_s'], '.1f'):>12} "
            f"{fmt(row['interval_p99_s'], '.1f'):>6} {fmt(row['latency_p50_s'], '.1f'):>11} "
            f"{fmt(row['latency_p99_s'], '.1f'):>6} {fmt(row['latency_max_s'], '.1f'):>6} "
            f"{fmt(row['calls_per_completed_job']):>9} {row['lost']:>4}  "
            f"{'yes' if row['sustained'] else 'no'}{'' if not row['not_success'] else ' ' + str(row['not_success'])}"
        )
    if any(not row["window_s"] for row in rows):
        print("  (a window of 0 s: the jobs ended before all N were polled; give longer --sweep-job-seconds)")
    print(
        "  window: from one interval after the last submit to the first job's end (all N polled); answered/s "
        "and throttled: the triggers' QueryIProductionJob calls in it; interval: between two answered polls "
        f"of a job ending in it; sustained: p99 interval <= {args.poll_interval:g} + {SUSTAINED_INTERVAL_MARGIN_S:g} s "
        f"and throttled <= {GOAL_THROTTLED_SHARE * 100:g}%"
    )


def print_goals(
    runs: dict[str, dict[str, Any]], sweep: list[dict[str, Any]], args: argparse.Namespace
) -> None:
    verdict = {True: "met", False: "NOT met"}
    shipped, gets = runs.get("shipped"), runs.get("gets")
    print()
    print("Goals (shipped; per-job Gets of the same run as the baseline):")
    if shipped is None:
        return
    for name in LIST_FAMILIES:
        fam = shipped["families"].get(name)
        if not fam or fam["calls_per_completed_job"] is None:
            continue
        ok = fam["calls_per_completed_job"] <= GOAL_LIST_CALLS_PER_JOB
        base = gets["families"][name]["calls_per_completed_job"] if gets else None
        print(
            f"  {name}: <= {GOAL_LIST_CALLS_PER_JOB} calls per completed job: {verdict[ok]} "
            f"({fam['calls_per_completed_job']:.2f}: {fam['list_calls_per_completed_job']:.2f} lists + "
            f"{fam['get_calls_per_completed_job']:.2f} Gets; per-job Gets {fmt(base)})"
        )
        if not ok:
            done = fam["completed"]
            answered_gets = (fam["get_calls"] - fam["throttled_gets"] - fam["other_failed_calls"]) / done
            print(
                f"    floor: one Get per finished job, since the list item lacks what the XCom holds (1.00); "
                f"above it: lists {fam['list_calls_per_completed_job']:.2f}, answered Gets beyond one "
                f"{answered_gets - 1:.2f} (jobs read with Gets when a list was cut at its page bound: "
                f"{shipped['page_bound_warnings']} such warnings in the run), throttled Gets "
                f"{fam['throttled_gets'] / done:.2f} per job"
            )
    throttled = [fam["throttled_calls"] for fam in shipped["families"].values()]
    calls = [fam["trigger_calls"] for fam in shipped["families"].values()]
    share = sum(throttled) / max(1, sum(calls))
    lost_ok = shipped["lost"] == 0 and not shipped["not_success"]
    print(
        f"  throttled calls <= {GOAL_THROTTLED_SHARE * 100:g}% with shipped and no job lost: "
        f"{verdict[share <= GOAL_THROTTLED_SHARE and lost_ok]} ({share * 100:.2f}% of the triggers' calls; "
        f"lost {shipped['lost']}, not success {shipped['not_success'] or 0}"
        + (f"; per-job Gets: {_throttled_share(gets) * 100:.2f}%, lost {gets['lost']})" if gets else ")")
    )
    if share > GOAL_THROTTLED_SHARE:
        worst = max(shipped["families"].items(), key=lambda item: item[1]["throttled_share"])
        print(
            f"    floor: the most throttled family is {worst[0]} ({worst[1]['throttled_share'] * 100:.2f}%); "
            f"the submitter's checks on the same actions were throttled {shipped['submitter_throttled']} times"
        )
    bound = args.poll_interval + GOAL_LATENCY_MARGIN_S
    for name in LIST_FAMILIES:
        fam = shipped["families"].get(name)
        if not fam or fam["latency_p99_s"] is None:
            continue
        ok = fam["latency_p99_s"] <= bound
        base = gets["families"][name]["latency_p99_s"] if gets else None
        print(
            f"  {name}: p99 detection latency <= {bound:g} s: {verdict[ok]} ({fam['latency_p99_s']:.1f} s; "
            f"per-job Gets {fmt(base, '.1f')} s)"
        )
        if not ok:
            gap = shipped["longest_round_gap_s"].get(name)
            print(
                f"    in the way: the family's shared poller started no round for up to {fmt(gap, '.0f')} s "
                f"while it had members (a round waits for all its Gets; sampled every 5 s); IProduction's "
                f"own Gets in the same run: p99 "
                f"{fmt(shipped['families'].get('iproduction', {}).get('latency_p99_s'), '.1f')} s"
            )
    if sweep:
        sustained = [row["n"] for row in sweep if row["sustained"]]
        beyond = [row for row in sweep if not row["sustained"] and row["n"] > max(sustained, default=0)]
        tried = ", ".join(f"{row['n']:,}" for row in sweep)
        print(
            f"  IProduction's largest sustained N (of {tried}): {max(sustained):,}"
            if sustained
            else f"  IProduction: none of N = {tried} was sustained"
        )
        for row in beyond:
            print(
                f"    beyond it, N={row['n']:,}: interval p99 {fmt(row['interval_p99_s'], '.1f')} s, latency p99 "
                f"{fmt(row['latency_p99_s'], '.1f')} s, throttled {row['throttled_share_window'] * 100:.2f}%, "
                f"lost {row['lost']}, not success {row['not_success'] or 0}"
            )


def _throttled_share(summary: dict[str, Any]) -> float:
    throttled = sum(fam["throttled_calls"] for fam in summary["families"].values())
    return throttled / max(1, sum(fam["trigger_calls"] for fam in summary["families"].values()))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: small N, short jobs, 5 s polls, 10/s"
    )
    parser.add_argument(
        "--n", type=int, default=10_000, help="jobs of the mixed runs (a quarter each family)"
    )
    parser.add_argument("--poll-interval", type=float, default=30.0)
    parser.add_argument("--tick", type=float, default=1.0, help="[alibaba_ice] poll_tick_seconds")
    parser.add_argument("--qps-limit", type=float, default=100.0, help="the account's calls/s per action")
    parser.add_argument("--job-seconds", type=float, default=60.0)
    parser.add_argument("--job-seconds-max", type=float, default=600.0)
    parser.add_argument(
        "--expected-duration",
        type=float,
        default=None,
        help="mixed runs: the first poll this long after the submit (default --job-seconds)",
    )
    parser.add_argument("--sweep-n", type=int, action="append", help="IProduction's N (repeatable; 0 skips)")
    parser.add_argument("--sweep-job-seconds", type=float, default=None, help="default 210")
    parser.add_argument("--sweep-job-seconds-max", type=float, default=None, help="default 270")
    parser.add_argument(
        "--scenarios", default="shipped,gets", help="mixed runs to make (shipped, gets; empty for none)"
    )
    parser.add_argument(
        "--families",
        default=",".join(FAMILIES),
        help=f"mixed runs: the families, an equal share of --n each (default {','.join(FAMILIES)})",
    )
    parser.add_argument("--keep-alive", type=float, default=75.0)
    parser.add_argument(
        "--grace", type=float, default=600.0, help="each trigger's deadline past the longest job"
    )
    parser.add_argument("--load-period", type=float, default=15.0)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if args.quick:
        args.n = min(args.n, 400)
        args.poll_interval = min(args.poll_interval, 5.0)
        args.qps_limit = min(args.qps_limit, 10.0)
        args.job_seconds, args.job_seconds_max = 10.0, 40.0
        args.sweep_n = args.sweep_n or [30, 50, 80, 120]
        args.sweep_job_seconds = args.sweep_job_seconds or 60.0
        args.sweep_job_seconds_max = args.sweep_job_seconds_max or 70.0
        args.grace = min(args.grace, 120.0)
        args.load_period = min(args.load_period, 5.0)
    args.sweep_n = [n for n in (args.sweep_n or [2000, 3000, 4000, 6000]) if n]
    args.sweep_job_seconds = args.sweep_job_seconds or 210.0
    args.sweep_job_seconds_max = args.sweep_job_seconds_max or 270.0
    expected = args.job_seconds if args.expected_duration is None else args.expected_duration
    families = args.families.split(",")
    mix = tuple((name, args.n // len(families)) for name in families)

    load_before = os.getloadavg()
    print(
        f"HTTPS emulator (one process, {args.qps_limit:g} calls/s per action for all clients, keep-alive "
        f"{args.keep_alive:g} s), two triggerer processes on one connection, polls every {args.poll_interval:g} s "
        f"(tick {args.tick:g} s); {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; load average "
        f"{load_before[0]:.2f} / {load_before[1]:.2f} / {load_before[2]:.2f}; "
        f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}",
        flush=True,
    )
    print(f"command: {' '.join([Path(PYTHON).name, *sys.argv])}", flush=True)
    runs: dict[str, dict[str, Any]] = {}
    sweep: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="ice-account-bench-") as tmp:
        workdir = Path(tmp)
        for seed, name in enumerate(s for s in args.scenarios.split(",") if s):
            scenario = Scenario(name)
            run = Run(
                SCENARIO_LABELS[scenario], scenario, mix, args.job_seconds, args.job_seconds_max, expected
            )
            began = time.monotonic()
            print(f"running {run.label}, N={args.n:,} ...", flush=True)
            summary = summarize_run(run_wait(run, args, workdir, seed))
            runs[name] = summary
            print(f"  done in {time.monotonic() - began:.0f} s", flush=True)
            print_run(summary)
        for n in args.sweep_n:
            run = Run(
                f"IProduction N={n}",
                Scenario.SHIPPED,
                (("iproduction", n),),
                args.sweep_job_seconds,
                args.sweep_job_seconds_max,
                0.0,
                record_polls=True,
            )
            began = time.monotonic()
            print(f"running IProduction alone, N={n:,} ...", flush=True)
            row = summarize_sweep(run_wait(run, args, workdir, 100 + n), args)
            sweep.append(row)
            print(f"  done in {time.monotonic() - began:.0f} s: {json.dumps(row)}", flush=True)
    if sweep:
        print_sweep(sweep, args)
    print_goals(runs, sweep, args)
    load_after = os.getloadavg()
    print()
    print(
        f"load average (1 / 5 / 15 min) before {load_before[0]:.2f} / {load_before[1]:.2f} / {load_before[2]:.2f}, "
        f"after {load_after[0]:.2f} / {load_after[1]:.2f} / {load_after[2]:.2f} ({os.cpu_count()} cores)"
    )
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "runs": runs, "sweep": sweep}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
