"""Trigger waiting for a snapshot job."""

from __future__ import annotations

from airflow_ice.families.snapshot import SNAPSHOT
from airflow_ice.triggers.shared_poll import ListCheckedJobTrigger


class IceSnapshotJobTrigger(ListCheckedJobTrigger):
    """Wait for a snapshot job until Success, Fail or the deadline.

    Checked with the other waiting triggers of its connection by ListSnapshotJobs (the finished
    jobs, once per round), not one GetSnapshotJob each; a finished job is read with its Get once
    (the list lacks Code, Message and UserData).
    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = SNAPSHOT
