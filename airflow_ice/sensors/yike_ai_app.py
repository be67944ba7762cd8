"""Sensor waiting for a Yike AI application job submitted elsewhere."""

from __future__ import annotations

from airflow_ice.families.yike_ai_app import YIKE_AI_APP
from airflow_ice.sensors.base import IceJobSensor
from airflow_ice.triggers.reference import TriggerClass


class IceYikeAIAppJobSensor(IceJobSensor):
    """Wait until a Yike AI application job reaches Finished (returns the parsed job) or Failed (fails).

    Deferrable, it waits with :class:`~airflow_ice.triggers.yike_ai_app.IceYikeAIAppJobTrigger`, so
    its job is checked in the same batch calls as the other AI-app jobs waiting in the triggerer.
    See :class:`~airflow_ice.sensors.base.IceJobSensor` for the parameters and modes.
    """

    family = YIKE_AI_APP
    trigger_class = TriggerClass("airflow_ice.triggers.yike_ai_app:IceYikeAIAppJobTrigger")
