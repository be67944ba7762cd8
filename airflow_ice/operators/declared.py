"""Operator running one job of an ICE kind declared in the DAG (:class:`~airflow_ice.jobs.declared_family.DeclaredJobFamily`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_ice.jobs.declared_family import DeclaredJobFamily, checked_family
from airflow_ice.jobs.params import json_object_param
from airflow_ice.jobs.tag import TaskIdentity, tagged_user_data
from airflow_ice.operators.base import IceJobOperator
from airflow_ice.triggers.reference import TriggerClass

if TYPE_CHECKING:
    from airflow_ice.triggers.base import IceJobTrigger

_USER_DATA = "UserData"


class IceDeclaredJobOperator(IceJobOperator):
    """Submit one job of a declared kind and wait; return ``{"job_id", "status", "job"}``, ``job``
    being the job object as ICE returned it (URLs unsigned unless ``keep_presigned_urls``).

    Waiting, deadlines, retries that reattach, ``ClientToken`` (when declared) and the outcome rules
    are those of every family (:class:`~airflow_ice.operators.base.IceJobOperator`): a submit whose
    answer was lost fails the task without retry unless the family takes a ``ClientToken``.
    ``parameters`` is checked for form before anything is submitted (ICE checks its meaning).

    :param family: the kind's :class:`~airflow_ice.jobs.declared_family.DeclaredJobFamily`.
    :param parameters: the submit's parameters by ICE's names, a dict or JSON text of an object
        (templated); objects and lists are sent as JSON text. With the family's ``tags_user_data``,
        ``UserData`` (an object) gets the task's tag.
    """

    family: DeclaredJobFamily
    trigger_class = TriggerClass("airflow_ice.triggers.declared:IceDeclaredJobTrigger")
    request_fields = ("parameters", "body_parameters")
    json_object_parameters: ClassVar[tuple[str, ...]] = ("parameters",)
    template_fields: Sequence[str] = ("parameters", *IceJobOperator.wait_template_fields)
    template_fields_renderers: ClassVar[dict[str, str]] = {"parameters": "json"}

    def __init__(self, *, family: DeclaredJobFamily, parameters: dict[str, Any] | str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.family = checked_family(family, f"{type(self).__name__} {self.task_id!r}")
        self.parameters = parameters
        self.check_literal_parameters()

    @property
    def body_parameters(self) -> tuple[str, ...]:
        """The parameters the family sends in the body."""
        return tuple(self.family.body_parameters)

    def _model_input(self, parameters: dict[str, Any], identity: TaskIdentity | None) -> dict[str, Any]:
        data = super()._model_input(parameters, identity)
        submitted = data.get("parameters")
        if not (self.family.tags_user_data and isinstance(submitted, dict)):
            return data
        if identity is None and _USER_DATA not in submitted:
            return data
        # Checked when the DAG is parsed too; tagged once the task runs.
        own = json_object_param(submitted.get(_USER_DATA), f"parameters.{_USER_DATA}")
        user_data = (
            own if identity is None else tagged_user_data(own, identity, param=f"parameters.{_USER_DATA}")
        )
        data["parameters"] = {**submitted, _USER_DATA: user_data}
        return data

    def make_trigger(self, **arguments: Any) -> IceJobTrigger:
        """The trigger, carrying the declaration."""
        from airflow_ice.triggers.declared import IceDeclaredJobTrigger

        return IceDeclaredJobTrigger(family=self.family, **arguments)
