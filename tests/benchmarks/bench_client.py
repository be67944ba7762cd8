"""Benchmark helper: one process acting as the triggerer, waiting for N jobs of one family.

Run by ``triggerer_benchmark.py``, not by hand. It submits N jobs (not measured), then waits for
all of them in one event loop and measures only the wait:

* ``--impl ours``: N triggers of the ``--family`` (:class:`IceIProductionJobTrigger` by default;
  ``media-producing``: :class:`IceMediaProducingJobTrigger`) run as tasks, as the triggerer runs them
  (optionally with ``--transport httpx``: httpx's own async client under the same hook);
  with ``--schedule shipped`` (the shared ticks and the duration-aware first poll at the job's
  expected minimum, ``--expected-duration``) or ``--schedule fixed`` (the behaviour before: no
  ticks, ``[alibaba_ice] poll_tick_seconds = 0``, expected duration 0: first poll one interval
  after the check at once);
* ``--impl sdk``: the same polling loop (interval, jitter) with the official SDK's async client,
  ``Client.query_iproduction_job_async``;
* ``--impl bare``: the same polling loop with the least an asyncio client does per poll;
* ``--impl idle``: waiters that only wake on timers at the same rate (``--wakes`` each), no poll:
  what an empty timer wake costs.

Every job is checked once right after it is submitted, as the operator does before deferring
(counted as a call, not in the triggerer's CPU); the first poll is at
:func:`~airflow_ice.jobs.waiting.first_poll_time` of the schedule (``fixed`` for bare and SDK).

It writes a JSON report to ``--out``: CPU seconds and polls during the wait, RSS before, while all
wait, and at peak, each job's event status and wall-clock time, warnings logged, the event loop's
longest stall (lateness of a 0.1 s heartbeat, as Airflow's triggerer watchdog measures it) and the
garbage collector's time (``gc.callbacks``). Airflow's triggerer is imported first and the heap
frozen (``gc.freeze()``) before the wait, as the deployment test's trigger runner does.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import json
import logging
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import psutil

COVER = {
    "function_name": "Cover",
    "input": {"Type": "OSS", "Media": "oss://bench/in/video.mp4"},
    "output": {"Type": "OSS", "Media": "oss://bench/out/cover/"},
}
# A timeline edit of the highlight pipeline's shape (example_ice_highlight_pipeline.py).
EDIT = {
    "timeline": {
        "VideoTracks": [
            {
                "VideoTrackClips": [
                    {
                        "MediaURL": "https://bench.oss-cn-shanghai.aliyuncs.com/in/video.mp4",
                        "In": 0,
                        "Out": 8,
                    },
                    {
                        "MediaURL": "https://bench.oss-cn-shanghai.aliyuncs.com/in/video.mp4",
                        "In": 30,
                        "Out": 38,
                    },
                ]
            }
        ]
    },
    "output_media_config": {"MediaURL": "https://bench.oss-cn-shanghai.aliyuncs.com/out/highlight.mp4"},
}
SUBMIT_CONCURRENCY = 64


@dataclass(frozen=True)
class BenchFamily:
    """A job family the benchmark waits on.

    :param query_actions: the actions that check the family's jobs, as the emulator counts them (a
        family ICE lists is checked by its list of finished jobs and one Get per finished job).
    :param trigger: the trigger class's dotted path.
    :param submit: submits one job through a hook, returns its id.
    :param check: reads one job through a hook (the operator's check at once).
    """

    query_actions: tuple[str, ...]
    trigger: str
    submit: Callable[[Any], Awaitable[str]]
    check: Callable[[Any, str], Awaitable[Any]]

    def trigger_class(self) -> Any:
        module, _, name = self.trigger.rpartition(".")
        return getattr(importlib.import_module(module), name)


FAMILIES = {
    "iproduction": BenchFamily(
        ("QueryIProductionJob",),
        "airflow_ice.triggers.iproduction.IceIProductionJobTrigger",
        lambda hook: hook.asubmit_iproduction_job(COVER),
        lambda hook, job_id: hook.aquery_iproduction_job(job_id),
    ),
    "media-producing": BenchFamily(
        ("GetMediaProducingJob", "ListMediaProducingJobs"),
        "airflow_ice.triggers.media_producing.IceMediaProducingJobTrigger",
        lambda hook: hook.asubmit_media_producing_job(EDIT),
        lambda hook, job_id: hook.aget_media_producing_job(job_id),
    ),
}
IPRODUCTION = FAMILIES["iproduction"]
TERMINAL = ("Success", "Fail")


class RssSampler(threading.Thread):
    """Samples the process RSS every ``period`` seconds in a thread (never on the loop)."""

    def __init__(self, period: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.period = period
        self.peak = 0
        self._stop_event = threading.Event()
        self._process = psutil.Process()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            self._stop_event.wait(self.period)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        self.peak = max(self.peak, self._process.memory_info().rss)
        return self.peak


class WarningCounter(logging.Handler):
    """Counts WARNING and worse records, by their message template."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[str(record.msg)[:80]] += 1


class LoopWatch:
    """The event loop's longest stall and the collector's time, measured on the loop being watched.

    A heartbeat sleeps :data:`BEAT` seconds; its lateness is what Airflow's triggerer watchdog
    sees (it warns above 0.2 s). ``gc.callbacks`` time every collection. Every loop callback
    (``asyncio.Handle._run``) is timed too, to name the longest one (a stall is either one long
    callback or many in one loop iteration).
    """

    BEAT = 0.1

    def __init__(self) -> None:
        self.longest_stall = 0.0
        self.stalls_over_0_2 = 0
        self.gc_seconds = 0.0
        self.gc_longest = 0.0
        self.gc_counts = [0, 0, 0]
        self.gc_longest_by_generation = [0.0, 0.0, 0.0]
        self._gc_started = 0.0
        self._task: asyncio.Task[None] | None = None
        self.longest_callback = 0.0
        self.longest_callback_name = ""
        self._stall_at = 0.0
        self._started = time.monotonic()
        self._real_run = asyncio.events.Handle._run

    def _timed_run(self, handle: asyncio.Handle) -> None:
        started = time.perf_counter()
        self._real_run(handle)
        took = time.perf_counter() - started
        if took > self.longest_callback:
            self.longest_callback = took
            self.longest_callback_name = repr(handle)[:200]

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
            return
        took = time.perf_counter() - self._gc_started
        generation = info["generation"]
        self.gc_seconds += took
        self.gc_longest = max(self.gc_longest, took)
        self.gc_counts[generation] += 1
        self.gc_longest_by_generation[generation] = max(self.gc_longest_by_generation[generation], took)

    async def _beat(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(self.BEAT)
            late = loop.time() - before - self.BEAT
            if late > self.longest_stall:
                self.longest_stall = late
                self._stall_at = time.monotonic() - self._started
            self.stalls_over_0_2 += late > 0.2

    def start(self) -> None:
        gc.callbacks.append(self._on_gc)
        watch = self

        def timed_run(handle: asyncio.Handle) -> None:
            watch._timed_run(handle)

        asyncio.events.Handle._run = timed_run  # type: ignore[method-assign]
        self._task = asyncio.create_task(self._beat())

    def stop(self) -> dict[str, Any]:
        gc.callbacks.remove(self._on_gc)
        asyncio.events.Handle._run = self._real_run  # type: ignore[method-assign]
        if self._task is not None:
            self._task.cancel()
        return {
            "longest_stall_seconds": self.longest_stall,
            "longest_stall_at_seconds": self._stall_at,
            "longest_callback_seconds": self.longest_callback,
            "longest_callback": self.longest_callback_name,
            "stalls_over_0_2": self.stalls_over_0_2,
            "gc_seconds": self.gc_seconds,
            "gc_longest_seconds": self.gc_longest,
            "gc_counts": self.gc_counts,
            "gc_longest_by_generation": self.gc_longest_by_generation,
        }


@dataclass(frozen=True)
class Job:
    """A submitted job: where it runs and when its waiter first polls."""

    job_id: str
    index: int
    first_poll_at: float


def rss() -> int:
    return psutil.Process().memory_info().rss


class ConnectionCounter:
    """Counts the TCP (and TLS) connections aiohttp opens: each costs a handshake, far more than a poll."""

    def __init__(self) -> None:
        self.opened = 0

    def install(self) -> None:
        import aiohttp

        real = aiohttp.TCPConnector._create_connection
        counter = self

        async def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
            counter.opened += 1
            return await real(self, *args, **kwargs)

        aiohttp.TCPConnector._create_connection = counting  # type: ignore[method-assign]


CONNECTIONS = ConnectionCounter()


class Emulators:
    """The emulator processes' URLs and CA files, and admin reads of their counters."""

    def __init__(self, specs: list[dict[str, Any]], family: BenchFamily = IPRODUCTION) -> None:
        self.specs = specs
        self.query_actions = family.query_actions
        self._admin: list[httpx.AsyncClient] = []

    def queries(self) -> int:
        """The family's polls received so far, over all emulators (blocking, outside the wait)."""
        total = 0
        for spec in self.specs:
            response = httpx.get(f"{spec['url']}/_emulator/counters", verify=spec["ca_bundle"] or False)
            counted = response.json()["requests"]
            total += sum(counted.get(action, 0) for action in self.query_actions)
        return total

    def open_admin(self) -> None:
        """Admin clients made before the measurement (their TLS set-up is not counted)."""
        # Generous timeout: at the start the emulators are busy with N first polls.
        self._admin = [
            httpx.AsyncClient(verify=spec["ca_bundle"] or False, timeout=120) for spec in self.specs
        ]

    async def close_admin(self) -> None:
        for client in self._admin:
            await client.aclose()

    async def aqueries(self) -> int:
        total = 0
        for spec, client in zip(self.specs, self._admin, strict=True):
            for attempt in range(3):
                try:
                    response = await client.get(f"{spec['url']}/_emulator/counters")
                    break
                except httpx.TransportError:  # e.g. an idle connection the server just closed
                    if attempt == 2:
                        raise
            counted = response.json()["requests"]
            total += sum(counted.get(action, 0) for action in self.query_actions)
        return total


def conn_id(index: int) -> str:
    return f"ice_bench_{index}"


def set_connections(emulators: Emulators) -> None:
    from airflow_ice.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET

    for index, spec in enumerate(emulators.specs):
        extra: dict[str, Any] = {"endpoint": spec["url"], "max_retries": 8}
        if spec["ca_bundle"]:
            extra["ca_bundle"] = spec["ca_bundle"]
        os.environ[f"AIRFLOW_CONN_{conn_id(index).upper()}"] = json.dumps(
            {
                "conn_type": "alibaba_ice",
                "login": DEFAULT_ACCESS_KEY_ID,
                "password": DEFAULT_ACCESS_KEY_SECRET,
                "extra": extra,
            }
        )


async def submit_and_check(
    count: int,
    emulators: Emulators,
    expected_seconds: float,
    poll_interval: float,
    on_job: Callable[[Job], None] | None = None,
    family: BenchFamily = IPRODUCTION,
) -> list[Job]:
    """Submit ``count`` jobs of the family (covers by default) and check each at once, as the
    operator does before deferring.

    :param expected_seconds: the jobs' expected minimum duration (0: the schedule before issue 10).
    :param on_job: told of each job as soon as it is checked.
    :param family: what to submit and check.
    """
    from airflow_ice.hooks.ice import IceHook
    from airflow_ice.jobs.waiting import first_poll_time

    hooks = [IceHook(conn_id(index)) for index in range(len(emulators.specs))]
    gate = asyncio.Semaphore(SUBMIT_CONCURRENCY)

    async def one(number: int) -> Job:
        index = number % len(hooks)
        async with gate:
            submitted_at = time.time()
            job_id = await family.submit(hooks[index])
            await family.check(hooks[index], job_id)
        first = first_poll_time(
            submitted_at=submitted_at,
            expected_seconds=expected_seconds,
            checked_at=time.time(),
            poll_interval=poll_interval,
        )
        job = Job(job_id, index, first)
        if on_job is not None:
            on_job(job)
        return job

    try:
        return list(await asyncio.gather(*(one(number) for number in range(count))))
    finally:
        for hook in hooks:
            await hook.aclose()


def use_transport(name: str) -> str:
    """Put the named transport under every hook's engine (same hook, same signing); its label.

    ``default``: aiohttp's (what the engine uses); ``httpx``: httpx's own async client.
    """
    from airflow_ice.client import engine, pool

    if name == "default":
        factory = pool.default_transport_factory()
        return f"{factory.__module__}.{getattr(factory, '__name__', '')}"
    engine.SHARED_CLIENTS = pool.AsyncClientPool(transport_factory=pool.httpx_transport_factory())
    return "httpx's own"


Waiter = Callable[[], Awaitable[tuple[str, str]]]
WaiterFactory = Callable[["Job"], Waiter]


def our_waiters(poll_interval: float, deadline: float, family: BenchFamily) -> WaiterFactory:
    trigger_class = family.trigger_class()

    def waiter(job: Job) -> Callable[[], Awaitable[tuple[str, str]]]:
        async def wait() -> tuple[str, str]:
            trigger = trigger_class(
                job_id=job.job_id,
                ice_conn_id=conn_id(job.index),
                poll_interval=poll_interval,
                deadline=deadline,
                first_poll_at=job.first_poll_at,
            )
            async for event in trigger.run():
                payload = event.payload
                return payload["status"], "" if payload["status"] == "success" else payload["message"]
            return "no-event", ""

        return wait

    return waiter


async def sleep_until(when: float) -> None:
    wait = when - time.time()
    if wait > 0:
        await asyncio.sleep(wait)


def sdk_waiters(poll_interval: float, deadline: float, emulators: Emulators) -> WaiterFactory:
    from alibabacloud_ice20201109 import models as ice_models
    from alibabacloud_ice20201109.client import Client
    from alibabacloud_tea_openapi import models as open_api_models

    from airflow_ice.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET

    clients = []
    for spec in emulators.specs:
        scheme, _, endpoint = spec["url"].partition("://")
        config = open_api_models.Config(
            access_key_id=DEFAULT_ACCESS_KEY_ID,
            access_key_secret=DEFAULT_ACCESS_KEY_SECRET,
            endpoint=endpoint,
            protocol=scheme,
            region_id="cn-shanghai",
            ca=spec["ca_bundle"],
            read_timeout=30_000,
            connect_timeout=10_000,
        )
        clients.append(Client(config))

    def waiter(job_id: str, index: int, first_poll_at: float) -> Callable[[], Awaitable[tuple[str, str]]]:
        async def wait() -> tuple[str, str]:
            failures = 0
            await sleep_until(first_poll_at)
            while True:
                try:
                    response = await clients[index].query_iproduction_job_async(
                        ice_models.QueryIProductionJobRequest(job_id=job_id)
                    )
                except Exception as exc:  # the SDK raises many kinds; count and keep waiting, as we do
                    failures += 1
                    if failures > 5:
                        return "error", f"{type(exc).__name__}: {str(exc)[:200]}"
                else:
                    failures = 0
                    if response.body.status in TERMINAL:
                        return ("success" if response.body.status == "Success" else "failed"), ""
                if time.time() > deadline:
                    return "timeout", ""
                await asyncio.sleep(poll_interval * (1 + random.uniform(0, 0.1)))

        return wait

    return lambda job: waiter(job.job_id, job.index, job.first_poll_at)


class BareClient:
    """The least a Python asyncio client can do per poll: sign, one aiohttp POST over TLS, decode JSON.

    A reference floor, not a client: no retries, errors, models or trigger; one shared
    ``aiohttp.ClientSession`` per emulator, the same pool size and keep-alive as the hook's.
    """

    def __init__(self, emulators: Emulators) -> None:
        self.specs = emulators.specs
        self.sessions: list[Any] = []

    async def open(self) -> None:
        import ssl

        import aiohttp

        from airflow_ice.client.pool import MAX_CONNECTIONS

        for spec in self.specs:
            context = ssl.create_default_context(cafile=spec["ca_bundle"]) if spec["ca_bundle"] else None
            connector = aiohttp.TCPConnector(
                ssl=context or False, limit=MAX_CONNECTIONS, keepalive_timeout=30.0
            )
            self.sessions.append(aiohttp.ClientSession(connector=connector, auto_decompress=False))

    async def close(self) -> None:
        for session in self.sessions:
            await session.close()

    async def status(self, job_id: str, index: int) -> str | None:
        from yarl import URL

        from airflow_ice.client.config import ICE_API_VERSION
        from airflow_ice.client.signing import Credentials, sign_request
        from airflow_ice.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET

        url = self.specs[index]["url"]
        signed = sign_request(
            action="QueryIProductionJob",
            version=ICE_API_VERSION,
            host=url.partition("://")[2],
            credentials=Credentials(DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET),
            query={"JobId": job_id},
        )
        async with self.sessions[index].post(
            URL(f"{url}/?{signed.query_string}", encoded=True), headers=signed.headers
        ) as response:
            body = json.loads(await response.read())
        status: str | None = body.get("Status")
        return status


def bare_waiters(poll_interval: float, deadline: float, client: BareClient) -> WaiterFactory:
    """The triggers' polling (interval, jitter, first poll at ``first_poll_at``) with :class:`BareClient`."""

    def waiter(job_id: str, index: int, first_poll_at: float) -> Callable[[], Awaitable[tuple[str, str]]]:
        async def wait() -> tuple[str, str]:
            await sleep_until(first_poll_at)
            while True:
                status = await client.status(job_id, index)
                if status in TERMINAL:
                    return ("success" if status == "Success" else "failed"), ""
                if time.time() > deadline:
                    return "timeout", ""
                await asyncio.sleep(poll_interval * (1 + random.uniform(-0.05, 0.05)))

        return wait

    return lambda job: waiter(job.job_id, job.index, job.first_poll_at)


def idle_waiters(poll_interval: float, wakes: int) -> WaiterFactory:
    """Waiters that wake ``wakes`` times at the pollers' rate and do nothing: an empty timer wake."""

    def waiter(first_poll_at: float) -> Callable[[], Awaitable[tuple[str, str]]]:
        async def wait() -> tuple[str, str]:
            await sleep_until(first_poll_at)
            for _ in range(wakes - 1):
                await asyncio.sleep(poll_interval * (1 + random.uniform(-0.05, 0.05)))
            return "idle", ""

        return wait

    return lambda job: waiter(job.first_poll_at)


async def warm_up(impl: str, jobs: list[Job], emulators: Emulators, family: BenchFamily) -> list[Any]:
    """Hooks that polled once and stay open during the measurement (none for the SDK)."""
    if impl != "ours":
        return []
    from airflow_ice.hooks.ice import IceHook

    first_job = {job.index: job.job_id for job in reversed(jobs)}
    hooks = []
    for index in range(len(emulators.specs)):
        hook = IceHook(conn_id(index))
        await family.check(hook, first_job[index])
        hooks.append(hook)
    return hooks


async def submitted_jobs(args: argparse.Namespace, expected: float) -> AsyncIterator[Job]:
    """The jobs a separate process submits and checks, each as soon as it is checked.

    Submitting is the workers' work, not the triggerer's, so it runs in its own process; and
    triggers start as their tasks defer, spread over the submission as in a deployment, instead of
    all at once after it (10,000 submissions take minutes here, longer than the jobs run).
    """
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--submit-only",
        "--n",
        str(args.n),
        "--expected-duration",
        str(expected),
        "--poll-interval",
        str(args.poll_interval),
        "--emulators",
        args.emulators,
        "--out",
        os.devnull,
        "--impl",
        args.impl,
        "--family",
        args.family,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    async for line in process.stdout:
        kind, *fields = line.decode().split()
        if kind == "JOB":  # anything else is the submitter's logging
            yield Job(fields[0], int(fields[1]), float(fields[2]))
    if await process.wait() != 0:
        raise RuntimeError(f"the submitter exited with {process.returncode}")


async def submit_only(args: argparse.Namespace, emulators: Emulators) -> None:
    def announce(job: Job) -> None:
        print(f"JOB {job.job_id} {job.index} {job.first_poll_at!r}", flush=True)

    await submit_and_check(
        args.n, emulators, args.expected_duration, args.poll_interval, announce, FAMILIES[args.family]
    )


async def wait_all(args: argparse.Namespace, emulators: Emulators, profiler: Any = None) -> dict[str, Any]:
    family = FAMILIES[args.family]
    expected = args.expected_duration if args.impl == "ours" and args.schedule == "shipped" else 0.0
    deadline = time.time() + args.wait_timeout
    # Jobs only to warm up connections and lazily built state before the baseline (not waited for).
    warm_jobs = (
        []
        if args.impl == "idle"
        else await submit_and_check(2 * len(emulators.specs), emulators, 0.0, 1.0, None, family)
    )
    bare = None
    factory: WaiterFactory
    if args.impl == "sdk":
        factory = sdk_waiters(args.poll_interval, deadline, emulators)
    elif args.impl == "bare":
        bare = BareClient(emulators)
        await bare.open()
        for job in warm_jobs:  # connect and warm up before the baseline
            await bare.status(job.job_id, job.index)
        factory = bare_waiters(args.poll_interval, deadline, bare)
    elif args.impl == "idle":
        factory = idle_waiters(args.poll_interval, args.wakes)
    else:
        factory = our_waiters(args.poll_interval, deadline, family)
    events: dict[str, list[Any]] = {}
    exceptions: Counter[str] = Counter()
    # Warm up before the baseline: one query per connection through a hook kept open (so the
    # shared client, its session and lazily built state count as the process baseline).
    warm = await warm_up(args.impl, warm_jobs, emulators, family)
    queries_before = emulators.queries()
    emulators.open_admin()
    await emulators.aqueries()  # connect before the measurement

    gc.collect()
    if args.gc_freeze:
        gc.freeze()  # Airflow's heap and the call path, as the deployment test's trigger runner does
    rss_before = rss()
    sampler = RssSampler()
    sampler.start()
    watch = LoopWatch()
    watch.start()
    cpu_before = time.process_time()
    connections_before = CONNECTIONS.opened
    started = time.time()

    async def run(job_id: str, wait: Waiter) -> None:
        try:
            status, message = await wait()
        except Exception as exc:
            exceptions[f"{type(exc).__name__}: {str(exc)[:120]}"] += 1
            status, message = "exception", repr(exc)[:300]
        events[job_id] = [status, time.time(), message]

    tasks: list[asyncio.Task[None]] = []
    jobs: dict[str, int] = {}

    def start(job: Job) -> None:
        jobs[job.job_id] = job.index
        tasks.append(asyncio.create_task(run(job.job_id, factory(job))))

    if args.impl == "idle":
        for number in range(args.n):
            start(Job(f"idle-{number}", 0, time.time() + random.uniform(0, args.poll_interval)))
    else:
        async for job in submitted_jobs(args, expected):
            start(job)
    checks = 0 if args.impl == "idle" else len(tasks)
    # "All waiting": every trigger has polled at least once (the few whose job already ended are
    # not counted as waiting).
    rss_waiting = None
    waiting = 0
    while rss_waiting is None and not all(task.done() for task in tasks):
        await asyncio.sleep(0.5)
        if await emulators.aqueries() - queries_before - checks >= len(jobs):
            rss_waiting = rss()
            waiting = len(jobs) - len(events)
    await emulators.close_admin()
    for hook in warm:
        await hook.aclose()
    if profiler is not None:
        profiler.enable()
    await asyncio.gather(*tasks)
    if profiler is not None:
        profiler.disable()
    cpu = time.process_time() - cpu_before
    loop_figures = watch.stop()
    connections_opened = CONNECTIONS.opened - connections_before
    if bare is not None:
        await bare.close()
    elapsed = time.time() - started
    rss_peak = sampler.stop()
    polls = emulators.queries() - queries_before - checks
    return {
        "impl": args.impl,
        "family": args.family,
        "transport": args.transport,
        "n": len(jobs),
        "poll_interval": args.poll_interval,
        "cpu_seconds": cpu,
        "wait_seconds": elapsed,
        "polls": polls,
        "rss_before": rss_before,
        "rss_all_waiting": rss_waiting,
        "waiting_when_sampled": waiting,
        "rss_peak": rss_peak,
        "jobs": jobs,
        "checks_at_once": checks,
        "schedule": args.schedule if args.impl == "ours" else "fixed",
        "expected_duration": expected,
        "tick": args.tick,
        "gc_frozen": args.gc_freeze,
        "wakes": args.wakes if args.impl == "idle" else None,
        **loop_figures,
        "events": events,
        "exceptions": dict(exceptions),
        "connections_opened": connections_opened,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--impl", choices=("ours", "sdk", "bare", "idle"), required=True)
    parser.add_argument(
        "--schedule",
        choices=("shipped", "fixed"),
        default="shipped",
        help="ours: ticks and the expected-duration first poll (shipped), or neither (fixed)",
    )
    parser.add_argument(
        "--expected-duration", type=float, default=60.0, help="shipped: the jobs' expected minimum"
    )
    parser.add_argument("--tick", type=float, default=1.0, help="shipped: [alibaba_ice] poll_tick_seconds")
    parser.add_argument("--wakes", type=int, default=5, help="idle: timer wakes per waiter")
    parser.add_argument(
        "--no-gc-freeze", dest="gc_freeze", action="store_false", help="leave the heap unfrozen"
    )
    parser.add_argument("--transport", choices=("default", "httpx"), default="default")
    parser.add_argument(
        "--family", choices=sorted(FAMILIES), default="iproduction", help="ours: the jobs' family"
    )
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--poll-interval", type=float, required=True)
    parser.add_argument("--wait-timeout", type=float, default=600.0)
    parser.add_argument("--emulators", required=True, help="JSON list of {url, ca_bundle}")
    parser.add_argument("--out", required=True)
    parser.add_argument("--profile", help="write a cProfile of the wait (after all polled once) here")
    parser.add_argument("--submit-only", action="store_true", help="submit and check, print each job")
    args = parser.parse_args()
    if args.submit_only:
        specs = Emulators(json.loads(args.emulators), FAMILIES[args.family])
        asyncio.run(submit_only(args, specs))
        return 0
    if args.family != "iproduction" and args.impl != "ours":
        parser.error("--family: only our triggers wait on other families (bare and SDK poll IProduction)")
    if args.impl == "ours" and args.schedule == "fixed":
        args.tick = 0.0  # no shared ticks: every wait a timer of its own, as before issue 10
    os.environ["AIRFLOW__ALIBABA_ICE__POLL_TICK_SECONDS"] = str(args.tick)

    CONNECTIONS.install()
    emulators = Emulators(json.loads(args.emulators), FAMILIES[args.family])
    set_connections(emulators)
    warnings = WarningCounter()
    logging.getLogger().addHandler(warnings)
    # Imported before the baseline so that module code is not counted as per-trigger memory; the
    # triggerer's own modules too, so the process holds Airflow's heap as a trigger runner does.
    import airflow.jobs.triggerer_job_runner  # noqa: F401

    FAMILIES[args.family].trigger_class()

    transport = {"ours": None, "sdk": "aiohttp (the SDK's own)", "bare": "aiohttp", "idle": "none"}[
        args.impl
    ] or use_transport(args.transport)
    if args.impl == "sdk":
        import alibabacloud_ice20201109.client  # noqa: F401

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
    report = asyncio.run(wait_all(args, emulators, profiler))
    if profiler is not None:
        profiler.dump_stats(args.profile)
    report["warnings"] = dict(warnings.counts)
    report["transport_used"] = transport
    with open(args.out, "w") as out:
        json.dump(report, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
