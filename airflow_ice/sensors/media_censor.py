"""Sensor waiting for a media censor (content moderation) job submitted elsewhere."""

from __future__ import annotations

from airflow_ice.families.media_censor import MEDIA_CENSOR
from airflow_ice.sensors.base import IceJobSensor
from airflow_ice.triggers.reference import TriggerClass


class IceMediaCensorJobSensor(IceJobSensor):
    """Wait until a media censor job is Success (returns the verdicts, as the operator does) or Fail
    (fails). A finished job succeeds whatever its ``suggestion``: gate on it downstream.

    See :class:`~airflow_ice.sensors.base.IceJobSensor` for the parameters and modes.
    """

    family = MEDIA_CENSOR
    trigger_class = TriggerClass("airflow_ice.triggers.media_censor:IceMediaCensorJobTrigger")
