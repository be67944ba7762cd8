"""Trigger waiting for a batch media producing job."""

from __future__ import annotations

from airflow_ice.families.batch_media_producing import BATCH_MEDIA_PRODUCING
from airflow_ice.triggers.shared_poll import ListCheckedJobTrigger


class IceBatchMediaProducingJobTrigger(ListCheckedJobTrigger):
    """Wait for a batch media producing job until Finished, Failed or the deadline.

    Checked with the other waiting triggers of its connection by ListBatchMediaProducingJobs (the
    finished jobs, once per round), not one GetBatchMediaProducingJob each; a finished job is read
    with its Get once (the list lacks the videos).
    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = BATCH_MEDIA_PRODUCING
