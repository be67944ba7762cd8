"""An operator's or sensor's trigger class, named by its path and imported on first use.

Parsing a DAG file builds operators, never triggers: importing a trigger module there would load
the trigger machinery (ours, the shared poller's and Airflow's, whose pydantic models are built on
import) for nothing. The trigger class itself stays where it is: deferred tasks store its dotted path.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow_ice.triggers.base import IceJobTrigger


class TriggerClass:
    """The trigger class at ``path``, imported the first time it is read.

    Read from a waiter's class or instance, it is the class itself:
    ``IceSnapshotJobOperator.trigger_class`` is ``IceSnapshotJobTrigger``.

    :param path: ``"module:Class"``, e.g. ``"airflow_ice.triggers.snapshot:IceSnapshotJobTrigger"``.
    """

    def __init__(self, path: str) -> None:
        module, _, name = path.partition(":")
        if not module or not name:
            raise ValueError(f"a trigger class is named 'module:Class', got {path!r}")
        self.path = path
        self._class: type[IceJobTrigger] | None = None

    def __get__(self, instance: object, owner: type | None = None) -> type[IceJobTrigger]:
        if self._class is None:
            from airflow_ice.triggers.base import IceJobTrigger

            module, _, name = self.path.partition(":")
            found = getattr(importlib.import_module(module), name)
            if not (isinstance(found, type) and issubclass(found, IceJobTrigger)):
                raise TypeError(f"{self.path} is not an ICE job trigger class")
            self._class = found
        return self._class

    def __repr__(self) -> str:
        return f"TriggerClass({self.path!r})"


__all__ = ["TriggerClass"]
