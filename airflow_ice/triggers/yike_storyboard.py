"""Trigger waiting for a Yike storyboard job."""

from __future__ import annotations

from airflow_ice.families.yike_storyboard import YIKE_STORYBOARD
from airflow_ice.triggers.base import IceJobTrigger


class IceYikeStoryboardJobTrigger(IceJobTrigger):
    """Poll a Yike storyboard job (GetYikeStoryboardJob) until Succeeded, Failed or the deadline.

    ICE cannot cancel storyboard jobs: killing the deferred task leaves the job running (logged).
    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = YIKE_STORYBOARD
