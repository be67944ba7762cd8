"""The ICE job families: one module each, declaring one :class:`~airflow_ice.jobs.family.JobFamily`.

A family module holds declarations only (its actions, models, ``ClientToken``, expected duration and
lineage readers); the hook and the waiters read them. Its operator, sensor and trigger live in the
modules of the same name under :mod:`airflow_ice.operators`, :mod:`airflow_ice.sensors` and
:mod:`airflow_ice.triggers`. Importing one family imports nothing of the others, and no model until
one is used.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow_ice.jobs.family import AnyFamily


def family_names() -> list[str]:
    """Every family's module name (e.g. ``snapshot``), sorted, without importing any."""
    return sorted(info.name for info in pkgutil.iter_modules(__path__))


@functools.cache
def family_named(name: str) -> AnyFamily:
    """The family declared in ``airflow_ice/families/<name>.py``, importing that module only (once:
    the hook's typed methods ask on every call).

    :param name: the family's module name, e.g. ``snapshot``.
    :raises TypeError: the module does not declare exactly one family.
    """
    return _declared(importlib.import_module(f"{__name__}.{name}"))


def _declared(module: ModuleType) -> AnyFamily:
    # Imported here: Airflow reads the provider's info (family_names) in every process that imports
    # airflow.sdk, which should not pay for the declarations' machinery.
    from airflow_ice.jobs.family import JobFamily

    declared = [value for value in vars(module).values() if isinstance(value, JobFamily)]
    if len(declared) != 1:
        raise TypeError(f"{module.__name__} declares {len(declared)} job families; it must declare one")
    return declared[0]


def all_families() -> dict[str, AnyFamily]:
    """Every family by its module's name, importing them all.

    :raises TypeError: a module in this package does not declare exactly one family.
    """
    return {name: family_named(name) for name in family_names()}


__all__ = ["all_families", "family_named", "family_names"]
