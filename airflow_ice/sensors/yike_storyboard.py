"""Sensor waiting for a Yike storyboard job submitted elsewhere."""

from __future__ import annotations

from airflow_ice.families.yike_storyboard import YIKE_STORYBOARD
from airflow_ice.sensors.base import IceJobSensor
from airflow_ice.triggers.reference import TriggerClass


class IceYikeStoryboardJobSensor(IceJobSensor):
    """Wait until a Yike storyboard job reaches Succeeded (returns the parsed job) or Failed (fails).

    See :class:`~airflow_ice.sensors.base.IceJobSensor` for the parameters and modes.
    """

    family = YIKE_STORYBOARD
    trigger_class = TriggerClass("airflow_ice.triggers.yike_storyboard:IceYikeStoryboardJobTrigger")
