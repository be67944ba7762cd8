"""Every fault as an httpx client sees it, faults changed at run time (Python and admin endpoint),
counters, concurrency and throughput."""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from airflow_ice.client.signing import Credentials
from airflow_ice.emulator.faults import ScriptedFault
from airflow_ice.emulator.server import IceEmulator
from tests.support.emulator import (
    KEY_ID,
    KEY_SECRET,
    ManualClock,
    call,
    error_code,
    iproduction_params,
    ok,
    wait_until,
)


@pytest.fixture(scope="module")
def limiter_clock() -> ManualClock:
    """The QPS limiter's clock, moved by hand: no bucket refills unless the test says so, however
    slowly the requests go (every test starts with full buckets: ``reset`` refills them)."""
    return ManualClock(0.0)


@pytest.fixture(scope="module")
def emulator(limiter_clock: ManualClock) -> Iterator[IceEmulator]:
    with IceEmulator(
        access_key_id=KEY_ID, access_key_secret=KEY_SECRET, job_seconds=30, seed=11, limit_clock=limiter_clock
    ) as running:
        yield running


@pytest.fixture
def client(emulator: IceEmulator) -> Iterator[httpx.Client]:
    emulator.reset()
    with httpx.Client(timeout=5) as http:
        yield http


def submit(client: httpx.Client, emulator: IceEmulator) -> httpx.Response:
    return call(client, emulator, "SubmitIProductionJob", iproduction_params())


def new_job(client: httpx.Client, emulator: IceEmulator) -> str:
    job_id: str = ok(submit(client, emulator))["JobId"]
    return job_id


def test_scripted_503_then_success(client: httpx.Client, emulator: IceEmulator) -> None:
    job_id = new_job(client, emulator)
    emulator.set_faults(scripted=[ScriptedFault(kind="unavailable", action="QueryIProductionJob", count=2)])
    ok(call(client, emulator, "CancelIProductionJob", {"JobId": job_id}))  # not hit
    for _ in range(2):
        response = call(client, emulator, "QueryIProductionJob", {"JobId": job_id})
        assert error_code(response) == (503, "ServiceUnavailable")
    ok(call(client, emulator, "QueryIProductionJob", {"JobId": job_id}))
    counters = emulator.counters()
    assert counters.faults["unavailable"] == 2
    assert counters.requests["QueryIProductionJob"] == 3


def test_throttling_answer_default_is_400(client: httpx.Client, emulator: IceEmulator) -> None:
    emulator.set_faults(scripted=[{"kind": "throttling"}])
    response = submit(client, emulator)
    assert error_code(response) == (400, "Throttling.User")
    assert "x-acs-retry-after" not in response.headers
    assert emulator.counters().jobs_submitted["SubmitIProductionJob"] == 0


def test_throttling_with_429_and_retry_after(client: httpx.Client, emulator: IceEmulator) -> None:
    emulator.set_faults(throttle_rate=1.0, throttle_status=429, retry_after_ms=250)
    response = submit(client, emulator)
    assert error_code(response) == (429, "Throttling.User")
    assert response.headers["x-acs-retry-after"] == "250"


def test_dropped_connection_is_a_network_error_and_creates_nothing(
    client: httpx.Client, emulator: IceEmulator
) -> None:
    emulator.set_faults(scripted=[ScriptedFault(kind="drop", action="SubmitIProductionJob")])
    with pytest.raises(httpx.RemoteProtocolError):
        submit(client, emulator)
    counters = emulator.counters()
    assert counters.requests["SubmitIProductionJob"] == 1
    assert counters.jobs_submitted["SubmitIProductionJob"] == 0
    assert counters.faults["drop"] == 1
    ok(submit(client, emulator))  # the client recovers on a new connection


def test_lost_response_creates_the_job(client: httpx.Client, emulator: IceEmulator) -> None:
    emulator.set_faults(scripted=[ScriptedFault(kind="lose_response", action="SubmitIProductionJob")])
    with pytest.raises(httpx.RemoteProtocolError):
        submit(client, emulator)
    counters = emulator.counters()
    assert counters.requests["SubmitIProductionJob"] == 1
    assert counters.jobs_submitted["SubmitIProductionJob"] == 1
    assert counters.faults["lose_response"] == 1
    (record,) = emulator.jobs()
    assert record["SubmitAnswerFault"] == "lose_response"


@pytest.mark.parametrize(
    ("variant", "readable"),
    [
        ("not_json", lambda r: r.headers["content-type"].startswith("text/html")),
        ("truncated", lambda r: r.text.startswith("{") and not r.text.endswith("}")),
        ("empty", lambda r: r.content == b""),
        ("no_job_id", lambda r: "JobId" not in r.json() and r.json()["RequestId"]),
        ("non_string_job_id", lambda r: r.json()["JobId"] == 12345),
    ],
)
def test_unreadable_answer_after_the_job_was_created(
    client: httpx.Client, emulator: IceEmulator, variant: str, readable: Any
) -> None:
    """The submit is processed (its job exists), then answered 200 with a body the client cannot use."""
    emulator.set_faults(
        scripted=[{"kind": "unreadable_answer", "action": "SubmitIProductionJob", "variant": variant}]
    )
    response = submit(client, emulator)
    assert response.status_code == 200
    assert response.headers["x-acs-request-id"]
    assert readable(response)
    counters = emulator.counters()
    assert counters.jobs_submitted["SubmitIProductionJob"] == 1
    assert counters.faults["unreadable_answer"] == 1
    (record,) = emulator.jobs()
    assert record["SubmitAnswerFault"] == f"unreadable_answer:{variant}"
    # The job is real: it can be queried by the id the client never read.
    assert (
        ok(call(client, emulator, "QueryIProductionJob", {"JobId": record["JobId"]}))["Status"] == "Queuing"
    )
    assert ok(submit(client, emulator))["JobId"]  # one-shot: the next answer is readable


def test_scripted_fault_hits_only_the_request_carrying_a_value(
    client: httpx.Client, emulator: IceEmulator
) -> None:
    """``when_param_contains`` picks one job's submit, whatever the order of the others."""
    emulator.set_faults(
        scripted=[
            {"kind": "lose_response", "action": "SubmitIProductionJob", "when_param_contains": "target-7"}
        ]
    )
    for name in ("other-1", "other-2"):
        ok(
            call(
                client,
                emulator,
                "SubmitIProductionJob",
                iproduction_params(input_media=f"oss://b/{name}.mp4"),
            )
        )
    with pytest.raises(httpx.RemoteProtocolError):
        call(client, emulator, "SubmitIProductionJob", iproduction_params(input_media="oss://b/target-7.mp4"))
    ok(call(client, emulator, "SubmitIProductionJob", iproduction_params(input_media="oss://b/target-7.mp4")))
    faults = [(r["Answer"]["Input"]["Media"], r["SubmitAnswerFault"]) for r in emulator.jobs()]
    assert faults == [
        ("oss://b/other-1.mp4", None),
        ("oss://b/other-2.mp4", None),
        ("oss://b/target-7.mp4", "lose_response"),
        ("oss://b/target-7.mp4", None),
    ]


def test_admin_jobs_are_the_emulators_own_answers(client: httpx.Client, emulator: IceEmulator) -> None:
    job_id = new_job(client, emulator)
    listed = client.get(f"{emulator.url}/_emulator/jobs").json()
    assert listed == [
        {
            "Action": "SubmitIProductionJob",
            "JobId": job_id,
            "Answer": {
                k: v
                for k, v in ok(call(client, emulator, "QueryIProductionJob", {"JobId": job_id})).items()
                if k != "RequestId"
            },
            "SubmitAnswerFault": None,
        }
    ]


def test_held_job_clock_keeps_jobs_running(client: httpx.Client) -> None:
    clock = ManualClock(time.time())
    with IceEmulator(
        access_key_id=KEY_ID, access_key_secret=KEY_SECRET, job_seconds=10, clock=clock
    ) as emulator:
        admin = f"{emulator.url}/_emulator/clock"
        assert client.post(admin, json={"hold": True}).json() == {"held": True}
        job_id = new_job(client, emulator)
        clock.advance(60)
        status = ok(call(client, emulator, "QueryIProductionJob", {"JobId": job_id}))["Status"]
        assert status == "Queuing"
        assert client.post(admin, json={"hold": False}).json() == {"held": False}
        clock.advance(9)
        assert ok(call(client, emulator, "QueryIProductionJob", {"JobId": job_id}))["Status"] == "Analysing"
        clock.advance(1)
        assert ok(call(client, emulator, "QueryIProductionJob", {"JobId": job_id}))["Status"] == "Success"
        assert client.post(admin, json={"hold": "yes"}).status_code == 422
        assert client.get(admin).json() == {"held": False}


def test_seen_secrets_are_the_signatures_and_tokens_received(client: httpx.Client) -> None:
    with IceEmulator(access_key_id=KEY_ID, access_key_secret=KEY_SECRET, security_token="tok-1") as emulator:
        credentials = Credentials(KEY_ID, KEY_SECRET, "tok-1")
        response = call(
            client, emulator, "SubmitIProductionJob", iproduction_params(), credentials=credentials
        )
        ok(response)
        v1 = call(
            client,
            emulator,
            "SubmitIProductionJob",
            iproduction_params(),
            credentials=credentials,
            algorithm="HMAC-SHA1",
        )
        ok(v1)
        seen = client.get(f"{emulator.url}/_emulator/seen-secrets").json()
        assert seen["security_tokens"] == ["tok-1"]
        assert len(seen["signatures"]) == 2
        assert any(len(s) == 64 for s in seen["signatures"])  # ACS3: hex
        v1_signature = urllib.parse.parse_qs(str(v1.request.url.query, "ascii"))["Signature"][0]
        assert v1_signature in seen["signatures"]


def test_internal_error_fault(client: httpx.Client, emulator: IceEmulator) -> None:
    emulator.set_faults(scripted=[ScriptedFault(kind="internal_error")])
    assert error_code(submit(client, emulator)) == (500, "InternalError")
    counters = emulator.counters()
    assert counters.faults["internal_error"] == 1
    assert counters.jobs_submitted["SubmitIProductionJob"] == 0
    assert counters.unexpected_errors == 0


def test_standing_latency_and_read_timeout(client: httpx.Client, emulator: IceEmulator) -> None:
    emulator.set_faults(latency_ms=500)
    started = time.monotonic()
    ok(submit(client, emulator))
    assert time.monotonic() - started >= 0.5
    # 0.05 s against 0.5 s: the client gives up first unless it runs 0.45 s late.
    with httpx.Client(timeout=0.05) as impatient, pytest.raises(httpx.ReadTimeout):
        submit(impatient, emulator)
    # The emulator still serves the abandoned submit; wait for it (it counts the latency when the
    # request arrives, and creates the job after it) so that its job lands in this test.
    wait_until(
        lambda: (
            emulator.counters().faults["latency"] == 2
            and emulator.counters().jobs_submitted["SubmitIProductionJob"] == 2
        )
    )
    assert emulator.counters().requests["SubmitIProductionJob"] == 2


def test_scripted_latency(client: httpx.Client, emulator: IceEmulator) -> None:
    emulator.set_faults(scripted=[ScriptedFault(kind="latency", latency_ms=300)])
    started = time.monotonic()
    ok(submit(client, emulator))
    assert time.monotonic() - started >= 0.3
    assert emulator.counters().faults["latency"] == 1
    ok(submit(client, emulator))
    # One-shot: the second submit was not delayed (the emulator counts every delay it adds).
    assert emulator.counters().faults["latency"] == 1
    assert emulator.state.faults.scripted() == []


def test_rates_are_shares_of_requests(client: httpx.Client, emulator: IceEmulator) -> None:
    emulator.set_faults(unavailable_rate=0.5)
    statuses = [call(client, emulator, "QueryIProductionJob", {"JobId": "x"}).status_code for _ in range(200)]
    assert 60 < statuses.count(503) < 140
    assert statuses.count(503) + statuses.count(404) == 200
    assert emulator.counters().faults["unavailable"] == statuses.count(503)


def test_drop_rate_one_drops_everything(client: httpx.Client, emulator: IceEmulator) -> None:
    emulator.set_faults(drop_rate=1.0)
    for _ in range(3):
        with pytest.raises(httpx.RemoteProtocolError):
            submit(client, emulator)
    assert emulator.counters().jobs_submitted["SubmitIProductionJob"] == 0


def test_random_faults_can_target_actions(client: httpx.Client, emulator: IceEmulator) -> None:
    emulator.set_faults(unavailable_rate=1.0, actions=["QueryIProductionJob"])
    job_id = new_job(client, emulator)
    assert error_code(call(client, emulator, "QueryIProductionJob", {"JobId": job_id}))[0] == 503


def test_qps_limit_per_action(
    client: httpx.Client, emulator: IceEmulator, limiter_clock: ManualClock
) -> None:
    emulator.set_faults(qps_limits={"SubmitIProductionJob": 3})
    statuses = [submit(client, emulator).status_code for _ in range(10)]
    assert statuses == [200] * 3 + [400] * 7  # a burst of 3, then no token until time passes
    counters = emulator.counters()
    assert counters.faults["qps_limited"] == 7
    assert counters.jobs_submitted["SubmitIProductionJob"] == 3
    # Another action has its own budget (none here).
    for _ in range(5):
        assert call(client, emulator, "QueryIProductionJob", {"JobId": "x"}).status_code == 404
    limiter_clock.advance(0.3)  # 0.9 token: still none
    assert error_code(submit(client, emulator)) == (400, "Throttling.User")
    limiter_clock.advance(0.1)  # 1.2 tokens
    ok(submit(client, emulator))


def test_qps_limit_answer_is_throttling(
    client: httpx.Client, emulator: IceEmulator, limiter_clock: ManualClock
) -> None:
    emulator.set_faults(qps_limit=1, retry_after_ms=1000)
    ok(submit(client, emulator))
    response = submit(client, emulator)
    assert error_code(response) == (400, "Throttling.User")
    assert response.headers["x-acs-retry-after"] == "1000"


def test_admin_endpoint_changes_faults_at_run_time(client: httpx.Client, emulator: IceEmulator) -> None:
    admin = f"{emulator.url}/_emulator"
    assert client.get(f"{admin}/health").json()["status"] == "ok"
    initial = client.get(f"{admin}/faults").json()
    assert initial["config"]["unavailable_rate"] == 0.0
    assert initial["scripted"] == []

    answer = client.post(
        f"{admin}/faults",
        json={
            "throttle_status": 429,
            "scripted": [{"kind": "throttling", "action": "SubmitIProductionJob", "count": 2}],
        },
    )
    assert answer.status_code == 200
    assert answer.json()["scripted"] == [
        {
            "kind": "throttling",
            "action": "SubmitIProductionJob",
            "count": 2,
            "latency_ms": 0.0,
            "variant": "not_json",
            "when_param_contains": None,
        }
    ]
    assert error_code(submit(client, emulator)) == (429, "Throttling.User")
    assert client.get(f"{admin}/faults").json()["scripted"][0]["count"] == 1
    assert error_code(submit(client, emulator)) == (429, "Throttling.User")
    ok(submit(client, emulator))

    client.post(f"{admin}/faults", json={"unavailable_rate": 1.0})
    assert error_code(submit(client, emulator)) == (503, "ServiceUnavailable")
    client.post(f"{admin}/faults", json={"replace": True})
    ok(submit(client, emulator))

    assert client.post(f"{admin}/faults", json={"unavailable_rate": 2}).status_code == 422
    assert client.post(f"{admin}/faults", json={"no_such_fault": 1}).status_code == 422
    assert client.post(f"{admin}/faults", json={"scripted": [{"kind": "meteor"}]}).status_code == 422
    assert client.post(f"{admin}/faults", content=b"[1]").status_code == 422


def test_admin_counters_and_reset(client: httpx.Client, emulator: IceEmulator) -> None:
    admin = f"{emulator.url}/_emulator"
    job_id = new_job(client, emulator)
    call(client, emulator, "QueryIProductionJob", {"JobId": job_id})
    call(client, emulator, "QueryIProductionJob", {"JobId": job_id}, credentials=Credentials(KEY_ID, "wrong"))
    counters = client.get(f"{admin}/counters").json()
    assert counters == {
        "requests": {"SubmitIProductionJob": 1, "QueryIProductionJob": 2},
        "answered": {"SubmitIProductionJob": 1, "QueryIProductionJob": 1},  # not the refused one
        "jobs_submitted": {"SubmitIProductionJob": 1},
        "faults": {},
        "signatures": {"ACS3-HMAC-SHA256": 2},
        "auth_failures": {"SignatureDoesNotMatch": 1},
        "errors": {},
        "unexpected_errors": 0,
    }
    assert client.post(f"{admin}/reset").status_code == 200
    assert client.get(f"{admin}/counters").json()["requests"] == {}
    assert error_code(call(client, emulator, "QueryIProductionJob", {"JobId": job_id})) == (
        404,
        "JobNotFound",
    )


def test_reset_restores_start_faults() -> None:
    scripted = [ScriptedFault(kind="unavailable", action="QueryIProductionJob")]
    with IceEmulator(
        access_key_id=KEY_ID, access_key_secret=KEY_SECRET, faults={"latency_ms": 5}, scripted_faults=scripted
    ) as emulator:
        emulator.set_faults(unavailable_rate=1.0, clear_scripted=True)
        emulator.reset()
        report = emulator.state.fault_report()
        assert report["config"]["latency_ms"] == 5
        assert report["config"]["unavailable_rate"] == 0
        assert [fault["kind"] for fault in report["scripted"]] == ["unavailable"]


def test_concurrent_clients_are_counted_exactly(emulator: IceEmulator) -> None:
    threads_before = threading.active_count()
    emulator.reset()
    # 320 submits, more than the account limit's 100 a second allows at once: this test counts
    # requests, not the limit (test_account_limit.py holds that), so it lifts it.
    emulator.set_faults(qps_limit=None)

    def worker() -> int:
        with httpx.Client(timeout=10) as http:
            return sum(submit(http, emulator).status_code == 200 for _ in range(40))

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: worker(), range(8)))
    assert sum(results) == 320
    counters = emulator.counters()
    assert counters.requests["SubmitIProductionJob"] == 320
    assert counters.jobs_submitted["SubmitIProductionJob"] == 320
    # The server's threads for the 8 closed connections end when they read the close: waited for,
    # as a loaded machine may run them late; a thread per request kept alive would never end.
    deadline = time.monotonic() + 30
    while threading.active_count() > threads_before + 8:
        assert time.monotonic() < deadline, f"{threading.active_count() - threads_before} threads left"
        time.sleep(0.05)


def test_throughput_is_not_a_bottleneck(client: httpx.Client, emulator: IceEmulator) -> None:
    job_id = new_job(client, emulator)
    # 300 queries as fast as the machine goes: this test measures CPU per request, not the account
    # limit (the held limiter clock would refuse all past the first 100), so it lifts it.
    emulator.set_faults(qps_limit=None)
    count = 300
    # Client and emulator run in this process: its CPU time is what the requests cost, however busy
    # the machine is (wall time is not: waiting for a CPU counts there).
    started = time.process_time()
    for _ in range(count):
        ok(call(client, emulator, "QueryIProductionJob", {"JobId": job_id}))
    rate = count / (time.process_time() - started)
    # Requests per CPU second, signing and verifying included: about 550-850 on an idle 2-core
    # machine and 470-580 with 4 busy loops beside it. The floor catches an emulator that spends
    # several milliseconds of CPU per request.
    assert rate > 120, f"{rate:.0f} requests per CPU second"


def test_start_and_stop_release_the_thread_and_the_port() -> None:
    emulator = IceEmulator().start()  # raises if it is not serving within START_TIMEOUT_SECONDS
    port = emulator.port

    def serving_threads() -> list[threading.Thread]:
        return [thread for thread in threading.enumerate() if thread.name == f"ice-emulator-{port}"]

    assert len(serving_threads()) == 1
    with httpx.Client() as http:
        assert http.get(f"{emulator.url}/_emulator/health").status_code == 200
    emulator.stop()
    assert serving_threads() == []  # stop() joined it
    with pytest.raises(httpx.ConnectError), httpx.Client() as http:
        http.get(f"http://127.0.0.1:{port}/_emulator/health")
    again = IceEmulator(port=port).start()  # the port is free again
    again.stop()
