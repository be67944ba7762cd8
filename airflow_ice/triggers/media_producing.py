"""Trigger waiting for a media producing (timeline editing) job."""

from __future__ import annotations

from airflow_ice.families.media_producing import MEDIA_PRODUCING
from airflow_ice.triggers.base import IceJobTrigger


class IceMediaProducingJobTrigger(IceJobTrigger):
    """Poll a media producing job (GetMediaProducingJob) until Success, Failed or the deadline.

    ICE cannot cancel media producing jobs: killing the deferred task leaves the job running (logged).
    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = MEDIA_PRODUCING
