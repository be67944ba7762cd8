"""Sensor waiting for a media producing (timeline editing) job submitted elsewhere."""

from __future__ import annotations

from airflow_ice.families.media_producing import MEDIA_PRODUCING
from airflow_ice.sensors.base import IceJobSensor
from airflow_ice.triggers.reference import TriggerClass


class IceMediaProducingJobSensor(IceJobSensor):
    """Wait until a media producing job reaches Success (returns the parsed job) or Failed (fails).

    See :class:`~airflow_ice.sensors.base.IceJobSensor` for the parameters and modes.
    """

    family = MEDIA_PRODUCING
    trigger_class = TriggerClass("airflow_ice.triggers.media_producing:IceMediaProducingJobTrigger")
