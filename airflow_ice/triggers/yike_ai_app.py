"""Trigger waiting for a Yike AI application job, checked in batches with the other AI-app triggers."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Sequence
from typing import TYPE_CHECKING, Any, cast

from airflow.triggers.base import TriggerEvent

from airflow_ice.families.yike_ai_app import YIKE_AI_APP
from airflow_ice.jobs.family import IceJob
from airflow_ice.triggers.base import IceJobTrigger
from airflow_ice.triggers.batching import BATCHED_POLLERS, BatchedJobKind, BatchMember, checked_batch_size
from airflow_ice.triggers.hook_loader import DEFAULT_CONN_ID

if TYPE_CHECKING:
    from airflow_ice.hooks.ice import IceHook

BATCH_SIZE_EXTRA = "ai_app_batch_size"
"""The connection extra that sets how many AI-app jobs one BatchGetYikeAIAppJob call asks about."""


async def _batch_query(hook: IceHook, job_ids: Sequence[str]) -> Sequence[IceJob]:
    return await hook.abatch_get_yike_ai_app_jobs(job_ids)


async def _single_query(hook: IceHook, job_id: str) -> IceJob:
    job: IceJob = await hook.aget_job(YIKE_AI_APP, job_id)
    return job


AI_APP_BATCHES = BatchedJobKind(
    name=YIKE_AI_APP.name,
    batch_query=_batch_query,
    single_query=_single_query,
    batch_size_extra=BATCH_SIZE_EXTRA,
)
"""How the batched poller reads AI-app jobs: BatchGetYikeAIAppJob, and GetYikeAIAppJob for one job."""


class IceYikeAIAppJobTrigger(IceJobTrigger):
    """Wait for a Yike AI application job until Finished, Failed or the deadline.

    Unlike the other triggers it does not poll on its own: it joins the process's batched poller
    for its connection (:mod:`airflow_ice.triggers.batching`), which asks ``BatchGetYikeAIAppJob``
    about many waiting jobs at once and wakes each trigger with its own job. Events, deadlines and
    error handling are those of :class:`~airflow_ice.triggers.base.IceJobTrigger`; only the
    number of calls changes. ICE cannot cancel AI-app jobs: killing the deferred task leaves the
    job running (logged).

    :param batch_size: the most job ids per batch call this trigger accepts (the poller uses the
        smallest any waiting trigger asks for); None uses the connection extra
        ``ai_app_batch_size``, else 20.
    """

    family = YIKE_AI_APP

    def __init__(
        self,
        job_id: str,
        ice_conn_id: str = DEFAULT_CONN_ID,
        poll_interval: float = 30.0,
        deadline: float | None = None,
        cancel_on_kill: bool = True,
        max_consecutive_failures: int = 5,
        batch_size: int | None = None,
        first_poll_at: float | None = None,
        keep_presigned_urls: bool = False,
        failures_in_a_row: int = 0,
    ) -> None:
        super().__init__(
            job_id=job_id,
            ice_conn_id=ice_conn_id,
            poll_interval=poll_interval,
            deadline=deadline,
            cancel_on_kill=cancel_on_kill,
            max_consecutive_failures=max_consecutive_failures,
            first_poll_at=first_poll_at,
            keep_presigned_urls=keep_presigned_urls,
            failures_in_a_row=failures_in_a_row,
        )
        self.batch_size = None if batch_size is None else checked_batch_size(batch_size, "batch_size")
        self._member: BatchMember | None = None

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Class path and JSON-primitive kwargs (the base ones plus ``batch_size``)."""
        classpath, kwargs = super().serialize()
        return classpath, {**kwargs, "batch_size": self.batch_size}

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Join the batched poller, wait as the base trigger does, and leave the batch on any exit."""
        first_wait = None if self.first_poll_at is None else self.first_poll_at - time.time()
        self._member = BATCHED_POLLERS.join(
            AI_APP_BATCHES, self.ice_conn_id, self.job_id, self.poll_interval, self.batch_size, first_wait
        )
        try:
            # Closed on exit so that the base's own clean-up runs now, not when it is collected.
            base_events = cast(AsyncGenerator[TriggerEvent, None], super().run())
            async with contextlib.aclosing(base_events) as events:
                async for event in events:
                    yield event
        finally:
            self._member.leave()
            self._member = None

    def poll_job(self, hook: IceHook, remaining: float | None) -> Awaitable[IceJob | None]:
        """The job as the poller's next round sees it; None if the deadline comes first."""
        if self._member is None:
            raise RuntimeError("poll_job() is called by run(), which joins the batched poller first")
        return self._member.next_job(remaining)

    async def pause_before_first_poll(self) -> None:
        """Nothing: the poller makes the first check at ``first_poll_at`` (given when joining)."""

    async def pause_between_polls(self, remaining: float | None) -> None:
        """Nothing: the poller paces the checks (``poll_interval`` per trigger)."""
