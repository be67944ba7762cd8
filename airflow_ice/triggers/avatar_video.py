"""Trigger waiting for a avatar video job."""

from __future__ import annotations

from airflow_ice.families.avatar_video import AVATAR_VIDEO
from airflow_ice.triggers.base import IceJobTrigger


class IceAvatarVideoJobTrigger(IceJobTrigger):
    """Poll a avatar video job (GetSmartHandleJob) until Finished, Failed or the deadline.

    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = AVATAR_VIDEO
