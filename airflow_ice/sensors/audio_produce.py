"""Sensor waiting for a text to speech job submitted elsewhere."""

from __future__ import annotations

from airflow_ice.families.audio_produce import AUDIO_PRODUCE
from airflow_ice.sensors.base import IceJobSensor
from airflow_ice.triggers.reference import TriggerClass


class IceAudioProduceJobSensor(IceJobSensor):
    """Wait until a text to speech job is Finished (returns the parsed job) or Failed (fails).

    See :class:`~airflow_ice.sensors.base.IceJobSensor` for the parameters and modes.
    """

    family = AUDIO_PRODUCE
    trigger_class = TriggerClass("airflow_ice.triggers.audio_produce:IceAudioProduceJobTrigger")
