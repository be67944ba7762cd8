"""Sensor waiting for a speech recognition job submitted elsewhere."""

from __future__ import annotations

from airflow_ice.families.asr import ASR
from airflow_ice.sensors.base import IceJobSensor
from airflow_ice.triggers.reference import TriggerClass


class IceAsrJobSensor(IceJobSensor):
    """Wait until a speech recognition job is Finished (returns the parsed job) or Failed (fails).

    See :class:`~airflow_ice.sensors.base.IceJobSensor` for the parameters and modes.
    """

    family = ASR
    trigger_class = TriggerClass("airflow_ice.triggers.asr:IceAsrJobTrigger")
