"""Sensor waiting for a media convert job submitted elsewhere."""

from __future__ import annotations

from airflow_ice.families.media_convert import MEDIA_CONVERT
from airflow_ice.sensors.base import IceJobSensor
from airflow_ice.triggers.reference import TriggerClass


class IceMediaConvertJobSensor(IceJobSensor):
    """Wait until a media convert job is Complete (returns the parsed job), or fail on Error/Cancelled.

    See :class:`~airflow_ice.sensors.base.IceJobSensor` for the parameters and modes.
    """

    family = MEDIA_CONVERT
    trigger_class = TriggerClass("airflow_ice.triggers.media_convert:IceMediaConvertJobTrigger")
