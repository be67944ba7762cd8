"""Trigger waiting for a media convert job."""

from __future__ import annotations

from airflow_ice.families.media_convert import MEDIA_CONVERT
from airflow_ice.triggers.shared_poll import ListCheckedJobTrigger


class IceMediaConvertJobTrigger(ListCheckedJobTrigger):
    """Wait for a media convert job until Complete, Error, Cancelled or the deadline.

    Checked with the other waiting triggers of its connection by ListMediaConvertJobs (the finished
    jobs, once per round), not one GetMediaConvertJob each; a finished job is read with its Get once
    (the list lacks the output files).
    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = MEDIA_CONVERT
