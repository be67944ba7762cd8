"""The process-wide credentials cache: refresh windows, single-flight refresh across threads and
event loops, failures and cancellation. Fetchers here are plain functions counting their calls."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Awaitable, Callable

import pytest

from airflow_ice.client.signing import Credentials
from airflow_ice.credentials import CredentialsCache, TemporaryCredentials
from airflow_ice.errors import IceCredentialsError, IceCredentialsUnavailableError
from tests.support.credentials import FakeClock

LIFETIME = 3600.0


class CountingFetcher:
    """Issues credentials numbered by call; can be held until released, or made to fail."""

    def __init__(self, clock: FakeClock, lifetime: float = LIFETIME) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.calls = 0
        self.failure: BaseException | None = None
        self.release = threading.Event()
        self.release.set()
        self.started = threading.Event()
        self.async_gate: asyncio.Event | None = None

    def _issue(self) -> TemporaryCredentials:
        self.calls += 1
        if self.failure is not None:
            raise self.failure
        now = self.clock()
        credentials = Credentials(f"STS.key-{self.calls}", f"secret-{self.calls}", f"token-{self.calls}")
        return TemporaryCredentials(credentials, now + self.lifetime, now)

    def fetch(self) -> TemporaryCredentials:
        self.started.set()
        self.release.wait(10)
        return self._issue()

    async def afetch(self) -> TemporaryCredentials:
        self.started.set()
        if self.async_gate is not None:
            await self.async_gate.wait()
        await asyncio.sleep(0)
        return self._issue()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_700_000_000.0)


def test_windows_of_a_one_hour_and_a_short_lifetime() -> None:
    hour = TemporaryCredentials(Credentials("a", "b", "c"), expiration=10_000.0, obtained_at=10_000.0 - 3600)
    assert hour.refresh_at == 10_000.0 - 900  # 15 minutes before expiry
    assert hour.usable_until == 10_000.0 - 60
    short = TemporaryCredentials(Credentials("a", "b", "c"), expiration=103.0, obtained_at=100.0)
    assert short.refresh_at == pytest.approx(102.0)  # a third of the lifetime left
    assert short.usable_until == pytest.approx(102.7)


def test_fetches_once_then_serves_from_memory(clock: FakeClock) -> None:
    fetcher = CountingFetcher(clock)
    cache = CredentialsCache("ram_role_arn", clock)
    assert cache.get(fetcher.fetch).access_key_id == "STS.key-1"
    clock.advance(LIFETIME - 901)
    assert cache.get(fetcher.fetch).access_key_id == "STS.key-1"
    assert fetcher.calls == 1
    clock.advance(2)  # 15 minutes before expiry: refresh
    assert cache.get(fetcher.fetch).access_key_id == "STS.key-2"
    assert fetcher.calls == 2
    assert cache.refreshes == 2


def test_in_the_refresh_window_others_keep_the_old_credentials_meanwhile(clock: FakeClock) -> None:
    fetcher = CountingFetcher(clock)
    cache = CredentialsCache("ram_role_arn", clock)
    cache.get(fetcher.fetch)
    clock.advance(LIFETIME - 600)  # past refresh_at, before usable_until
    fetcher.release.clear()
    fetcher.started.clear()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        leader = pool.submit(cache.get, fetcher.fetch)
        assert fetcher.started.wait(10)
        # The refresh is in flight and blocked: other callers are not held up.
        others = [cache.get(fetcher.fetch).access_key_id for _ in range(20)]
        assert others == ["STS.key-1"] * 20
        fetcher.release.set()
        assert leader.result(10).access_key_id == "STS.key-2"
    assert cache.get(fetcher.fetch).access_key_id == "STS.key-2"
    assert fetcher.calls == 2


def test_near_expiry_every_thread_waits_for_one_refresh(clock: FakeClock) -> None:
    fetcher = CountingFetcher(clock)
    cache = CredentialsCache("ram_role_arn", clock)
    cache.get(fetcher.fetch)
    clock.advance(LIFETIME - 30)  # past usable_until
    fetcher.release.clear()
    fetcher.started.clear()
    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        results = [pool.submit(cache.get, fetcher.fetch) for _ in range(200)]
        assert fetcher.started.wait(10)
        fetcher.release.set()
        keys = {future.result(10).access_key_id for future in results}
    assert keys == {"STS.key-2"}
    assert fetcher.calls == 2


async def test_thousands_of_coroutines_share_one_fetch(clock: FakeClock) -> None:
    fetcher = CountingFetcher(clock)
    fetcher.async_gate = asyncio.Event()
    cache = CredentialsCache("oidc_role_arn", clock)
    tasks = [asyncio.ensure_future(cache.aget(fetcher.afetch)) for _ in range(5000)]
    await asyncio.sleep(0)
    fetcher.async_gate.set()
    results = await asyncio.gather(*tasks)
    assert {credentials.access_key_id for credentials in results} == {"STS.key-1"}
    assert fetcher.calls == 1
    assert cache.refreshes == 1


async def test_threads_and_coroutines_share_one_refresh(clock: FakeClock) -> None:
    fetcher = CountingFetcher(clock)
    fetcher.release.clear()
    cache = CredentialsCache("ecs_ram_role", clock)
    loop = asyncio.get_running_loop()
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        # A worker thread leads the refresh (blocked); coroutines on this loop wait for it.
        threads = [loop.run_in_executor(pool, cache.get, fetcher.fetch) for _ in range(20)]
        await asyncio.to_thread(fetcher.started.wait, 10)
        coroutines = [asyncio.ensure_future(cache.aget(fetcher.afetch)) for _ in range(1000)]
        await asyncio.sleep(0.01)
        assert not any(task.done() for task in coroutines)
        fetcher.release.set()
        results = await asyncio.gather(*threads, *coroutines)
    assert {credentials.access_key_id for credentials in results} == {"STS.key-1"}
    assert fetcher.calls == 1


def test_a_failure_reaches_every_waiter_and_is_remembered_briefly(clock: FakeClock) -> None:
    fetcher = CountingFetcher(clock)
    fetcher.failure = IceCredentialsUnavailableError("ram_role_arn", "STS is down", "ServiceUnavailable")
    fetcher.release.clear()
    cache = CredentialsCache("ram_role_arn", clock, failure_backoff=5.0)
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        results = [pool.submit(cache.get, fetcher.fetch) for _ in range(10)]
        assert fetcher.started.wait(10)
        fetcher.release.set()
        errors = [future.exception(10) for future in results]
    assert fetcher.calls == 1
    assert all(isinstance(error, IceCredentialsUnavailableError) for error in errors)
    assert {str(error) for error in errors} == {"Credentials from source 'ram_role_arn' failed: STS is down"}
    # Each waiter got its own copy (one shared object would collect every waiter's traceback).
    assert len({id(error) for error in errors}) >= 9
    # Within the backoff the failure is answered from memory, without asking again.
    with pytest.raises(IceCredentialsUnavailableError, match="STS is down"):
        cache.get(fetcher.fetch)
    assert fetcher.calls == 1
    clock.advance(5.0)
    fetcher.failure = None
    assert cache.get(fetcher.fetch).access_key_id == "STS.key-2"


def test_a_failed_refresh_keeps_the_still_valid_credentials(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    fetcher = CountingFetcher(clock)
    cache = CredentialsCache("ram_role_arn", clock)
    cache.get(fetcher.fetch)
    clock.advance(LIFETIME - 600)
    fetcher.failure = IceCredentialsError("ram_role_arn", "refused")
    with caplog.at_level(logging.WARNING, logger="airflow_ice.credentials.cache"):
        assert cache.get(fetcher.fetch).access_key_id == "STS.key-1"
    assert "Refreshing credentials from ram_role_arn failed" in caplog.text
    clock.advance(600 - 30)  # now too close to expiry: the failure surfaces
    with pytest.raises(IceCredentialsError, match="refused"):
        cache.get(fetcher.fetch)


async def test_a_cancelled_refresher_hands_over_to_a_waiter(clock: FakeClock) -> None:
    fetcher = CountingFetcher(clock)
    fetcher.async_gate = asyncio.Event()
    cache = CredentialsCache("oidc_role_arn", clock)
    leader = asyncio.ensure_future(cache.aget(fetcher.afetch))
    await asyncio.sleep(0)
    waiters = [asyncio.ensure_future(cache.aget(fetcher.afetch)) for _ in range(10)]
    await asyncio.sleep(0)
    leader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leader
    fetcher.async_gate.set()
    results = await asyncio.gather(*waiters)
    assert {credentials.access_key_id for credentials in results} == {"STS.key-1"}
    assert cache.refreshes == 2  # the cancelled one, and the waiter that took over


async def test_a_cancelled_waiter_does_not_cancel_the_refresh(clock: FakeClock) -> None:
    fetcher = CountingFetcher(clock)
    fetcher.async_gate = asyncio.Event()
    cache = CredentialsCache("oidc_role_arn", clock)
    leader = asyncio.ensure_future(cache.aget(fetcher.afetch))
    waiter = asyncio.ensure_future(cache.aget(fetcher.afetch))
    other = asyncio.ensure_future(cache.aget(fetcher.afetch))
    await asyncio.sleep(0)
    waiter.cancel()
    fetcher.async_gate.set()
    assert (await leader).access_key_id == "STS.key-1"
    assert (await other).access_key_id == "STS.key-1"
    assert waiter.cancelled()
    assert fetcher.calls == 1


def test_invalidate_forces_a_refresh(clock: FakeClock) -> None:
    fetcher = CountingFetcher(clock)
    cache = CredentialsCache("ecs_ram_role", clock)
    cache.get(fetcher.fetch)
    cache.invalidate()
    assert cache.current is None
    assert cache.get(fetcher.fetch).access_key_id == "STS.key-2"


def test_refresh_on_other_event_loops_is_shared(clock: FakeClock) -> None:
    fetcher = CountingFetcher(clock)
    fetcher.release.clear()
    cache = CredentialsCache("ram_role_arn", clock)

    def on_own_loop(call: Callable[[], Awaitable[Credentials]]) -> Credentials:
        return asyncio.run(call())  # type: ignore[arg-type]

    async def via_sync_fetch() -> TemporaryCredentials:
        return await asyncio.to_thread(fetcher.fetch)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(on_own_loop, lambda: cache.aget(via_sync_fetch)) for _ in range(8)]
        assert fetcher.started.wait(10)
        fetcher.release.set()
        keys = {future.result(10).access_key_id for future in futures}
    assert keys == {"STS.key-1"}
    assert fetcher.calls == 1


def test_repr_shows_state_not_secrets(clock: FakeClock) -> None:
    fetcher = CountingFetcher(clock)
    cache = CredentialsCache("ram_role_arn", clock)
    cache.get(fetcher.fetch)
    text = repr(cache) + repr(cache.current)
    assert "STS.key-1" in text
    assert "secret-1" not in text
    assert "token-1" not in text
