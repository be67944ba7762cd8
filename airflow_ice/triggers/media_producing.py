"""Trigger waiting for a media producing (timeline editing) job."""

from __future__ import annotations

from airflow_ice.families.media_producing import MEDIA_PRODUCING
from airflow_ice.triggers.shared_poll import ListCheckedJobTrigger


class IceMediaProducingJobTrigger(ListCheckedJobTrigger):
    """Wait for a media producing job until Success, Failed or the deadline.

    Checked with the other waiting triggers of its connection by ListMediaProducingJobs (the
    finished jobs, once per round), not one GetMediaProducingJob each; a finished job is read with
    its Get once (the list lacks Progress and VodMediaId). ICE cannot cancel media producing jobs:
    killing the deferred task leaves the job running (logged).
    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = MEDIA_PRODUCING
