"""Sensor waiting for an animated image job submitted elsewhere."""

from __future__ import annotations

from airflow_ice.families.dynamic_image import DYNAMIC_IMAGE
from airflow_ice.sensors.base import IceJobSensor
from airflow_ice.triggers.reference import TriggerClass


class IceDynamicImageJobSensor(IceJobSensor):
    """Wait until an animated image job reaches Success (returns the parsed job) or Fail (fails).

    See :class:`~airflow_ice.sensors.base.IceJobSensor` for the parameters and modes.
    """

    family = DYNAMIC_IMAGE
    trigger_class = TriggerClass("airflow_ice.triggers.dynamic_image:IceDynamicImageJobTrigger")
