"""What a DAG file pays to import our operators: none of our modules imports aiohttp, httpx or
tenacity when it is imported (they load on the first call).

Airflow's own task SDK already imports httpx and tenacity (and, on 3.1, aiohttp), so looking at
``sys.modules`` would prove nothing: the check records every import statement that our modules'
code runs while being imported, in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("aiohttp", "httpx", "httpcore", "tenacity", "yarl")
MODULES = (
    "airflow_ice.hooks.ice",
    "airflow_ice.operators.iproduction",
    "airflow_ice.operators.yike_storyboard",
    "airflow_ice.operators.yike_ai_app",
    "airflow_ice.sensors.iproduction",
    "airflow_ice.sensors.yike_storyboard",
    "airflow_ice.sensors.yike_ai_app",
    "airflow_ice.triggers.iproduction",
    "airflow_ice.triggers.yike_storyboard",
    "airflow_ice.triggers.yike_ai_app",
)

PROBE = """
import builtins, importlib, json, sys, time
import airflow.sdk  # what any DAG file pays anyway
heavy, modules = json.loads(sys.argv[1]), json.loads(sys.argv[2])
seen = []
real_import = builtins.__import__

def recording_import(name, globals=None, locals=None, fromlist=(), level=0):
    importer = (globals or {}).get("__name__", "")
    if importer.startswith("airflow_ice") and level == 0 and name.split(".")[0] in heavy:
        seen.append([importer, name])
    return real_import(name, globals, locals, fromlist, level)

builtins.__import__ = recording_import
started = time.perf_counter()
for module in modules:
    importlib.import_module(module)
elapsed = time.perf_counter() - started
builtins.__import__ = real_import
print(json.dumps({"seen": seen, "ms": elapsed * 1000}))
"""


def probe(modules: tuple[str, ...]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(HEAVY), json.dumps(modules)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_operator_sensor_hook_and_trigger_modules_import_nothing_heavy() -> None:
    result = probe(MODULES)
    assert result["seen"] == [], result["seen"]
    print(f"importing {len(MODULES)} airflow_ice modules after airflow.sdk: {result['ms']:.0f} ms")


def test_the_probe_sees_a_heavy_import_when_one_is_made() -> None:
    # The engine module does import tenacity at its top: the probe must notice it.
    result = probe(("airflow_ice.client.engine",))
    assert ["airflow_ice.client.engine", "tenacity"] in result["seen"]


LOADER_PROBE = """
import asyncio, json, sys
from airflow_ice.triggers.hook_loader import load_hook_class
from airflow_ice.triggers.iproduction import IceIProductionJobTrigger  # noqa: F401
before = sorted(m for m in ("aiohttp", "airflow_ice.client.engine", "airflow_ice.credentials.resolver") if m in sys.modules)
asyncio.run(load_hook_class())
after = sorted(m for m in ("aiohttp", "airflow_ice.client.engine", "airflow_ice.credentials.resolver") if m in sys.modules)
print(json.dumps({"before": before, "after": after}))
"""


def test_triggers_import_the_whole_call_path_off_the_loop() -> None:
    # A trigger's first poll must import nothing on the event loop: aiohttp alone reads the CA
    # files while being imported. The loader imports it all in its thread.
    done = subprocess.run(
        [sys.executable, "-c", LOADER_PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "airflow_ice.client.engine" not in result["before"]
    assert result["after"] == ["aiohttp", "airflow_ice.client.engine", "airflow_ice.credentials.resolver"]
