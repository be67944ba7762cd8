"""Sensor waiting for a avatar video job submitted elsewhere."""

from __future__ import annotations

from airflow_ice.families.avatar_video import AVATAR_VIDEO
from airflow_ice.sensors.base import IceJobSensor
from airflow_ice.triggers.reference import TriggerClass


class IceAvatarVideoJobSensor(IceJobSensor):
    """Wait until a avatar video job is Finished (returns the parsed job) or Failed (fails).

    See :class:`~airflow_ice.sensors.base.IceJobSensor` for the parameters and modes.
    """

    family = AVATAR_VIDEO
    trigger_class = TriggerClass("airflow_ice.triggers.avatar_video:IceAvatarVideoJobTrigger")
