"""Trigger waiting for a media info job."""

from __future__ import annotations

from airflow_ice.families.media_info import MEDIA_INFO
from airflow_ice.triggers.base import IceJobTrigger


class IceMediaInfoJobTrigger(IceJobTrigger):
    """Poll a media info job (GetMediaInfoJob) until Success, Fail or the deadline.

    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = MEDIA_INFO
