"""How ICE lists a family's jobs by status and creation time: the declaration a family makes when
ICE has such a list action, and the reading of one page of its answer.

The waiting triggers of a connection check such a family with lists of its finished jobs, or of its
unfinished ones once those are fewer, instead of one Get per job (:mod:`airflow_ice.triggers.batching`).

What ICE takes (names and placement: the official SDK's request models, all in the query; limits:
the SDK's field docs and ICE's API reference pages, e.g.
https://www.alibabacloud.com/help/en/ims/developer-reference/api-ice-2020-11-09-listsnapshotjobs):

- the creation-time window as ``yyyy-MM-ddTHH:mm:ssZ`` in UTC (:data:`LIST_TIME_FORMAT`);
- ``Status`` takes one value: the finished (or unfinished) jobs are one list per status; the
  values are the SDK's documented ones (ListMediaProducingJobs documents no ``Queuing``, which its
  jobs can be in: such a job is missing from its lists of unfinished jobs and is read with its Get);
- pages of at most 100 jobs: ListMediaProducingJobs' ``MaxResults`` "1 to 100", ListMediaConvertJobs'
  and ListTranscodeJobs' ``PageSize`` "1 to 100", ListSnapshotJobs' "maximum value: 100";
  ListMediaInfoJobs and ListBatchMediaProducingJobs document no maximum: 100 as for the others;
- ListMediaProducingJobs' window may not exceed 30 days.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from airflow_ice.errors import IceResponseError

LIST_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
"""ICE's time in every list's window (UTC, whole seconds)."""
MAX_PAGE_SIZE = 100
"""The most jobs a list page holds (see the module's sources)."""


def list_time(moment: float) -> str:
    """Epoch seconds in ICE's list form, e.g. ``2024-07-01T08:00:00Z``."""
    return time.strftime(LIST_TIME_FORMAT, time.gmtime(moment))


@dataclass(frozen=True)
class ListCheck:
    """A family's list action with a status filter, as the waiters use it.

    :param action: the list action, e.g. ``ListSnapshotJobs``.
    :param finished_statuses: the ``Status`` values of finished jobs (one list each).
    :param running_statuses: the ``Status`` values of unfinished jobs the list filters by (one list
        each), or empty when the family's waiters list finished jobs only. A job missing from
        complete lists of these is read with its Get, which decides whether it has finished.
    :param list_key: the answer's key of the list of jobs (``Jobs``, ``MediaProducingJobList``, ...).
    :param created_field: the job model's field of the time the window filters on (``create_time``;
        media info jobs have only ``submit_time``).
    :param items_complete: whether a list item carries everything the job's XCom form holds; when
        not, a job the list shows finished is read once with its Get (the event carries the Get's job).
    :param start_name: the request's name of the window's start; ``end_name``: of its end.
    :param page_size_name: the request's name of the page size.
    :param page_token_name: the request's name of the next page's token.
    :param next_token_key: the answer's key of the next page's token.
    :param status_name: the request's name of the status filter.
    :param max_page_size: the most jobs ICE puts in one page.
    :param max_window_seconds: ICE's own bound of the window, or None when it documents none.
    """

    action: str
    finished_statuses: tuple[str, ...]
    list_key: str
    running_statuses: tuple[str, ...] = ()
    created_field: str = "create_time"
    items_complete: bool = False
    start_name: str = "StartOfCreateTime"
    end_name: str = "EndOfCreateTime"
    page_size_name: str = "PageSize"
    page_token_name: str = "NextPageToken"
    next_token_key: str = "NextPageToken"
    status_name: str = "Status"
    max_page_size: int = MAX_PAGE_SIZE
    max_window_seconds: float | None = None

    def params(
        self, status: str, start: float, end: float, page_size: int, page_token: str | None = None
    ) -> dict[str, str]:
        """The query of one page: jobs in ``status`` created from ``start`` to ``end`` (epoch seconds,
        widened to whole seconds).

        :raises ValueError: a bad page size or window (before anything is sent).
        """
        if (
            isinstance(page_size, bool)
            or not isinstance(page_size, int)
            or not 1 <= page_size <= self.max_page_size
        ):
            raise ValueError(
                f"page_size must be an integer from 1 to {self.max_page_size}, got {page_size!r}."
            )
        first, last = math.floor(start), math.ceil(end)
        if last < first:
            raise ValueError(f"the window ends ({list_time(last)}) before it starts ({list_time(first)}).")
        if self.max_window_seconds is not None and last - first > self.max_window_seconds:
            raise ValueError(f"{self.action} takes a window of at most {self.max_window_seconds:g} seconds.")
        params = {
            self.status_name: status,
            self.start_name: list_time(first),
            self.end_name: list_time(last),
            self.page_size_name: str(page_size),
        }
        if page_token is not None:
            params[self.page_token_name] = page_token
        return params

    def page_of(self, answer: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], str | None]:
        """The answer's job objects and the next page's token (None on the last page).

        :raises IceResponseError: the answer holds no list of jobs (an empty page is ``[]`` or absent).
        """
        items = answer.get(self.list_key)
        if items is None:
            items = []
        if not isinstance(items, list):
            raise IceResponseError(self.action, f"{self.list_key} is not a list", repr(answer)[:500])
        token = answer.get(self.next_token_key)
        return [item for item in items if isinstance(item, Mapping)], token if isinstance(
            token, str
        ) and token else None

    def created_at(self, job: object) -> float | None:
        """When ICE created ``job`` (a parsed job model), in epoch seconds; None when it does not say."""
        moment = getattr(job, self.created_field, None)
        return moment.timestamp() if isinstance(moment, datetime) else None


@dataclass
class JobListPage:
    """One page of a list of jobs.

    :param jobs: the jobs it holds, parsed by the family's job model.
    :param unread: the ids of items that could not be parsed (their job is read with its Get).
    :param next_token: the next page's token, or None on the last page.
    """

    jobs: Sequence[Any] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    next_token: str | None = None


__all__ = ["LIST_TIME_FORMAT", "MAX_PAGE_SIZE", "JobListPage", "ListCheck", "list_time"]
