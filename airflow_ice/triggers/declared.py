"""Trigger waiting for a job of a kind declared in the DAG (:class:`~airflow_ice.jobs.declared_family.DeclaredJobFamily`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_ice.jobs.declared_family import DeclaredJobFamily
from airflow_ice.triggers.base import IceJobTrigger


class IceDeclaredJobTrigger(IceJobTrigger):
    """Poll a job of a declared kind (its ``get_action``) until one of its end statuses or the deadline.

    The triggerer cannot import the DAG file: the trigger carries the declaration as data.
    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the other parameters and the events.

    :param family: the declaration, or its :meth:`~DeclaredJobFamily.declaration` data.
    """

    family: DeclaredJobFamily

    def __init__(self, family: DeclaredJobFamily | Mapping[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.family = (
            family if isinstance(family, DeclaredJobFamily) else DeclaredJobFamily.from_declaration(family)
        )

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Class path and JSON-primitive kwargs, the declaration among them."""
        path, kwargs = super().serialize()
        return path, {**kwargs, "family": self.family.declaration()}
