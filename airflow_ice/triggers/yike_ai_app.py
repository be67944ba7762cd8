"""Trigger waiting for a Yike AI application job, checked in batches with the other AI-app triggers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_ice.families.yike_ai_app import YIKE_AI_APP
from airflow_ice.jobs.family import IceJob
from airflow_ice.triggers.batching import BatchedJobKind, PollKind, checked_batch_size
from airflow_ice.triggers.hook_loader import DEFAULT_CONN_ID
from airflow_ice.triggers.shared_poll import SharedPollTrigger

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


class IceYikeAIAppJobTrigger(SharedPollTrigger):
    """Wait for a Yike AI application job until Finished, Failed or the deadline.

    Unlike the lone triggers it does not poll on its own: it joins the process's shared poller for
    its connection (:mod:`airflow_ice.triggers.shared_poll`), which asks ``BatchGetYikeAIAppJob``
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
        created_at: float | None = None,
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
            created_at=created_at,
        )
        self.batch_size = None if batch_size is None else checked_batch_size(batch_size, "batch_size")

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Class path and JSON-primitive kwargs (the base ones plus ``batch_size``)."""
        classpath, kwargs = super().serialize()
        return classpath, {**kwargs, "batch_size": self.batch_size}

    def poll_kind(self) -> PollKind:
        """Batches of BatchGetYikeAIAppJob."""
        return AI_APP_BATCHES

    def member_batch_size(self) -> int | None:
        """This trigger's ``batch_size``."""
        return self.batch_size
