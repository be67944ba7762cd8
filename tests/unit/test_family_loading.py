"""A DAG file pays for the families it uses: importing one family's operator (or sensor, or trigger)
loads that family's declaration and request model only, and no job model until a job is read."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from airflow_ice.families import family_names

PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(name for name in sys.modules if name.startswith("airflow_ice."))))
"""


def loaded_by(module: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, module], capture_output=True, text=True, timeout=120, check=True
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("family", ["snapshot", "dynamic_image"])
@pytest.mark.parametrize("package", ["operators", "sensors", "triggers"])
def test_one_family_loads_alone(package: str, family: str) -> None:
    loaded = loaded_by(f"airflow_ice.{package}.{family}")

    families = {name for name in loaded if name.startswith("airflow_ice.families.")}
    assert families == {f"airflow_ice.families.{family}"}
    others = [
        f"airflow_ice.{kind}.{name}"
        for name in family_names()
        if name != family
        for kind in ("operators", "sensors", "triggers")
    ]
    assert [name for name in others if name in loaded] == []
    models = {name for name in loaded if name.startswith("airflow_ice.models.")}
    # The operator checks its parameters when the DAG file is parsed: it needs its request model.
    # Nothing needs a job model (nor another family's request) until a job is read.
    assert not {name for name in models if name.endswith("_job")}
    assert {name for name in models if name.endswith("_request")} <= {f"airflow_ice.models.{family}_request"}


READ_PROVIDER_INFO = """
import json, sys
import airflow.sdk
from airflow.providers_manager import ProvidersManager

# What every Airflow process does once it needs providers' configuration (Airflow 3.3 already
# does it when airflow.sdk is imported; 3.1 later).
ProvidersManager().initialize_providers_configuration()
print(json.dumps(sorted(name for name in sys.modules if name.startswith("airflow_ice."))))
"""


def test_airflow_reading_the_provider_info_loads_nothing_else_of_ours() -> None:
    """Airflow reads the provider's info through its entry point in every process that needs the
    providers' configuration (each DAG file parse, each task): that must not pay for the client,
    the hook or any family."""
    done = subprocess.run(
        [sys.executable, "-c", READ_PROVIDER_INFO], capture_output=True, text=True, timeout=120, check=True
    )
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))

    assert "airflow_ice.get_provider_info" in loaded, (
        "Airflow did not read the provider info: nothing checked"
    )
    assert loaded == {
        "airflow_ice.client",
        "airflow_ice.client.connection_type",
        "airflow_ice.families",
        "airflow_ice.get_provider_info",
        "airflow_ice.provider_config",
    }
