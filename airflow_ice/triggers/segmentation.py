"""Trigger waiting for a segmentation job."""

from __future__ import annotations

from airflow_ice.families.segmentation import SEGMENTATION
from airflow_ice.triggers.base import IceJobTrigger


class IceSegmentationJobTrigger(IceJobTrigger):
    """Poll a segmentation job (GetSmartHandleJob) until Finished, Failed or the deadline.

    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = SEGMENTATION
