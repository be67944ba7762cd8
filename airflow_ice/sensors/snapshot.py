"""Sensor waiting for a snapshot job submitted elsewhere."""

from __future__ import annotations

from airflow_ice.families.snapshot import SNAPSHOT
from airflow_ice.sensors.base import IceJobSensor
from airflow_ice.triggers.reference import TriggerClass


class IceSnapshotJobSensor(IceJobSensor):
    """Wait until a snapshot job reaches Success (returns the parsed job) or Fail (fails).

    See :class:`~airflow_ice.sensors.base.IceJobSensor` for the parameters and modes.
    """

    family = SNAPSHOT
    trigger_class = TriggerClass("airflow_ice.triggers.snapshot:IceSnapshotJobTrigger")
