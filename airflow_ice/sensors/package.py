"""Sensor waiting for a packaging job submitted elsewhere."""

from __future__ import annotations

from airflow_ice.families.package import PACKAGE
from airflow_ice.sensors.base import IceJobSensor
from airflow_ice.triggers.reference import TriggerClass


class IcePackageJobSensor(IceJobSensor):
    """Wait until a packaging job reaches Success (returns the parsed job) or Fail (fails).

    See :class:`~airflow_ice.sensors.base.IceJobSensor` for the parameters and modes.
    """

    family = PACKAGE
    trigger_class = TriggerClass("airflow_ice.triggers.package:IcePackageJobTrigger")
