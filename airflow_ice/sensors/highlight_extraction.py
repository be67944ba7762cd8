"""Sensor waiting for a highlight extraction job submitted elsewhere."""

from __future__ import annotations

from airflow_ice.families.highlight_extraction import HIGHLIGHT_EXTRACTION
from airflow_ice.sensors.base import IceJobSensor
from airflow_ice.triggers.reference import TriggerClass


class IceHighlightExtractionJobSensor(IceJobSensor):
    """Wait until a highlight extraction job is Finished (returns the parsed job) or Failed (fails).

    See :class:`~airflow_ice.sensors.base.IceJobSensor` for the parameters and modes.
    """

    family = HIGHLIGHT_EXTRACTION
    trigger_class = TriggerClass("airflow_ice.triggers.highlight_extraction:IceHighlightExtractionJobTrigger")
