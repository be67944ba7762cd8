"""Benchmark helper: one process acting as the triggerer, waiting for N IProduction jobs.

Run by ``triggerer_benchmark.py``, not by hand. It submits N jobs (not measured), then waits for
all of them in one event loop and measures only the wait:

* ``--impl ours``: N :class:`IceIProductionJobTrigger` s run as tasks, as the triggerer runs them
  (optionally with ``--transport httpx``: httpx's own async client under the same hook);
* ``--impl sdk``: the same polling loop (interval, jitter) with the official SDK's async client,
  ``Client.query_iproduction_job_async``.

It writes a JSON report to ``--out``: CPU seconds and polls during the wait, RSS before, while all
wait, and at peak, each job's event status and wall-clock time, and warnings logged.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import psutil

COVER = {
    "function_name": "Cover",
    "input": {"Type": "OSS", "Media": "oss://bench/in/video.mp4"},
    "output": {"Type": "OSS", "Media": "oss://bench/out/cover/"},
}
SUBMIT_CONCURRENCY = 64
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

    def __init__(self, specs: list[dict[str, Any]]) -> None:
        self.specs = specs
        self._admin: list[httpx.AsyncClient] = []

    def queries(self) -> int:
        """QueryIProductionJob requests received so far, over all emulators (blocking, outside the wait)."""
        total = 0
        for spec in self.specs:
            response = httpx.get(f"{spec['url']}/_emulator/counters", verify=spec["ca_bundle"] or False)
            total += response.json()["requests"].get("QueryIProductionJob", 0)
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
            total += response.json()["requests"].get("QueryIProductionJob", 0)
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


async def submit_jobs(count: int, emulators: Emulators) -> list[tuple[str, int]]:
    """Submit ``count`` cover jobs spread over the emulators; (job id, emulator index) each."""
    from airflow_ice.hooks.ice import IceHook

    hooks = [IceHook(conn_id(index)) for index in range(len(emulators.specs))]
    gate = asyncio.Semaphore(SUBMIT_CONCURRENCY)

    async def one(number: int) -> tuple[str, int]:
        index = number % len(hooks)
        async with gate:
            return await hooks[index].asubmit_iproduction_job(COVER), index

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


def our_waiters(
    jobs: list[tuple[str, int]], poll_interval: float, deadline: float
) -> list[Callable[[], Awaitable[tuple[str, str]]]]:
    from airflow_ice.triggers.iproduction import IceIProductionJobTrigger

    def waiter(job_id: str, index: int) -> Callable[[], Awaitable[tuple[str, str]]]:
        async def wait() -> tuple[str, str]:
            trigger = IceIProductionJobTrigger(
                job_id=job_id, ice_conn_id=conn_id(index), poll_interval=poll_interval, deadline=deadline
            )
            async for event in trigger.run():
                payload = event.payload
                return payload["status"], "" if payload["status"] == "success" else payload["message"]
            return "no-event", ""

        return wait

    return [waiter(job_id, index) for job_id, index in jobs]


def sdk_waiters(
    jobs: list[tuple[str, int]], poll_interval: float, deadline: float, emulators: Emulators
) -> list[Callable[[], Awaitable[tuple[str, str]]]]:
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

    def waiter(job_id: str, index: int) -> Callable[[], Awaitable[tuple[str, str]]]:
        async def wait() -> tuple[str, str]:
            failures = 0
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

    return [waiter(job_id, index) for job_id, index in jobs]


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


def bare_waiters(
    jobs: list[tuple[str, int]], poll_interval: float, deadline: float, client: BareClient
) -> list[Callable[[], Awaitable[tuple[str, str]]]]:
    """The triggers' polling (interval, jitter, first poll at once) with :class:`BareClient`."""

    def waiter(job_id: str, index: int) -> Callable[[], Awaitable[tuple[str, str]]]:
        async def wait() -> tuple[str, str]:
            while True:
                status = await client.status(job_id, index)
                if status in TERMINAL:
                    return ("success" if status == "Success" else "failed"), ""
                if time.time() > deadline:
                    return "timeout", ""
                await asyncio.sleep(poll_interval * (1 + random.uniform(-0.05, 0.05)))

        return wait

    return [waiter(job_id, index) for job_id, index in jobs]


async def warm_up(impl: str, jobs: list[tuple[str, int]], emulators: Emulators) -> list[Any]:
    """Hooks that polled once and stay open during the measurement (none for the SDK)."""
    if impl != "ours":
        return []
    from airflow_ice.hooks.ice import IceHook

    first_job = {index: job_id for job_id, index in reversed(jobs)}
    hooks = []
    for index in range(len(emulators.specs)):
        hook = IceHook(conn_id(index))
        await hook.aquery_iproduction_job(first_job[index])
        hooks.append(hook)
    return hooks


async def wait_all(args: argparse.Namespace, emulators: Emulators, profiler: Any = None) -> dict[str, Any]:
    jobs = await submit_jobs(args.n, emulators)
    deadline = time.time() + args.wait_timeout
    bare = None
    if args.impl == "sdk":
        waiters = sdk_waiters(jobs, args.poll_interval, deadline, emulators)
    elif args.impl == "bare":
        bare = BareClient(emulators)
        await bare.open()
        first = {index: job_id for job_id, index in jobs}
        for index, job_id in first.items():  # connect and warm up before the baseline
            await bare.status(job_id, index)
        waiters = bare_waiters(jobs, args.poll_interval, deadline, bare)
    else:
        waiters = our_waiters(jobs, args.poll_interval, deadline)
    events: dict[str, list[Any]] = {}
    exceptions: Counter[str] = Counter()
    # Warm up before the baseline: one query per connection through a hook kept open (so the
    # shared client, its session and lazily built state count as the process baseline).
    warm = await warm_up(args.impl, jobs, emulators)
    queries_before = emulators.queries()
    emulators.open_admin()
    await emulators.aqueries()  # connect before the measurement

    gc.collect()
    rss_before = rss()
    sampler = RssSampler()
    sampler.start()
    cpu_before = time.process_time()
    connections_before = CONNECTIONS.opened
    started = time.time()

    async def run(job_id: str, wait: Callable[[], Awaitable[tuple[str, str]]]) -> None:
        try:
            status, message = await wait()
        except Exception as exc:
            exceptions[f"{type(exc).__name__}: {str(exc)[:120]}"] += 1
            status, message = "exception", repr(exc)[:300]
        events[job_id] = [status, time.time(), message]

    tasks = [asyncio.create_task(run(job_id, wait)) for (job_id, _), wait in zip(jobs, waiters, strict=True)]
    # "All waiting": every trigger has polled once and no job can have finished yet.
    # "All waiting": every trigger has polled at least once (the few whose job already ended are
    # not counted as waiting).
    rss_waiting = None
    waiting = 0
    while rss_waiting is None and not all(task.done() for task in tasks):
        await asyncio.sleep(0.5)
        if await emulators.aqueries() - queries_before >= len(jobs):
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
    connections_opened = CONNECTIONS.opened - connections_before
    if bare is not None:
        await bare.close()
    elapsed = time.time() - started
    rss_peak = sampler.stop()
    polls = emulators.queries() - queries_before
    return {
        "impl": args.impl,
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
        "jobs": {job_id: index for job_id, index in jobs},
        "events": events,
        "exceptions": dict(exceptions),
        "connections_opened": connections_opened,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--impl", choices=("ours", "sdk", "bare"), required=True)
    parser.add_argument("--transport", choices=("default", "httpx"), default="default")
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--poll-interval", type=float, required=True)
    parser.add_argument("--wait-timeout", type=float, default=600.0)
    parser.add_argument("--emulators", required=True, help="JSON list of {url, ca_bundle}")
    parser.add_argument("--out", required=True)
    parser.add_argument("--profile", help="write a cProfile of the wait (after all polled once) here")
    args = parser.parse_args()

    CONNECTIONS.install()
    emulators = Emulators(json.loads(args.emulators))
    set_connections(emulators)
    warnings = WarningCounter()
    logging.getLogger().addHandler(warnings)
    # Imported before the baseline so that module code is not counted as per-trigger memory.
    import airflow_ice.triggers.iproduction  # noqa: F401

    transport = {"ours": None, "sdk": "aiohttp (the SDK's own)", "bare": "aiohttp"}[
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
