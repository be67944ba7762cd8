"""The emulator's lists of a family's jobs answer as ICE: by status, by creation window (both ends
included), newest first unless asked otherwise, in pages with a next token, items trimmed to the
list's fields; a bad time, window, page size or token is ``InvalidParameter``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from airflow_ice.emulator import IceEmulator
from airflow_ice.emulator.actions.lifecycle import LifecycleJob
from airflow_ice.emulator.actions.snapshot import SnapshotActions
from airflow_ice.errors import IceApiError
from airflow_ice.hooks.ice import IceHook
from airflow_ice.jobs.list_check import list_time
from tests.support.emulator import ManualClock
from tests.support.family_cases import MEDIA_PRODUCING, SNAPSHOT

JOB_SECONDS = 100.0


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_720_000_000.0)


@pytest.fixture
def ice(clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[IceEmulator]:
    with IceEmulator(job_seconds=JOB_SECONDS, clock=clock) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", emulator.connection_json(max_retries=0))
        yield emulator


def listed(params: dict[str, Any], action: str = "ListSnapshotJobs") -> dict[str, Any]:
    with IceHook() as hook:
        return hook.call(action, params)


def ids(answer: dict[str, Any], key: str = "Jobs") -> list[str]:
    return [item["JobId"] for item in answer[key]]


def test_status_window_order_and_pages(ice: IceEmulator, clock: ManualClock) -> None:
    first = [SNAPSHOT.submit_job() for _ in range(3)]
    clock.advance(10)
    later = [SNAPSHOT.submit_job(), SNAPSHOT.submit_job(fail=True)]
    clock.advance(JOB_SECONDS + 5)  # the first three and the later two have ended
    running = SNAPSHOT.submit_job()
    window = {"StartOfCreateTime": list_time(clock() - 500), "EndOfCreateTime": list_time(clock())}

    oldest_first = ids(listed({**window, "Status": "Success", "OrderBy": "CreateTimeAsc"}))
    assert set(oldest_first[:3]) == set(first)  # created in the same second: any order among them
    assert oldest_first[3:] == [later[0]]
    assert ids(listed({**window, "Status": "Fail"})) == [later[1]]
    assert ids(listed({**window, "Status": "Init"})) == [running]
    only_first = {"StartOfCreateTime": list_time(1_720_000_000), "EndOfCreateTime": list_time(1_720_000_009)}
    assert sorted(ids(listed({**only_first, "Status": "Success"}))) == sorted(first)

    page = listed({**window, "Status": "Success", "PageSize": "3"})
    rest = listed({**window, "Status": "Success", "PageSize": "3", "NextPageToken": page["NextPageToken"]})
    assert len(ids(page)) == 3
    assert ids(page)[0] == later[0]  # newest first
    assert "NextPageToken" not in rest
    assert set(ids(page) + ids(rest)) == {*first, later[0]}
    # A list item lacks what only the Get tells.
    assert "UserData" not in page["Jobs"][0]
    assert "Code" not in listed({**window, "Status": "Fail"})["Jobs"][0]


@pytest.mark.parametrize(
    "params",
    [
        {"StartOfCreateTime": "2024-07-03 09:00:00"},
        {"StartOfCreateTime": "2024-07-03T10:00:00Z", "EndOfCreateTime": "2024-07-03T09:00:00Z"},
        {"PageSize": "101"},
        {"PageSize": "0"},
        {"NextPageToken": "not-a-token"},
    ],
)
def test_bad_parameters_are_refused(ice: IceEmulator, params: dict[str, str]) -> None:
    with pytest.raises(IceApiError, match="InvalidParameter"):
        listed(params)


def test_media_producing_windows_are_at_most_thirty_days(ice: IceEmulator, clock: ManualClock) -> None:
    MEDIA_PRODUCING.submit_job()
    now = clock()
    month = {"StartTime": list_time(now - 31 * 86400), "EndTime": list_time(now)}
    with pytest.raises(IceApiError, match="InvalidParameter"):
        listed(month, "ListMediaProducingJobs")
    answer = listed(
        {"StartTime": list_time(now - 60), "EndTime": list_time(now), "Status": "Init"},
        "ListMediaProducingJobs",
    )
    assert len(answer["MediaProducingJobList"]) == 1
    assert answer["MaxResults"] == 10


def test_job_records_count_the_gets_answered_while_running_and_once_finished(
    ice: IceEmulator, clock: ManualClock
) -> None:
    """What proves how a client waited (each job polled, or listed): a list reads no job."""
    job_id = SNAPSHOT.submit_job()
    window = {"StartOfCreateTime": list_time(clock() - 60), "EndOfCreateTime": list_time(clock() + 60)}
    with IceHook() as hook:
        hook.call("GetSnapshotJob", {"JobId": job_id})
        listed({**window, "Status": "Success"})
        clock.advance(JOB_SECONDS + 1)
        listed({**window, "Status": "Success"})
        hook.call("GetSnapshotJob", {"JobId": job_id})
        hook.call("GetSnapshotJob", {"JobId": job_id})
    (record,) = [r for r in ice.jobs() if r["JobId"] == job_id]
    assert record["Reads"] == {"Running": 1, "Finished": 2}


def test_a_list_describes_only_the_jobs_of_its_page(
    ice: IceEmulator, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A list over thousands of jobs costs the emulator its page, not a Get of every job (the
    account-scale benchmark lists 2,500 jobs a family, several times a second)."""
    (group,) = [g for g in ice.state.actions.groups if isinstance(g, SnapshotActions)]
    for _ in range(12):
        SNAPSHOT.submit_job()
    SNAPSHOT.submit_job(fail=True)
    clock.advance(JOB_SECONDS + 1)
    described: list[str] = []
    real = group.describe

    def counting(job: LifecycleJob, now: float) -> dict[str, Any]:
        described.append(job.job_id)
        return real(job, now)

    monkeypatch.setattr(group, "describe", counting)
    window = {"StartOfCreateTime": list_time(clock() - 500), "EndOfCreateTime": list_time(clock())}
    page = listed({**window, "Status": "Success", "PageSize": "5"})
    assert described == ids(page)
    assert len(described) == 5
    assert "NextPageToken" in page
