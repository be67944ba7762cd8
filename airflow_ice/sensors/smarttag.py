"""Sensor waiting for a smart tagging job submitted elsewhere."""

from __future__ import annotations

from airflow_ice.families.smarttag import SMARTTAG
from airflow_ice.sensors.base import IceJobSensor
from airflow_ice.triggers.reference import TriggerClass


class IceSmarttagJobSensor(IceJobSensor):
    """Wait until a smart tagging job reaches Success (returns the parsed job) or Fail (fails).

    See :class:`~airflow_ice.sensors.base.IceJobSensor` for the parameters and modes.
    """

    family = SMARTTAG
    trigger_class = TriggerClass("airflow_ice.triggers.smarttag:IceSmarttagJobTrigger")
