"""A local ICE emulator: real HTTP, real signature checks, job lifecycles and faults.

``from airflow_ice.emulator import IceEmulator``. Names are loaded lazily so that importing the
package (as the pytest plugin does in every test run) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_ice.emulator.counters import CounterSnapshot
    from airflow_ice.emulator.faults import FaultConfig, ScriptedFault
    from airflow_ice.emulator.server import IceEmulator

_EXPORTS = {
    "IceEmulator": "airflow_ice.emulator.server",
    "FaultConfig": "airflow_ice.emulator.faults",
    "ScriptedFault": "airflow_ice.emulator.faults",
    "CounterSnapshot": "airflow_ice.emulator.counters",
}

__all__ = ["CounterSnapshot", "FaultConfig", "IceEmulator", "ScriptedFault"]


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'airflow_ice.emulator' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module_name), name)
