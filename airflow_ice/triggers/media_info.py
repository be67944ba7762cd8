"""Trigger waiting for a media info job."""

from __future__ import annotations

from airflow_ice.families.media_info import MEDIA_INFO
from airflow_ice.triggers.shared_poll import ListCheckedJobTrigger


class IceMediaInfoJobTrigger(ListCheckedJobTrigger):
    """Wait for a media info job until Success, Fail or the deadline.

    Checked with the other waiting triggers of its connection by ListMediaInfoJobs (the finished
    jobs, once per round), not one GetMediaInfoJob each; a finished job is read with no Get: the
    list item is the whole job.
    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = MEDIA_INFO
