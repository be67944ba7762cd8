"""The ICE job families: one module each, declaring a :class:`~airflow_ice.families.family.JobFamily`.

A family module holds declarations only (its actions, models, ``ClientToken``, expected duration and
lineage readers); the hook and the waiters read them. Importing one family imports its own request
model and nothing of the others'; :func:`all_families` finds every module that declares one.
"""

from __future__ import annotations

import importlib
import pkgutil

from airflow_ice.families.family import AnyFamily, IceJob, JobFamily


def all_families() -> dict[str, AnyFamily]:
    """Every declared family by its module's name (e.g. ``snapshot``), importing them all."""
    found: dict[str, AnyFamily] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        declared = [value for value in vars(module).values() if isinstance(value, JobFamily)]
        if len(declared) > 1:
            raise TypeError(f"{module.__name__} declares {len(declared)} job families; one module each")
        if declared:
            found[module_info.name] = declared[0]
    return found


__all__ = ["AnyFamily", "IceJob", "JobFamily", "all_families"]
