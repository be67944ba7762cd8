"""Sensor waiting for a video translation job submitted elsewhere."""

from __future__ import annotations

from airflow_ice.families.video_translation import VIDEO_TRANSLATION
from airflow_ice.sensors.base import IceJobSensor
from airflow_ice.triggers.reference import TriggerClass


class IceVideoTranslationJobSensor(IceJobSensor):
    """Wait until a video translation job is Finished (returns the parsed job) or Failed (fails).

    See :class:`~airflow_ice.sensors.base.IceJobSensor` for the parameters and modes.
    """

    family = VIDEO_TRANSLATION
    trigger_class = TriggerClass("airflow_ice.triggers.video_translation:IceVideoTranslationJobTrigger")
