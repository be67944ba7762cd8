"""Sensor waiting for a batch media producing job submitted elsewhere."""

from __future__ import annotations

from airflow_ice.families.batch_media_producing import BATCH_MEDIA_PRODUCING
from airflow_ice.sensors.base import IceJobSensor
from airflow_ice.triggers.reference import TriggerClass


class IceBatchMediaProducingJobSensor(IceJobSensor):
    """Wait until a batch media producing job is Finished (returns the parsed job, every video's
    status in ``sub_jobs``) or Failed (fails).

    See :class:`~airflow_ice.sensors.base.IceJobSensor` for the parameters and modes.
    """

    family = BATCH_MEDIA_PRODUCING
    trigger_class = TriggerClass(
        "airflow_ice.triggers.batch_media_producing:IceBatchMediaProducingJobTrigger"
    )
