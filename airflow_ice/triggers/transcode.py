"""Trigger waiting for a transcode job."""

from __future__ import annotations

from airflow_ice.families.transcode import TRANSCODE
from airflow_ice.triggers.shared_poll import ListCheckedJobTrigger


class IceTranscodeJobTrigger(ListCheckedJobTrigger):
    """Wait for a transcode job until Success, Fail, Deleted or the deadline.

    Checked with the other waiting triggers of its connection by ListTranscodeJobs (the finished
    jobs, once per round), not one GetTranscodeJob each; a finished job is read with its Get once
    (the list lacks the sub-jobs).
    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = TRANSCODE
