"""ICE's lists of a media family's jobs by status and creation time (ListSnapshotJobs, ...).

As ICE answers them: jobs filtered by ``Status`` (one value), by creation time (``yyyy-MM-ddTHH:mm:ssZ``,
both ends included) and by job id; newest first unless the request asks for ascending order; pages
of the requested size (default 20 or 10, at most 100, else ``InvalidParameter``) with an opaque next
token while jobs are left. An item is the Get's job object restricted to the fields the official
SDK's list item has (a list item lacks what only the Get tells, e.g. a snapshot's ``Code`` and
``UserData``). The names are written out here, not taken from the provider's declarations, so that
a wrong declaration is caught by the emulator (and both are checked against the SDK in tests).
"""

from __future__ import annotations

import calendar
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from airflow_ice.emulator.errors import invalid_parameter

LIST_TIME = "%Y-%m-%dT%H:%M:%SZ"
TOKEN_PREFIX = "page-"


@dataclass(frozen=True)
class ListShape:
    """One list action's names and limits.

    :param action: the action, e.g. ``ListSnapshotJobs``.
    :param list_key: the answer's key of the jobs.
    :param item_fields: the keys a list item has (the SDK's list item model).
    :param start: the request's name of the window's start; ``end``: of its end.
    :param page_size: the request's name of the page size; ``token``: of the page token.
    :param next_token: the answer's key of the next page's token.
    :param order: the request's name of the sort order (a value containing ``asc``: oldest first).
    :param id_filter: the request's name of the job id filter (None: the list has none).
    :param default_page_size: the page size when none is given.
    :param max_window: the longest window ICE takes, seconds (None: no bound).
    :param echoes_page_size: whether the answer repeats the page size (``MaxResults``).
    """

    action: str
    list_key: str
    item_fields: frozenset[str]
    start: str = "StartOfCreateTime"
    end: str = "EndOfCreateTime"
    page_size: str = "PageSize"
    token: str = "NextPageToken"
    next_token: str = "NextPageToken"
    order: str = "OrderBy"
    id_filter: str | None = "JobId"
    default_page_size: int = 20
    max_window: float | None = None
    echoes_page_size: bool = False

    def page(
        self,
        params: Mapping[str, str],
        jobs: Iterable[tuple[float, str, str, Callable[[], dict[str, Any]]]],
    ) -> dict[str, Any]:
        """The answer to ``params`` over ``jobs``: (created at, job id, status now, the Get's job
        object when asked for). Only the page's jobs are described, so that a list over thousands of
        jobs costs the emulator what its page holds, not a Get of each.

        :raises EmulatorApiError: ``InvalidParameter`` for a bad time, window, page size or token.
        """
        start = _list_time(params, self.start)
        end = _list_time(params, self.end)
        if start is not None and end is not None:
            if end < start:
                raise invalid_parameter(self.end, "the window ends before it starts.")
            if self.max_window is not None and end - start > self.max_window:
                raise invalid_parameter(self.end, f"the window is longer than {self.max_window:g} seconds.")
        size = _page_size(params, self.page_size, self.default_page_size)
        offset = _offset(params, self.token)
        status = params.get("Status")
        job_id = params.get(self.id_filter) if self.id_filter else None
        chosen = [
            (created, jid, item)
            for created, jid, state, item in jobs
            if (not status or state == status)
            and (not job_id or jid == job_id)
            and (start is None or math.floor(created) >= start)
            and (end is None or math.floor(created) <= end)
        ]
        ascending = "asc" in params.get(self.order, "").lower()
        chosen.sort(key=lambda found: (found[0], found[1]), reverse=not ascending)
        answer: dict[str, Any] = {
            self.list_key: [
                {key: value for key, value in item().items() if key in self.item_fields}
                for _, _, item in chosen[offset : offset + size]
            ]
        }
        if offset + size < len(chosen):
            answer[self.next_token] = f"{TOKEN_PREFIX}{offset + size}"
        if self.echoes_page_size:
            answer[self.page_size] = size
        return answer


def _list_time(params: Mapping[str, str], name: str) -> int | None:
    text = params.get(name)
    if not text:
        return None
    try:
        return calendar.timegm(time.strptime(text, LIST_TIME))
    except ValueError:
        raise invalid_parameter(name, "it must be a UTC time as yyyy-MM-ddTHH:mm:ssZ.") from None


def _page_size(params: Mapping[str, str], name: str, default: int) -> int:
    text = params.get(name)
    if not text:
        return default
    if not text.isdigit() or not 1 <= int(text) <= 100:
        raise invalid_parameter(name, "it must be a whole number from 1 to 100.")
    return int(text)


def _offset(params: Mapping[str, str], name: str) -> int:
    token = params.get(name)
    if not token:
        return 0
    number = token.removeprefix(TOKEN_PREFIX)
    if not token.startswith(TOKEN_PREFIX) or not number.isdigit():
        raise invalid_parameter(name, "the token is not one this list gave.")
    return int(number)


def _fields(names: str) -> frozenset[str]:
    return frozenset(names.split())


SNAPSHOT_LIST = ListShape(
    "ListSnapshotJobs",
    "Jobs",
    _fields(
        "Async Count CreateTime FinishTime Input JobId ModifiedTime Name Output PipelineId Status "
        "SubmitTime TemplateId TriggerSource Type"
    ),
)
MEDIA_CONVERT_LIST = ListShape(
    "ListMediaConvertJobs",
    "Jobs",
    _fields("ClientToken Code Config CreateTime FinishTime JobId Message PipelineId State UserData"),
)
MEDIA_INFO_LIST = ListShape(
    "ListMediaInfoJobs",
    "Jobs",
    _fields(
        "Async FinishTime Input JobId MediaInfoProperty Name ScheduleConfig Status SubmitResultJson "
        "SubmitTime TriggerSource UserData"
    ),
    default_page_size=10,
)
MEDIA_PRODUCING_LIST = ListShape(
    "ListMediaProducingJobs",
    "MediaProducingJobList",
    _fields(
        "ClipsParam Code CompleteTime CreateTime Duration JobId MediaId MediaURL Message ModifiedTime "
        "ProjectId Status TemplateId UserData"
    ),
    start="StartTime",
    end="EndTime",
    page_size="MaxResults",
    token="NextToken",
    next_token="NextToken",
    order="SortBy",
    id_filter=None,
    default_page_size=10,
    max_window=30 * 24 * 3600.0,
    echoes_page_size=True,
)
TRANSCODE_LIST = ListShape(
    "ListTranscodeJobs",
    "Jobs",
    _fields(
        "CreateTime FinishTime InputGroup JobCount Name OutputGroup ParentJobId Percent ScheduleConfig "
        "Status SubmitTime TriggerSource UserData"
    ),
    id_filter="ParentJobId",
)
BATCH_MEDIA_PRODUCING_LIST = ListShape(
    "ListBatchMediaProducingJobs",
    "EditingBatchJobList",
    _fields(
        "CompleteTime CreateTime EditingConfig Extend InputConfig JobId JobType ModifiedTime OutputConfig "
        "Status UserData"
    ),
    start="StartTime",
    end="EndTime",
    page_size="MaxResults",
    token="NextToken",
    next_token="NextToken",
    order="SortBy",
    echoes_page_size=True,
)
