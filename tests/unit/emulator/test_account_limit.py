"""The emulator's account limit: calls per second per action, one budget for every client, answered
as ICE answers throttling. The limiter's clock is held (moved by hand), so which call is throttled
never depends on the machine's speed."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from airflow_ice.emulator.account_limit import DEFAULT_ACTION_QPS
from airflow_ice.emulator.cli import add_emulator_options, emulator_kwargs
from airflow_ice.emulator.server import IceEmulator
from airflow_ice.errors import IceThrottlingError
from airflow_ice.hooks.ice import IceHook
from tests.support.emulator import KEY_ID, KEY_SECRET, ManualClock, call, iproduction_params, ok

QUERY = "QueryIProductionJob"
SUBMIT = "SubmitIProductionJob"
ICE_ERROR_FIELDS = {"RequestId", "HostId", "Code", "Message", "Recommend"}


@pytest.fixture(scope="module")
def limit_clock() -> ManualClock:
    """The budgets' clock: it stands still unless a test moves it."""
    return ManualClock(0.0)


@pytest.fixture(scope="module")
def served(limit_clock: ManualClock) -> Iterator[IceEmulator]:
    with IceEmulator(
        access_key_id=KEY_ID, access_key_secret=KEY_SECRET, job_seconds=30, limit_clock=limit_clock
    ) as running:
        yield running


@pytest.fixture
def emulator(served: IceEmulator) -> IceEmulator:
    served.reset()  # every budget full again
    return served


@pytest.fixture
def job_id(emulator: IceEmulator) -> str:
    with httpx.Client(timeout=5) as http:
        submitted: str = ok(call(http, emulator, SUBMIT, iproduction_params()))["JobId"]
    return submitted


def query(http: httpx.Client, emulator: IceEmulator, job_id: str) -> httpx.Response:
    return call(http, emulator, QUERY, {"JobId": job_id})


def assert_throttled_like_ice(response: httpx.Response, status: int = 400) -> None:
    body = response.json()
    assert response.status_code == status
    assert set(body) == ICE_ERROR_FIELDS
    assert body["Code"] == "Throttling.User"
    assert body["Message"] == "Request was denied due to user flow control."
    assert body["HostId"] == "ice.cn-shanghai.aliyuncs.com"
    assert body["Recommend"] == "https://api.aliyun.com/troubleshoot?q=Throttling.User&product=ICE"
    assert body["RequestId"] == response.headers["x-acs-request-id"]


def test_two_clients_share_one_action_budget_and_it_refills_with_time(
    emulator: IceEmulator, job_id: str, limit_clock: ManualClock
) -> None:
    assert emulator.state.faults.config.qps_limit == DEFAULT_ACTION_QPS == 100
    with httpx.Client(timeout=5) as first, httpx.Client(timeout=5) as second:
        # 100 calls of one action between two clients (two connections): the whole budget.
        for client in [first] * 60 + [second] * 40:
            ok(query(client, emulator, job_id))
        assert_throttled_like_ice(query(first, emulator, job_id))
        assert_throttled_like_ice(query(second, emulator, job_id))
        # Another action has its own budget (one submit spent by the fixture).
        ok(call(second, emulator, SUBMIT, iproduction_params()))
        counters = emulator.counters()
        assert counters.requests[QUERY] == 102
        assert counters.faults["qps_limited"] == 2
        assert counters.faults["throttling"] == 0

        limit_clock.advance(0.015)  # 1.5 tokens at 100 a second: one call
        ok(query(second, emulator, job_id))
        assert_throttled_like_ice(query(first, emulator, job_id))
        limit_clock.advance(5)  # a full bucket, never more than one second's worth
        statuses = [query(client, emulator, job_id).status_code for client in [first, second] * 51]
        assert statuses == [200] * 100 + [400] * 2
    assert emulator.counters().faults["qps_limited"] == 5


async def test_a_sync_and_an_async_hook_share_one_action_budget(
    emulator: IceEmulator, job_id: str, limit_clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No retries: each refused call shows as ICE answered it.
    monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", emulator.connection_json(max_retries=0))
    sync_hook, async_hook = IceHook(), IceHook()
    try:
        for _ in range(70):
            sync_hook.call(QUERY, {"JobId": job_id})
        for _ in range(30):
            await async_hook.acall(QUERY, {"JobId": job_id})
        with pytest.raises(IceThrottlingError) as refused_async:
            await async_hook.acall(QUERY, {"JobId": job_id})
        with pytest.raises(IceThrottlingError) as refused_sync:
            sync_hook.call(QUERY, {"JobId": job_id})
        for refused in (refused_async.value, refused_sync.value):
            assert (refused.code, refused.http_status) == ("Throttling.User", 400)
            assert refused.message == "Request was denied due to user flow control."
        limit_clock.advance(0.015)  # 1.5 tokens: one call
        await async_hook.acall(QUERY, {"JobId": job_id})
    finally:
        sync_hook.close()
        await async_hook.aclose()
    counters = emulator.counters()
    assert counters.requests[QUERY] == 103
    assert counters.faults["qps_limited"] == 2


def test_threads_on_their_own_connections_share_the_budget(emulator: IceEmulator, job_id: str) -> None:
    def worker() -> list[int]:
        with httpx.Client(timeout=10) as http:
            return [query(http, emulator, job_id).status_code for _ in range(25)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = [status for statuses in pool.map(lambda _: worker(), range(8)) for status in statuses]
    assert sorted(statuses) == [200] * 100 + [400] * 100
    assert emulator.counters().faults["qps_limited"] == 100


def test_a_per_action_override_applies_to_that_action_only(emulator: IceEmulator, job_id: str) -> None:
    emulator.set_faults(qps_limits={SUBMIT: 3})
    with httpx.Client(timeout=5) as http:
        # The fixture's submit drew on the default budget, before the override refilled it.
        statuses = [call(http, emulator, SUBMIT, iproduction_params()).status_code for _ in range(5)]
        assert statuses == [200] * 3 + [400] * 2
        assert [query(http, emulator, job_id).status_code for _ in range(101)] == [200] * 100 + [400]
    counters = emulator.counters()
    assert counters.jobs_submitted[SUBMIT] == 4
    assert counters.faults["qps_limited"] == 3


def test_the_throttled_answer_is_the_throttling_fault_answer(emulator: IceEmulator, job_id: str) -> None:
    emulator.set_faults(qps_limits={QUERY: 1}, throttle_status=429, retry_after_ms=250)
    with httpx.Client(timeout=5) as http:
        ok(query(http, emulator, job_id))
        limited = query(http, emulator, job_id)
        emulator.set_faults(qps_limits={}, scripted=[{"kind": "throttling", "action": QUERY}])
        scripted = query(http, emulator, job_id)
    for response in (limited, scripted):
        assert_throttled_like_ice(response, status=429)
        assert response.headers["x-acs-retry-after"] == "250"
    assert {**limited.json(), "RequestId": ""} == {**scripted.json(), "RequestId": ""}
    faults = emulator.counters().faults
    assert (faults["qps_limited"], faults["throttling"]) == (1, 1)


def test_the_limit_can_be_turned_off(emulator: IceEmulator, job_id: str) -> None:
    with httpx.Client(timeout=5) as http:
        answer = http.post(f"{emulator.url}/_emulator/faults", json={"qps_limit": None})
        assert answer.json()["config"]["qps_limit"] is None
        assert {query(http, emulator, job_id).status_code for _ in range(150)} == {200}
        emulator.set_faults(replace=True)  # no faults: the account limit is back
        assert [query(http, emulator, job_id).status_code for _ in range(101)] == [200] * 100 + [400]


@pytest.mark.parametrize(
    ("argv", "limit"),
    [([], DEFAULT_ACTION_QPS), (["--qps-limit", "20"], 20.0), (["--no-qps-limit"], None)],
)
def test_command_line_limit(argv: list[str], limit: float | None) -> None:
    args = add_emulator_options(argparse.ArgumentParser()).parse_args(
        [*argv, "--qps-limit-for", f"{SUBMIT}=2"]
    )
    faults = emulator_kwargs(args)["faults"]
    assert (faults["qps_limit"], faults["qps_limits"]) == (limit, {SUBMIT: 2.0})


def test_command_line_limit_or_none_not_both() -> None:
    with pytest.raises(SystemExit):
        add_emulator_options(argparse.ArgumentParser()).parse_args(["--qps-limit", "5", "--no-qps-limit"])
