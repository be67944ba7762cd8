"""A DAG file pays for the families it uses: importing one family's operator (or sensor, or trigger)
loads that family's declaration only, and no job model until a job is read; importing or parsing an
operator loads no trigger, hook or client (a running task imports them), and builds no pydantic
model that parsing does not need (its own family's request model, to check literal parameters)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from airflow_ice.families import family_named, family_names
from tests.support.dag_files import ONE_SNAPSHOT_TASK_DAG

# After running argv[2] (modules to import, or a DAG file to run): our modules loaded, the modules
# of our pydantic models built, and the parse's error if the DAG file raised one.
PROBE = """
import importlib, json, runpy, sys
import airflow.sdk
from pydantic import BaseModel

error = None
if sys.argv[1] == "import":
    for module in json.loads(sys.argv[2]):
        importlib.import_module(module)
else:
    try:
        runpy.run_path(sys.argv[2])
    except ValueError as exc:
        error = str(exc)


def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


print(json.dumps({
    "modules": sorted(name for name in sys.modules if name.startswith("airflow_ice.")),
    "models": sorted({m.__module__ for m in subclasses(BaseModel) if m.__module__.startswith("airflow_ice.")}),
    "error": error,
}))
"""
# What only a running task (or the triggerer) needs: none of it loads while a DAG file is parsed.
RUN_TIME = (
    "airflow_ice.hooks",
    "airflow_ice.credentials",
    "airflow_ice.jobs.poll",
    "airflow_ice.jobs.waiting",
)
# Of the client and the triggers, the light modules that name things (a connection id, a trigger's path).
NAMING = {
    "airflow_ice.client",
    "airflow_ice.client.connection_type",
    "airflow_ice.client.json_numbers",
    "airflow_ice.triggers",
    "airflow_ice.triggers.reference",
}


class Loaded(NamedTuple):
    """What a fresh interpreter loaded (after ``airflow.sdk``)."""

    modules: set[str]
    models: set[str]
    error: str | None


def loaded_by(*modules: str, dag_file: Path | None = None) -> Loaded:
    """Our modules loaded and the modules of our pydantic models built, after importing ``modules``
    (or running ``dag_file``) in a fresh interpreter that imported ``airflow.sdk`` first."""
    arguments = ["run", str(dag_file)] if dag_file is not None else ["import", json.dumps(modules)]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *arguments], capture_output=True, text=True, timeout=120, check=True
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return Loaded(set(found["modules"]), set(found["models"]), found["error"])


def run_time_modules(loaded: set[str]) -> list[str]:
    """The modules of ``loaded`` that only a running task needs."""
    return sorted(
        name
        for name in loaded
        if name.startswith(RUN_TIME)
        or (name.startswith(("airflow_ice.client", "airflow_ice.triggers")) and name not in NAMING)
    )


@pytest.mark.parametrize("family", ["snapshot", "dynamic_image"])
@pytest.mark.parametrize("package", ["operators", "sensors", "triggers"])
def test_one_family_loads_alone(package: str, family: str) -> None:
    loaded = loaded_by(f"airflow_ice.{package}.{family}").modules

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


@pytest.mark.parametrize("family", ["snapshot", "iproduction"])
def test_importing_a_familys_operator_and_sensor_loads_nothing_a_running_task_needs(family: str) -> None:
    loaded, models, _ = loaded_by(f"airflow_ice.operators.{family}", f"airflow_ice.sensors.{family}")

    assert run_time_modules(loaded) == []
    # Importing builds no model at all: the request model is built when an operator is.
    assert models == set()


def test_importing_every_familys_operators_and_sensors_builds_no_model_nor_trigger() -> None:
    waiters = [f"airflow_ice.{kind}.{name}" for name in family_names() for kind in ("operators", "sensors")]

    loaded, models, _ = loaded_by(*waiters)

    assert set(waiters) <= loaded, "the probe did not import them all: nothing checked"
    assert run_time_modules(loaded) == []
    # No model at all: what an operator's class reads (media producing's UserData limit) is a plain
    # number (models/limits.py); a request model is built when an operator is.
    assert models == set()


def test_parsing_a_dag_file_builds_its_familys_request_model_only(tmp_path: Path) -> None:
    dag_file = tmp_path / "thumbnails.py"
    dag_file.write_text(ONE_SNAPSHOT_TASK_DAG, encoding="utf-8")

    loaded, models, error = loaded_by(dag_file=dag_file)

    assert error is None
    assert {name for name in loaded if name.startswith("airflow_ice.families.")} == {
        "airflow_ice.families.snapshot"
    }
    assert run_time_modules(loaded) == []
    # The operator checked its literal parameters with the request model: that model, nothing else.
    assert models == {"airflow_ice.models.snapshot_request", "airflow_ice.models.request_fields"}


def test_a_bad_literal_parameter_still_fails_the_parse(tmp_path: Path) -> None:
    """Checking parameters at parse time needs none of what a running task loads."""
    dag_file = tmp_path / "bad.py"
    # A literal (untemplated) input of a type ICE does not know.
    templated_input = '{"Type": "OSS", "Media": "oss://bucket/in/{{ ds }}.mp4"}'
    dag_file.write_text(
        ONE_SNAPSHOT_TASK_DAG.replace(
            templated_input, '{"Type": "FTP", "Media": "oss://bucket/in/clip.mp4"}'
        ),
        encoding="utf-8",
    )

    loaded, _, error = loaded_by(dag_file=dag_file)

    assert error is not None
    assert "IceSnapshotJobOperator 'thumbnail'" in error
    assert "input" in error
    assert run_time_modules(loaded) == []


@pytest.mark.parametrize("family", family_names())
@pytest.mark.parametrize("package", ["operators", "sensors"])
def test_a_waiter_names_its_familys_trigger(package: str, family: str) -> None:
    """The path a waiter names its trigger by is its family module's trigger, for that family."""
    module = importlib.import_module(f"airflow_ice.{package}.{family}")
    [waiter] = [
        value
        for value in vars(module).values()
        if isinstance(value, type) and value.__module__ == module.__name__ and hasattr(value, "trigger_class")
    ]

    trigger_class = waiter.trigger_class

    assert trigger_class.__module__ == f"airflow_ice.triggers.{family}"
    assert trigger_class.family is family_named(family) is waiter.family


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
