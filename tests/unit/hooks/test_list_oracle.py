"""The official SDK is the oracle of the list actions the waiters check families with: our list
request (names, placement, time format) equals the SDK's; the SDK's fully populated list answer
parses (every leaf of its item kept, no warning); the emulator's lists use the SDK's names; and
each family's ``items_complete`` says truly whether a list item carries the job's whole XCom form."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest
from alibabacloud_ice20201109 import models as sdk_models

from airflow_ice.emulator.actions.listing import (
    BATCH_MEDIA_PRODUCING_LIST,
    MEDIA_CONVERT_LIST,
    MEDIA_INFO_LIST,
    MEDIA_PRODUCING_LIST,
    SNAPSHOT_LIST,
    TRANSCODE_LIST,
    ListShape,
)
from airflow_ice.families import all_families
from airflow_ice.hooks.ice import IceHook
from airflow_ice.jobs.family import AnyFamily
from airflow_ice.jobs.list_check import list_time
from tests.support.sdk_oracle import CaptureServer, filled, leaves
from tests.unit.hooks.test_sdk_oracle import (
    dumped,
    is_kept,
    kept_leaves,
    sdk_client,
    sdk_method_name,
    status,
    warnings_of,
)

LISTED = {name: family for name, family in all_families().items() if family.list_check is not None}
EMULATED: dict[str, ListShape] = {
    shape.action: shape
    for shape in (
        SNAPSHOT_LIST,
        MEDIA_CONVERT_LIST,
        MEDIA_INFO_LIST,
        MEDIA_PRODUCING_LIST,
        TRANSCODE_LIST,
        BATCH_MEDIA_PRODUCING_LIST,
    )
}
# The Get answer's key of the job object, per family (the list item is that object, trimmed).
GET_ENVELOPES = {
    "snapshot": "SnapshotJob",
    "media_convert": "Job",
    "media_info": "MediaInfoJob",
    "media_producing": "MediaProducingJob",
    "transcode": "TranscodeParentJob",
    "batch_media_producing": "EditingBatchJob",
}
START, END = 1_720_000_000.4, 1_720_003_600.2


def sdk_map(model: type, **hints: Any) -> dict[str, Any]:
    result: dict[str, Any] = filled(model, **hints).to_map()
    return result


def status_key(family: AnyFamily) -> str:
    return "State" if family.name == "Media convert" else "Status"


def list_answer(family: AnyFamily) -> dict[str, Any]:
    assert family.list_check is not None
    hint = {status_key(family): status(family.list_check.finished_statuses[0])}
    return sdk_map(getattr(sdk_models, f"{family.list_check.action}ResponseBody"), **hint)


def test_the_families_with_a_list_are_the_issues() -> None:
    assert set(LISTED) == set(GET_ENVELOPES)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("name", sorted(LISTED))
def test_list_request_equals_the_sdk_request(
    server: CaptureServer, hook: IceHook, name: str, mode: str
) -> None:
    family = LISTED[name]
    check = family.list_check
    assert check is not None
    server.answers[check.action] = list_answer(family)
    status_value = check.finished_statuses[-1]
    sdk_request = getattr(sdk_models, f"{check.action}Request")().from_map(
        {
            check.status_name: status_value,
            check.start_name: list_time(int(START)),
            check.end_name: list_time(int(END) + 1),
            check.page_size_name: 100,
            check.page_token_name: "token-2",
        }
    )
    getattr(sdk_client(server.endpoint), sdk_method_name(check.action))(sdk_request)
    theirs = server.take().wire()

    if mode == "sync":
        hook.list_jobs(family, status_value, START, END, page_size=100, page_token="token-2")
    else:

        async def run() -> None:
            try:
                await hook.alist_jobs(family, status_value, START, END, page_size=100, page_token="token-2")
            finally:
                await hook.aclose()

        asyncio.run(run())
    ours = server.take().wire()

    assert ours == theirs
    assert theirs["query"][check.start_name] == "2024-07-03T09:46:40Z"


@pytest.mark.parametrize("name", sorted(LISTED))
def test_the_sdks_full_list_answer_parses(server: CaptureServer, hook: IceHook, name: str) -> None:
    family = LISTED[name]
    check = family.list_check
    assert check is not None
    answer = list_answer(family)
    server.answers[check.action] = answer

    page = hook.list_jobs(family, check.finished_statuses[0], START, END)

    (item,) = answer[check.list_key]
    (job,) = page.jobs
    assert page.unread == []
    assert page.next_token == answer[check.next_token_key]
    assert job.job_id == item[family.job_id_name]
    assert job.is_terminal
    ours = dumped(job)
    kept = kept_leaves(ours)
    lost = {path: value for path, value in leaves(item) if not is_kept(value, kept)}
    assert lost == {}
    assert warnings_of(ours) == []


@pytest.mark.parametrize("name", sorted(LISTED))
def test_the_declarations_use_the_sdks_names(name: str) -> None:
    check = LISTED[name].list_check
    assert check is not None
    request = sdk_map(getattr(sdk_models, f"{check.action}Request"))
    answer = sdk_map(getattr(sdk_models, f"{check.action}ResponseBody"))
    names = (check.status_name, check.start_name, check.end_name, check.page_size_name, check.page_token_name)
    assert set(names) <= set(request)
    assert {check.list_key, check.next_token_key} <= set(answer)


@pytest.mark.parametrize("action", sorted(EMULATED))
def test_the_emulators_lists_use_the_sdks_names(action: str) -> None:
    shape = EMULATED[action]
    request = sdk_map(getattr(sdk_models, f"{action}Request"))
    answer = sdk_map(getattr(sdk_models, f"{action}ResponseBody"))
    names = {shape.start, shape.end, shape.page_size, shape.token, shape.order, "Status"}
    assert names | ({shape.id_filter} if shape.id_filter else set()) <= set(request)
    assert {shape.list_key, shape.next_token} <= set(answer)
    # An item has the SDK's item fields (the RequestId some SDK items declare is no job field).
    assert shape.item_fields == set(answer[shape.list_key][0]) - {"RequestId"}


def restricted(value: Any, shape: Any) -> Any:
    """``value`` with only the keys ``shape`` has, at every depth."""
    if isinstance(value, Mapping) and isinstance(shape, Mapping):
        return {key: restricted(item, shape[key]) for key, item in value.items() if key in shape}
    if isinstance(value, list) and isinstance(shape, list) and shape:
        return [restricted(item, shape[0]) for item in value]
    return value


@pytest.mark.parametrize("name", sorted(LISTED))
def test_items_complete_says_whether_a_list_item_holds_the_whole_xcom_form(name: str) -> None:
    """The Get's fully populated job, cut to what the SDK's list item has, gives the same XCom
    form exactly when the family declares its items complete (else its finished jobs are read
    once with their Get)."""
    family = LISTED[name]
    check = family.list_check
    assert check is not None
    envelope = GET_ENVELOPES[name]
    get_answer = sdk_map(getattr(sdk_models, f"{family.get_action}ResponseBody"))
    item_shape = sdk_map(getattr(sdk_models, f"{check.action}ResponseBody"))[check.list_key][0]
    whole = family.parse_job(get_answer, "job-1").to_xcom()
    from_item = family.parse_listed(restricted(get_answer[envelope], item_shape)).to_xcom()
    assert (from_item == whole) is check.items_complete
