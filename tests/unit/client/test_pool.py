"""The process-wide shared async clients: sharing, lease counting, closing, TLS off the loop, transports."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from airflow_ice.client import tls
from airflow_ice.client.config import config_from_connection
from airflow_ice.client.pool import (
    AsyncClientPool,
    ClientKey,
    EndpointIdentity,
    default_transport_factory,
    httpx_transport_factory,
)
from airflow_ice.client.tls import TlsSettings
from airflow_ice.client.transport import AnswerLimits
from airflow_ice.client.wire import WireRequest
from airflow_ice.emulator import IceEmulator, ScriptedFault
from airflow_ice.errors import IceAnswerLostError, IceConnectError, IceOutcomeUnknownError
from airflow_ice.hooks.ice import IceHook
from airflow_ice.jobs.events import JobEventStatus
from airflow_ice.triggers.iproduction import IceIProductionJobTrigger
from tests.support.emulator import ManualClock
from tests.support.loop_checks import until
from tests.support.paths import REPO_ROOT
from tests.support.stub_ice import Answer, StubIce
from tests.unit.hooks.test_ice import set_connection

COVER = {
    "function_name": "Cover",
    "input": {"Type": "OSS", "Media": "oss://bucket/in/clip.mp4"},
    "output": {"Type": "OSS", "Media": "oss://bucket/out/"},
}


TRANSPORTS = {"aiohttp": default_transport_factory(), "httpx": httpx_transport_factory()}
# Where every hook's engine takes its shared transport from.
SHARED = "airflow_ice.client.engine.SHARED_CLIENTS"


def config(**extra: Any) -> Any:
    return config_from_connection(
        conn_id="c", login=extra.pop("login", "id"), password=extra.pop("password", "secret"), extra=extra
    )


@pytest.fixture(params=sorted(TRANSPORTS))
def pool(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> AsyncClientPool:
    """A fresh process-wide pool for the test, with each transport in turn."""
    fresh = AsyncClientPool(transport_factory=TRANSPORTS[request.param])
    monkeypatch.setattr(SHARED, fresh)
    return fresh


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch, job_clock: ManualClock) -> Iterator[IceEmulator]:
    with IceEmulator(job_seconds=0.3, clock=job_clock) as ice:
        monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", ice.connection_json(max_retries=2))
        yield ice


def test_keys_share_endpoint_credentials_and_tls_and_never_hold_the_secret() -> None:
    assert ClientKey.of(config()) == ClientKey.of(config())
    assert ClientKey.of(config()) != ClientKey.of(config(password="other"))
    assert ClientKey.of(config()) != ClientKey.of(config(login="other"))
    assert ClientKey.of(config()) != ClientKey.of(config(security_token="tok"))
    assert ClientKey.of(config()) != ClientKey.of(config(endpoint="https://ice-vpc.cn-shanghai.aliyuncs.com"))
    assert ClientKey.of(config()) != ClientKey.of(config(verify=False))
    assert ClientKey.of(config()) != ClientKey.of(config(ca_bundle="/etc/ca.pem"))
    # Timeouts and size caps travel with each request; the rate limit is no client setting.
    assert ClientKey.of(config()) == ClientKey.of(config(timeout=5))
    assert ClientKey.of(config()) == ClientKey.of(config(max_response_bytes=2048))
    assert ClientKey.of(config()) == ClientKey.of(config(max_requests_per_second=3))
    key = ClientKey.of(config(password="s3cr3t-value", security_token="t0ken-value", ca_bundle="/x/ca.pem"))
    for text in (repr(key), str(key)):
        assert "s3cr3t-value" not in text
        assert "t0ken-value" not in text
    assert "s3cr3t" not in EndpointIdentity.of(config(password="s3cr3t-value")).credentials_fingerprint
    # ca_bundle only matters when verifying.
    assert TlsSettings.of(config(verify=False, ca_bundle="/x.pem")) == TlsSettings(False, None)


async def test_hooks_of_one_connection_share_one_client_until_the_last_closes(
    pool: AsyncClientPool, emulator: IceEmulator
) -> None:
    first, second = IceHook(), IceHook()
    assert await first.aget_conn() is await second.aget_conn()
    assert pool.open_clients() == 1
    assert pool.leases(await first.aget_config()) == 2
    client = await first.aget_conn()

    job_id = await first.asubmit_iproduction_job(COVER)
    assert (await second.aquery_iproduction_job(job_id)).job_id == job_id

    await first.aclose()
    assert not client.is_closed
    assert (await second.aquery_iproduction_job(job_id)).job_id == job_id
    await second.aclose()
    assert client.is_closed
    assert pool.open_clients() == 0
    await second.aclose()  # a second close is harmless
    assert pool.open_clients() == 0


async def test_a_hook_reused_after_close_takes_a_new_lease(
    pool: AsyncClientPool, emulator: IceEmulator
) -> None:
    hook = IceHook()
    job_id = await hook.asubmit_iproduction_job(COVER)
    await hook.aclose()
    assert pool.open_clients() == 0
    assert (await hook.aquery_iproduction_job(job_id)).job_id == job_id
    assert pool.open_clients() == 1
    await hook.aclose()


async def test_different_credentials_get_different_clients(
    pool: AsyncClientPool, emulator: IceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = json.loads(emulator.connection_json())
    other["password"] = "another-secret"
    monkeypatch.setenv("AIRFLOW_CONN_ICE_OTHER_KEY", json.dumps(other))
    default, other_hook = IceHook(), IceHook("ice_other_key")
    assert await default.aget_conn() is not await other_hook.aget_conn()
    assert pool.open_clients() == 2
    await default.aclose()
    await other_hook.aclose()
    assert pool.open_clients() == 0


async def test_a_released_lease_cannot_send(pool: AsyncClientPool) -> None:
    lease = await pool.acquire(config(endpoint="http://127.0.0.1:9"))
    await lease.release()
    await lease.release()
    assert lease.released
    with pytest.raises(RuntimeError, match="released"):
        await lease.send(lambda: WireRequest("POST", "http://127.0.0.1:9/", {}, b""), AnswerLimits(1.0, 1024))
    with pytest.raises(RuntimeError, match="released"):
        _ = lease.client


async def test_many_triggers_share_one_client_and_release_it(
    pool: AsyncClientPool, emulator: IceEmulator, job_clock: ManualClock
) -> None:
    with IceHook() as hook:
        job_ids = [hook.submit_iproduction_job(COVER) for _ in range(20)]

    async def wait(job_id: str) -> dict[str, Any]:
        trigger = IceIProductionJobTrigger(job_id=job_id, poll_interval=0.05, deadline=time.time() + 30)
        events = [event async for event in trigger.run()]
        return events[0].payload

    tasks = [asyncio.create_task(wait(job_id)) for job_id in job_ids]
    await until(lambda: emulator.counters().requests["QueryIProductionJob"] >= len(job_ids))
    assert pool.open_clients() == 1
    job_clock.advance(1)  # now every job finishes
    payloads = await asyncio.gather(*tasks)
    assert [payload["status"] for payload in payloads] == ["success"] * len(job_ids)
    assert [payload["job_id"] for payload in payloads] == job_ids
    assert pool.open_clients() == 0


async def test_concurrent_first_calls_of_one_hook_hold_one_lease(
    pool: AsyncClientPool, emulator: IceEmulator
) -> None:
    hook = IceHook()
    job_ids = await asyncio.gather(*(hook.asubmit_iproduction_job(COVER) for _ in range(10)))
    assert len(set(job_ids)) == 10
    assert pool.open_clients() == 1
    await hook.aclose()
    assert pool.open_clients() == 0


async def test_a_cancelled_trigger_releases_its_lease(pool: AsyncClientPool, emulator: IceEmulator) -> None:
    with IceHook() as hook:
        job_id = hook.submit_iproduction_job(COVER)
    trigger = IceIProductionJobTrigger(job_id=job_id, poll_interval=60)
    task = asyncio.create_task(trigger.run().__anext__())
    await until(lambda: emulator.counters().requests["QueryIProductionJob"] > 0)
    assert pool.open_clients() == 1
    task.cancel()  # what the triggerer does when the task is moved or killed
    with pytest.raises(asyncio.CancelledError):
        await task
    assert pool.open_clients() == 0


async def test_tls_context_is_built_once_off_the_event_loop(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    loop_thread = threading.get_ident()
    builds: list[int] = []
    real_build = tls.build_ssl_context

    def recording_build(tls: TlsSettings) -> Any:
        builds.append(threading.get_ident())
        time.sleep(0.05)  # loading certificates is slow; others must wait for this one build
        return real_build(tls)

    monkeypatch.setattr(tls, "build_ssl_context", recording_build)
    tls.forget_ssl_contexts()
    pool = AsyncClientPool()
    cfg = config(endpoint="https://127.0.0.1:9", verify=False, timeout=7)
    leases = await asyncio.gather(*(pool.acquire(cfg) for _ in range(50)))
    assert len(builds) == 1
    assert builds[0] != loop_thread
    assert len({id(lease.client) for lease in leases}) == 1
    for lease in leases:
        await lease.release()
    assert pool.open_clients() == 0


async def test_a_failed_tls_build_reaches_every_waiter(monkeypatch: pytest.MonkeyPatch) -> None:
    tls.forget_ssl_contexts()
    pool = AsyncClientPool()
    cfg = config(endpoint="https://127.0.0.1:9", ca_bundle="/nonexistent/ca.pem")
    results = await asyncio.gather(*(pool.acquire(cfg) for _ in range(5)), return_exceptions=True)
    assert all("ca_bundle" in str(result) for result in results)
    assert pool.open_clients() == 0


def max_overlap(times: list[float], delay: float) -> int:
    events = sorted([(t, 1) for t in times] + [(t + delay, -1) for t in times])
    best = current = 0
    for _, change in events:
        current += change
        best = max(best, current)
    return best


@pytest.mark.parametrize("transport", sorted(TRANSPORTS))
async def test_requests_in_flight_are_bounded_by_the_pool_size(
    transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = AsyncClientPool(max_connections=3, transport_factory=TRANSPORTS[transport])
    monkeypatch.setattr(SHARED, small)
    delay = 0.1
    stub = StubIce(default=Answer(body={"RequestId": "r", "JobId": "j", "Status": "Queuing"}, delay=delay))
    with stub:
        set_connection(monkeypatch, stub.url)
        async with IceHook() as hook:
            await asyncio.gather(*(hook.acall("QueryIProductionJob", {"JobId": "j"}) for _ in range(12)))
        times = [recorded.time for recorded in stub.requests]
    assert len(times) == 12
    assert max_overlap(times, delay) <= 3


def _refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("transport", sorted(TRANSPORTS))
async def test_transports_map_failures_the_same_way(transport: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry rules depend on how a send failed: both transports must say the same thing."""
    fresh = AsyncClientPool(transport_factory=TRANSPORTS[transport])
    monkeypatch.setattr(SHARED, fresh)

    def use(endpoint: str, **extra: Any) -> None:
        monkeypatch.setenv(
            "AIRFLOW_CONN_ICE_DEFAULT",
            json.dumps(
                {
                    "conn_type": "alibaba_ice",
                    "login": "id",
                    "password": "pw",
                    "extra": {"endpoint": endpoint, "max_retries": 0, **extra},
                }
            ),
        )

    use(f"http://127.0.0.1:{_refused_port()}")
    async with IceHook() as hook:
        with pytest.raises(IceConnectError):
            await hook.acall("QueryIProductionJob", {"JobId": "j"})

    with StubIce(default=Answer(drop=True)) as stub:
        use(stub.url)
        async with IceHook() as hook:
            with pytest.raises(IceAnswerLostError):
                await hook.acall("QueryIProductionJob", {"JobId": "j"})
            with pytest.raises(IceOutcomeUnknownError):  # a lost submit answer is never retried
                await hook.acall("SubmitIProductionJob", {"FunctionName": "Cover"})
        assert len(stub.requests) == 2

    with StubIce(default=Answer(delay=1.5)) as stub:
        use(stub.url, timeout=0.3)
        async with IceHook() as hook:
            with pytest.raises(IceAnswerLostError, match=r"timed out|timeout"):
                await hook.acall("QueryIProductionJob", {"JobId": "j"})


@pytest.mark.parametrize("transport", sorted(TRANSPORTS))
async def test_transports_send_what_was_signed(transport: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Form bodies, V1 query signatures and odd characters reach the emulator as signed."""
    fresh = AsyncClientPool(transport_factory=TRANSPORTS[transport])
    monkeypatch.setattr(SHARED, fresh)
    with IceEmulator(job_seconds=0.1) as ice:
        for algorithm in ("ACS3-HMAC-SHA256", "HMAC-SHA1"):
            monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", ice.connection_json(signature_algorithm=algorithm))
            async with IceHook() as hook:
                job_id = await hook.asubmit_yike_storyboard_job(
                    {
                        "file_url": "oss://bucket/novel 1+2*~&=.txt",
                        "source_type": "Novel",
                        "shot_split_mode": "firstPersonNarration",
                        "style_id": "Ghibli",
                        "title": "章节 1 & 2",
                    }
                )
                job = await hook.aget_yike_storyboard_job(job_id)
                assert job.job_params is not None
        counters = ice.counters()
        assert counters.auth_failures == {}
        assert counters.signatures["ACS3-HMAC-SHA256"] == 2
        assert counters.signatures["HMAC-SHA1"] == 2


async def test_throttled_submit_retried_through_shared_client(
    pool: AsyncClientPool, emulator: IceEmulator
) -> None:
    emulator.set_faults(scripted=[ScriptedFault(kind="throttling", action="SubmitIProductionJob", count=1)])
    async with IceHook(retry_wait_initial=0.01) as hook:
        assert await hook.asubmit_iproduction_job(COVER)
    assert emulator.counters().jobs_submitted["SubmitIProductionJob"] == 1


def test_trigger_outcome_with_shared_pool_is_documented(
    emulator: IceEmulator, job_clock: ManualClock
) -> None:
    with IceHook() as hook:
        job_id = hook.submit_iproduction_job(COVER)
    job_clock.advance(1)
    trigger = IceIProductionJobTrigger(job_id=job_id, poll_interval=0.05, deadline=time.time() + 30)

    async def run() -> list[Any]:
        return [event async for event in trigger.run()]

    (event,) = asyncio.run(run())
    assert event.payload["status"] == JobEventStatus.SUCCESS.value
    assert event.payload["job_id"] == job_id


async def test_concurrent_connection_reads_share_one_lookup(
    monkeypatch: pytest.MonkeyPatch, emulator: IceEmulator
) -> None:
    reads: list[str] = []
    real_read = IceHook._aread_config

    async def counting_read(self: IceHook) -> Any:
        reads.append(self.ice_conn_id)
        await asyncio.sleep(0.05)  # a secrets backend or API server round trip
        return await real_read(self)

    monkeypatch.setattr(IceHook, "_aread_config", counting_read)
    hooks = [IceHook() for _ in range(30)]
    configs = await asyncio.gather(*(hook.aget_config() for hook in hooks))
    assert reads == ["ice_default"]
    assert len({id(config) for config in configs}) == 1

    # A read after the first finished fetches again: an edited connection is seen.
    monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", emulator.connection_json(timeout=7))
    assert (await IceHook().aget_config()).timeout == 7
    assert reads == ["ice_default", "ice_default"]


async def test_a_cancelled_reader_does_not_cancel_the_shared_read(
    monkeypatch: pytest.MonkeyPatch, emulator: IceEmulator
) -> None:
    real_read = IceHook._aread_config

    async def slow_read(self: IceHook) -> Any:
        await asyncio.sleep(0.1)
        return await real_read(self)

    monkeypatch.setattr(IceHook, "_aread_config", slow_read)
    first = asyncio.create_task(IceHook().aget_config())
    second = asyncio.create_task(IceHook().aget_config())
    await asyncio.sleep(0.01)
    first.cancel()
    assert (await second).base_url == emulator.url
    with pytest.raises(asyncio.CancelledError):
        await first


@pytest.mark.parametrize("transport", sorted(TRANSPORTS))
async def test_no_compressed_answer_is_asked_for(transport: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Answers are read undecoded: a request must not invite gzip (aiohttp would by default)."""
    fresh = AsyncClientPool(transport_factory=TRANSPORTS[transport])
    monkeypatch.setattr(SHARED, fresh)
    stub = StubIce(default=Answer(body={"RequestId": "r", "JobId": "j", "Status": "Queuing"}))
    with stub:
        set_connection(monkeypatch, stub.url)
        async with IceHook() as hook:
            await hook.acall("QueryIProductionJob", {"JobId": "j"})
        (recorded,) = stub.requests
    headers = {name.lower(): value for name, value in recorded.headers.items()}
    assert "gzip" not in headers.get("accept-encoding", "")
    assert "content-type" not in headers  # an empty POST, sent without one


# A user's script: the async hook under asyncio.run, never closed; then the same hook in a second
# asyncio.run (its transport closed with the first loop, it must take a new one).
UNCLOSED_HOOK_SCRIPT = """
import asyncio, gc, sys
from airflow_ice.hooks.ice import IceHook

hook = IceHook()

async def submit():
    return await hook.asubmit_iproduction_job({cover!r})

async def query(job_id):
    return (await hook.aquery_iproduction_job(job_id)).job_id

job_id = asyncio.run(submit())
assert asyncio.run(query(job_id)) == job_id
del hook
gc.collect()
print("submitted", job_id)
"""


# The hook's close reaches the pool's shielded close and the loop ends before that runs: asyncio.run
# cancels it before it starts.
CLOSE_CUT_SHORT_SCRIPT = """
import asyncio
from airflow_ice.hooks.ice import IceHook

hook = IceHook()

async def close_cut_short():
    job_id = await hook.asubmit_iproduction_job({cover!r})
    asyncio.ensure_future(hook.aclose())
    print("submitted", job_id)

asyncio.run(close_cut_short())
"""


@pytest.mark.parametrize(
    "script", [UNCLOSED_HOOK_SCRIPT, CLOSE_CUT_SHORT_SCRIPT], ids=["unclosed", "cut-short"]
)
def test_an_unclosed_async_hook_leaves_no_unclosed_session(emulator: IceEmulator, script: str) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW_CONN_")}
    env["AIRFLOW_CONN_ICE_DEFAULT"] = emulator.connection_json(max_retries=1, timeout=5)
    env["PYTHONPATH"] = str(REPO_ROOT)
    done = subprocess.run(
        [sys.executable, "-c", script.format(cover=COVER)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert "submitted" in done.stdout
    output = done.stdout + done.stderr
    assert "Unclosed" not in output, output  # aiohttp's "Unclosed client session" / "Unclosed connector"
    assert "Event loop is closed" not in output, output
