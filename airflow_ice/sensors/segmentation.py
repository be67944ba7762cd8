"""Sensor waiting for a segmentation job submitted elsewhere."""

from __future__ import annotations

from airflow_ice.families.segmentation import SEGMENTATION
from airflow_ice.sensors.base import IceJobSensor
from airflow_ice.triggers.reference import TriggerClass


class IceSegmentationJobSensor(IceJobSensor):
    """Wait until a segmentation job is Finished (returns the parsed job) or Failed (fails).

    See :class:`~airflow_ice.sensors.base.IceJobSensor` for the parameters and modes.
    """

    family = SEGMENTATION
    trigger_class = TriggerClass("airflow_ice.triggers.segmentation:IceSegmentationJobTrigger")
