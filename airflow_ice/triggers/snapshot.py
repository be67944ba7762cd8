"""Trigger waiting for a snapshot job."""

from __future__ import annotations

from airflow_ice.families.snapshot import SNAPSHOT
from airflow_ice.triggers.base import IceJobTrigger


class IceSnapshotJobTrigger(IceJobTrigger):
    """Poll a snapshot job (GetSnapshotJob) until Success, Fail or the deadline.

    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = SNAPSHOT
