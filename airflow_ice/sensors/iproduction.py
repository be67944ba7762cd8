"""Sensor waiting for an IProduction job submitted elsewhere."""

from __future__ import annotations

from airflow_ice.families.iproduction import IPRODUCTION
from airflow_ice.sensors.base import IceJobSensor
from airflow_ice.triggers.reference import TriggerClass


class IceIProductionJobSensor(IceJobSensor):
    """Wait until an IProduction job reaches Success (returns the parsed job) or Fail (fails).

    See :class:`~airflow_ice.sensors.base.IceJobSensor` for the parameters and modes.
    """

    family = IPRODUCTION
    trigger_class = TriggerClass("airflow_ice.triggers.iproduction:IceIProductionJobTrigger")
