"""Triggers checked together: they join their connection's shared poller instead of polling alone.

A :class:`SharedPollTrigger` does not read its job itself: it joins the process's poller of its
kind and connection on its event loop (:mod:`airflow_ice.triggers.batching`), which reads the jobs
of all its members with few calls and wakes each trigger with its own job. Two kinds exist:

- batches by id (``BatchGetYikeAIAppJob``): the Yike AI-app trigger;
- lists of finished jobs (:class:`ListCheckedJobTrigger`): the families whose declaration has a
  :attr:`~airflow_ice.jobs.family.JobFamily.list_check` (snapshot, media info, media convert, media
  producing, transcode and batch media producing).

Events, deadlines and error handling are those of :class:`~airflow_ice.triggers.base.IceJobTrigger`;
only the number of calls changes. The families ICE can read only one by one (IProduction, Yike
storyboards, smart tagging, ...) keep polling alone, on their duration-aware schedule.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable
from typing import TYPE_CHECKING, cast

from airflow.triggers.base import TriggerEvent

from airflow_ice.jobs.family import IceJob
from airflow_ice.triggers.base import IceJobTrigger
from airflow_ice.triggers.batching import BATCHED_POLLERS, BatchMember, ListedJobKind, PollKind

if TYPE_CHECKING:
    from airflow_ice.hooks.ice import IceHook


class SharedPollTrigger(IceJobTrigger):
    """A trigger whose checks the shared poller of its kind and connection makes.

    A subclass says how its jobs are read (:meth:`poll_kind`). See
    :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    _member: BatchMember | None = None

    def poll_kind(self) -> PollKind:
        """How the poller reads this trigger's jobs."""
        raise NotImplementedError

    def member_batch_size(self) -> int | None:
        """The largest batch this trigger accepts (batches by id), or None for the poller's default."""
        return None

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Join the shared poller, wait as the base trigger does, and leave it on any exit."""
        first_wait = None if self.first_poll_at is None else self.first_poll_at - time.time()
        self._member = BATCHED_POLLERS.join(
            self.poll_kind(),
            self.ice_conn_id,
            self.job_id,
            self.poll_interval,
            self.member_batch_size(),
            first_wait,
            self.created_at,
        )
        try:
            # Closed on exit so that the base's own clean-up runs now, not when it is collected.
            base_events = cast(AsyncGenerator[TriggerEvent, None], super().run())
            async with contextlib.aclosing(base_events) as events:
                async for event in events:
                    yield event
        finally:
            await self._member.leave()
            self._member = None

    def poll_job(self, hook: IceHook, remaining: float | None) -> Awaitable[IceJob | None]:
        """The job as the poller's next round sees it; None if the deadline comes first."""
        if self._member is None:
            raise RuntimeError("poll_job() is called by run(), which joins the shared poller first")
        return self._member.next_job(remaining)

    async def pause_before_first_poll(self) -> None:
        """Nothing: the poller makes the first check at ``first_poll_at`` (given when joining)."""

    async def pause_between_polls(self, remaining: float | None) -> None:
        """Nothing: the poller paces the checks (``poll_interval`` per trigger)."""


class ListCheckedJobTrigger(SharedPollTrigger):
    """A trigger of a family ICE lists by status: checked with the lists of its finished jobs.

    The poller of its connection and family lists the finished jobs created in a window covering
    its members' jobs, once per round, and hands each trigger its job (read once with its Get when
    the list item lacks what the XCom form holds) or word that it still runs; see
    :mod:`airflow_ice.triggers.batching` for the window, the page bound and the fallbacks to Gets.
    """

    def poll_kind(self) -> PollKind:
        """The family's list (:attr:`~airflow_ice.jobs.family.JobFamily.list_check`)."""
        return ListedJobKind(self.family)


__all__ = ["ListCheckedJobTrigger", "SharedPollTrigger"]
