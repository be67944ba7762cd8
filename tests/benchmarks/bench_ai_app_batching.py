"""AI-app benchmark: N Yike AI-app triggers waiting in one event loop, single gets against batched.

    .venv/bin/python tests/benchmarks/bench_ai_app_batching.py           # N = 100, 500, 1000 (~2 minutes)
    .venv/bin/python tests/benchmarks/bench_ai_app_batching.py --quick   # N = 50, 200

Figures, not a timed test. The emulator runs in its own process (``python -m airflow_ice.emulator``,
HTTPS with a throwaway CA unless ``--plain-http``), so its CPU is not counted. For each N the
client submits N AI-app jobs (not measured) that all run longer than the measured wait, then waits
for them in one event loop twice:

- **single gets**: the base trigger polling alone (``GetYikeAIAppJob`` per job per interval), what
  every trigger did before batching;
- **batched**: ``IceYikeAIAppJobTrigger`` (``BatchGetYikeAIAppJob`` for up to ``--batch-size`` ids).

Printed per run: rounds (checks each trigger received, averaged), status calls per round (calls
the emulator counted / rounds), client CPU per waiting job (process CPU time of the wait / N) and
per check, and how many triggers ended early (an error: none should). Each run waits ``--wait`` seconds, then the emulator's jobs are
left to finish on their own (the runs are cancelled, as a triggerer would on shutdown).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Before Airflow is imported: a throw-away home, no examples, quiet task logs.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-ice-bench-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")

import httpx

from airflow_ice.families.yike_ai_app import YIKE_AI_APP
from airflow_ice.hooks.ice import IceHook
from airflow_ice.jobs.family import IceJob
from airflow_ice.triggers.base import IceJobTrigger
from airflow_ice.triggers.yike_ai_app import IceYikeAIAppJobTrigger

STATUS_ACTIONS = ("GetYikeAIAppJob", "BatchGetYikeAIAppJob")


class SingleGetTrigger(IceJobTrigger):
    """The base trigger on AI-app jobs: one GetYikeAIAppJob per job per interval (the baseline)."""

    family = YIKE_AI_APP

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checks = 0

    async def poll_job(self, hook: IceHook, remaining: float | None) -> IceJob | None:
        job = await super().poll_job(hook, remaining)
        self.checks += job is not None
        return job


class BatchedTrigger(IceYikeAIAppJobTrigger):
    """The AI-app trigger, counting the checks it receives."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checks = 0

    async def poll_job(self, hook: IceHook, remaining: float | None) -> IceJob | None:
        job = await super().poll_job(hook, remaining)
        self.checks += job is not None
        return job


@dataclass
class RunResult:
    """What one wait measured."""

    mode: str
    n: int
    rounds: float
    status_calls: int
    cpu_seconds: float
    wall_seconds: float
    ended_early: int

    @property
    def calls_per_round(self) -> float:
        return self.status_calls / self.rounds if self.rounds else float("nan")

    @property
    def cpu_ms_per_job(self) -> float:
        return self.cpu_seconds / self.n * 1e3

    @property
    def cpu_us_per_check(self) -> float:
        checks = self.rounds * self.n
        return self.cpu_seconds / checks * 1e6 if checks else float("nan")


class EmulatorProcess:
    """The emulator command line in a subprocess, on a free port."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.ca_file = None if args.plain_http else workdir / "emulator-ca.pem"
        command = [
            sys.executable,
            "-m",
            "airflow_ice.emulator",
            "--port",
            "0",
            "--job-seconds",
            str(args.wait * 10),
            "--ai-app-batch-limit",
            str(max(args.batch_size, 20)),
            # The benchmark compares the calls and CPU of batched and one-by-one checks of N jobs
            # per round, not throttling: ICE's account limit (100 a second) would stretch the
            # one-by-one rounds and blur the comparison.
            "--no-qps-limit",
        ]
        if self.ca_file is not None:
            command += ["--tls", "--tls-ca-file", str(self.ca_file)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        if not self.url:
            raise RuntimeError("the emulator did not start")

    def connection_json(self) -> str:
        extra: dict[str, Any] = {"endpoint": self.url, "max_retries": 2, "timeout": 30}
        if self.ca_file is not None:
            extra["ca_bundle"] = str(self.ca_file)
        return json.dumps(
            {
                "conn_type": "alibaba_ice",
                "login": "emulator-access-key-id",
                "password": "emulator-access-key-secret",
                "extra": extra,
            }
        )

    def admin(self, path: str, method: str = "GET") -> dict[str, Any]:
        verify: Any = str(self.ca_file) if self.ca_file else True
        with httpx.Client(verify=verify) as client:
            response = client.request(method, f"{self.url}/_emulator/{path}")
            response.raise_for_status()
            result: dict[str, Any] = response.json()
            return result

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


async def submit_jobs(n: int) -> list[str]:
    hook = IceHook()
    try:
        gate = asyncio.Semaphore(32)

        async def one(index: int) -> str:
            async with gate:
                return await hook.asubmit_yike_ai_app_job({"app_id": "app-bench", "app_params": {"n": index}})

        return list(await asyncio.gather(*(one(index) for index in range(n))))
    finally:
        await hook.aclose()


async def wait_for(triggers: list[Any], seconds: float) -> int:
    """Run the triggers for ``seconds`` and cancel them; return how many ended early (none should)."""

    async def drain(trigger: Any) -> int:
        return len([event async for event in trigger.run()])

    tasks = [asyncio.create_task(drain(trigger)) for trigger in triggers]
    await asyncio.sleep(seconds)
    ended = sum(1 for task in tasks if task.done())
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return ended


def status_calls(emulator: EmulatorProcess) -> int:
    requests = emulator.admin("counters")["requests"]
    return sum(int(requests.get(action, 0)) for action in STATUS_ACTIONS)


def measure(mode: str, job_ids: list[str], args: argparse.Namespace, emulator: EmulatorProcess) -> RunResult:
    if mode == "single gets":
        triggers: list[Any] = [SingleGetTrigger(job_id=j, poll_interval=args.poll_interval) for j in job_ids]
    else:
        triggers = [
            BatchedTrigger(job_id=j, poll_interval=args.poll_interval, batch_size=args.batch_size)
            for j in job_ids
        ]
    calls_before = status_calls(emulator)
    cpu_before, wall_before = time.process_time(), time.perf_counter()
    ended_early = asyncio.run(wait_for(triggers, args.wait))
    cpu, wall = time.process_time() - cpu_before, time.perf_counter() - wall_before
    rounds = sum(trigger.checks for trigger in triggers) / len(triggers)
    return RunResult(
        mode, len(job_ids), rounds, status_calls(emulator) - calls_before, cpu, wall, ended_early
    )


def print_table(results: list[RunResult], args: argparse.Namespace) -> None:
    transport = "HTTP" if args.plain_http else "HTTPS"
    print(
        f"\nYike AI-app jobs waiting in one event loop ({transport}, poll every {args.poll_interval:g}s, "
        f"batch size {args.batch_size}, {args.wait:g}s per run)"
    )
    header = (
        f"{'N':>6}  {'mode':<12} {'rounds':>7} {'calls/round':>12} {'CPU ms/job':>11} "
        f"{'CPU us/check':>13} {'ended early':>12}"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        print(
            f"{result.n:>6}  {result.mode:<12} {result.rounds:>7.1f} {result.calls_per_round:>12.1f} "
            f"{result.cpu_ms_per_job:>11.2f} {result.cpu_us_per_check:>13.0f} {result.ended_early:>12}"
        )
    print()
    by_n: dict[int, dict[str, RunResult]] = {}
    for result in results:
        by_n.setdefault(result.n, {})[result.mode] = result
    for n, modes in by_n.items():
        single, batched = modes.get("single gets"), modes.get("batched")
        if single and batched and batched.calls_per_round and batched.cpu_us_per_check:
            # Per check, not per run: single gets may manage fewer rounds in the same time.
            print(
                f"N={n}: batching makes {single.calls_per_round / batched.calls_per_round:.0f}x fewer calls "
                f"per round and spends {single.cpu_us_per_check / batched.cpu_us_per_check:.1f}x less client "
                "CPU per check"
            )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", default="100,500,1000", help="comma-separated N (default 100,500,1000)")
    parser.add_argument("--quick", action="store_true", help="N = 50 and 200, shorter waits")
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--poll-interval", type=float, default=1.0)
    parser.add_argument("--wait", type=float, default=10.0, help="seconds each run waits")
    parser.add_argument("--plain-http", action="store_true", help="HTTP instead of HTTPS")
    args = parser.parse_args()
    sizes = [50, 200] if args.quick else [int(part) for part in args.jobs.split(",") if part.strip()]
    if args.quick:
        args.wait = min(args.wait, 5.0)
    with tempfile.TemporaryDirectory(prefix="airflow-ice-bench-") as workdir:
        emulator = EmulatorProcess(args, Path(workdir))
        try:
            os.environ["AIRFLOW_CONN_ICE_DEFAULT"] = emulator.connection_json()
            results = []
            for n in sizes:
                job_ids = asyncio.run(submit_jobs(n))
                for mode in ("single gets", "batched"):
                    result = measure(mode, job_ids, args, emulator)
                    print(
                        f"N={n} {mode}: {result.rounds:.1f} rounds, {result.status_calls} status calls, "
                        f"{result.cpu_seconds:.2f}s CPU",
                        flush=True,
                    )
                    results.append(result)
                emulator.admin("reset", method="POST")
        finally:
            emulator.stop()
    print_table(results, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
