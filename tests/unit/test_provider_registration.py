"""The provider is registered the way Airflow discovers it, and its metadata is valid."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import airflow
import jsonschema

from airflow_ice.get_provider_info import get_provider_info
from airflow_ice.hooks.ice import IceHook


def test_entry_point_points_at_get_provider_info() -> None:
    (entry,) = [ep for ep in entry_points(group="apache_airflow_provider") if ep.dist.name == "airflow-ice"]
    assert entry.load() is get_provider_info


def test_provider_info_matches_airflows_schema() -> None:
    schema = json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())
    jsonschema.validate(get_provider_info(), schema)


def test_connection_type_matches_the_hook() -> None:
    (conn_type,) = get_provider_info()["connection-types"]
    assert conn_type["connection-type"] == IceHook.conn_type == "alibaba_ice"
    assert conn_type["hook-name"] == IceHook.hook_name == "Alibaba Cloud ICE"
    assert conn_type["hook-class-name"] == f"{IceHook.__module__}.{IceHook.__qualname__}"
    assert IceHook.default_conn_name == "ice_default"
    assert IceHook.conn_name_attr == "ice_conn_id"
    fields = conn_type["conn-fields"]
    assert set(fields) >= {
        "region",
        "endpoint",
        "security_token",
        "signature_algorithm",
        "timeout",
        "max_retries",
    }
    assert fields["security_token"]["schema"]["format"] == "password"
    assert fields["region"]["schema"]["default"] == "cn-shanghai"
    behaviour = conn_type["ui-field-behaviour"]
    assert behaviour["relabeling"] == {"login": "AccessKey ID", "password": "AccessKey Secret"}


def test_airflow_cli_lists_the_provider_and_hook(tmp_path: Path) -> None:
    # Unit-test mode prints a banner on stdout, which would corrupt the JSON.
    env = {key: value for key, value in os.environ.items() if key != "AIRFLOW__CORE__UNIT_TEST_MODE"}
    env["AIRFLOW_HOME"] = str(tmp_path)
    airflow_cli = [sys.executable, "-m", "airflow"]
    providers = subprocess.run(
        [*airflow_cli, "providers", "list", "-o", "json"], env=env, capture_output=True, text=True, check=True
    )
    assert "airflow-ice" in {row["package_name"] for row in json.loads(providers.stdout)}
    hooks = subprocess.run(
        [*airflow_cli, "providers", "hooks", "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = {row["connection_type"]: row for row in json.loads(hooks.stdout)}
    assert rows["alibaba_ice"]["class"] == "airflow_ice.hooks.ice.IceHook"
    assert rows["alibaba_ice"]["hook_name"] == "Alibaba Cloud ICE"
    assert rows["alibaba_ice"]["conn_id_attribute_name"] == "ice_conn_id"


def test_airflow_cli_lists_both_extra_links(tmp_path: Path) -> None:
    # A link whose module fails to import would be dropped from this list without an error.
    env = {key: value for key, value in os.environ.items() if key != "AIRFLOW__CORE__UNIT_TEST_MODE"}
    env["AIRFLOW_HOME"] = str(tmp_path)
    links = subprocess.run(
        [sys.executable, "-m", "airflow", "providers", "links", "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    names = {row["extra_link_class_name"] for row in json.loads(links.stdout)}
    assert names >= {
        "airflow_ice.links.job_output.IceJobOutputLink",
        "airflow_ice.links.console.IceConsoleJobLink",
    }
