"""Trigger waiting for a media convert job."""

from __future__ import annotations

from airflow_ice.families.media_convert import MEDIA_CONVERT
from airflow_ice.triggers.base import IceJobTrigger


class IceMediaConvertJobTrigger(IceJobTrigger):
    """Poll a media convert job (GetMediaConvertJob) until Complete, Error, Cancelled or the deadline.

    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = MEDIA_CONVERT
