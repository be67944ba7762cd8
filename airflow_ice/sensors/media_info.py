"""Sensor waiting for a media info job submitted elsewhere."""

from __future__ import annotations

from airflow_ice.families.media_info import MEDIA_INFO
from airflow_ice.sensors.base import IceJobSensor
from airflow_ice.triggers.reference import TriggerClass


class IceMediaInfoJobSensor(IceJobSensor):
    """Wait until a media info job reaches Success (returns the parsed job) or Fail (fails).

    See :class:`~airflow_ice.sensors.base.IceJobSensor` for the parameters and modes.
    """

    family = MEDIA_INFO
    trigger_class = TriggerClass("airflow_ice.triggers.media_info:IceMediaInfoJobTrigger")
