"""Trigger waiting for a batch media producing job."""

from __future__ import annotations

from airflow_ice.families.batch_media_producing import BATCH_MEDIA_PRODUCING
from airflow_ice.triggers.base import IceJobTrigger


class IceBatchMediaProducingJobTrigger(IceJobTrigger):
    """Poll a batch media producing job (GetBatchMediaProducingJob) until Finished, Failed or the deadline.

    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = BATCH_MEDIA_PRODUCING
