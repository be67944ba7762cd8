"""Sensor waiting for a job of a kind declared in the DAG, submitted elsewhere."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_ice.jobs.declared_family import DeclaredJobFamily, checked_family
from airflow_ice.sensors.base import IceJobSensor
from airflow_ice.triggers.reference import TriggerClass

if TYPE_CHECKING:
    from airflow_ice.triggers.base import IceJobTrigger


class IceDeclaredJobSensor(IceJobSensor):
    """Wait until a job of a declared kind reaches one of its success statuses (returns
    ``{"job_id", "status", "job"}``) or failure statuses (fails).

    See :class:`~airflow_ice.sensors.base.IceJobSensor` for the other parameters and the modes.

    :param family: the kind's :class:`~airflow_ice.jobs.declared_family.DeclaredJobFamily`.
    """

    family: DeclaredJobFamily
    trigger_class = TriggerClass("airflow_ice.triggers.declared:IceDeclaredJobTrigger")

    def __init__(self, *, family: DeclaredJobFamily, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.family = checked_family(family, f"{type(self).__name__} {self.task_id!r}")

    def make_trigger(self, **arguments: Any) -> IceJobTrigger:
        """The trigger, carrying the declaration."""
        from airflow_ice.triggers.declared import IceDeclaredJobTrigger

        return IceDeclaredJobTrigger(family=self.family, **arguments)
