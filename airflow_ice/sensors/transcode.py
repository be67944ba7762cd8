"""Sensor waiting for a transcode job submitted elsewhere."""

from __future__ import annotations

from airflow_ice.families.transcode import TRANSCODE
from airflow_ice.sensors.base import IceJobSensor
from airflow_ice.triggers.reference import TriggerClass


class IceTranscodeJobSensor(IceJobSensor):
    """Wait until a transcode job (its ``ParentJobId``) reaches Success (returns the parsed job) or
    Fail or Deleted (fails).

    See :class:`~airflow_ice.sensors.base.IceJobSensor` for the parameters and modes.
    """

    family = TRANSCODE
    trigger_class = TriggerClass("airflow_ice.triggers.transcode:IceTranscodeJobTrigger")
