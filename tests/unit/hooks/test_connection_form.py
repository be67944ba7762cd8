"""The ICE connection form that Airflow's UI serves, on 3.1 (from the hook's classmethods) as on
3.2+ (from the provider info): one declaration, the provider info's, and no deprecation warning."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from airflow_ice.get_provider_info import get_provider_info
from airflow_ice.hooks.ice import IceHook
from tests.support.paths import REPO_ROOT

(CONNECTION_TYPE,) = get_provider_info()["connection-types"]
CONN_FIELDS: dict[str, dict[str, Any]] = CONNECTION_TYPE["conn-fields"]
BEHAVIOUR: dict[str, Any] = CONNECTION_TYPE["ui-field-behaviour"]

# What the api-server's form endpoint (/ui/connections/hook_meta) is built from, in a fresh
# interpreter (Airflow caches it per process), with every warning an error once Airflow is imported.
HOOK_META_SCRIPT = """
import json, warnings
import airflow
from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService
from airflow.providers_manager import ProvidersManager

warnings.simplefilter("error")
[meta] = [m for m in HookMetaService.hook_meta_data() if m.connection_type == "alibaba_ice"]
with warnings.catch_warnings():  # 3.3 moved this mapping to the task SDK: not what is checked here
    warnings.filterwarnings("ignore", message="ProvidersManager.hooks is deprecated")
    hooks = ProvidersManager().hooks
assert hooks["alibaba_ice"].hook_class_name == "airflow_ice.hooks.ice.IceHook"  # imports the hook class
standard = None if meta.standard_fields is None else meta.standard_fields.model_dump()
print(json.dumps({"standard": standard, "extra": meta.extra_fields}))
"""


@pytest.fixture(scope="module")
def served_form() -> dict[str, Any]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW_CONN_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", HOOK_META_SCRIPT], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_the_served_form_has_every_declared_extra_field(served_form: dict[str, Any]) -> None:
    extra = served_form["extra"]
    assert extra is not None, "Airflow serves the generic form: it found no ICE fields"
    assert list(extra) == list(CONN_FIELDS)
    for name, spec in CONN_FIELDS.items():
        served, schema = extra[name], spec["schema"]
        assert served["schema"]["title"] == spec["label"], name
        assert served["description"] == spec["description"], name
        assert served["value"] == schema.get("default"), name
        assert served["schema"].get("enum") == schema.get("enum"), name
        assert served["schema"].get("format") == schema.get("format"), name
        assert "null" in served["schema"]["type"], name  # every extra is optional


def test_the_served_form_hides_relabels_and_explains_the_standard_fields(served_form: dict[str, Any]) -> None:
    standard = served_form["standard"]
    assert standard is not None, "Airflow serves the generic form: it found no ICE field behaviour"
    for hidden in BEHAVIOUR["hidden-fields"]:
        if hidden != "extra":  # the JSON box: not a standard field of the form
            assert standard["url_schema" if hidden == "schema" else hidden]["hidden"] is True, hidden
    for field in ("login", "password"):
        assert standard[field]["hidden"] is False
        assert standard[field]["title"] == BEHAVIOUR["relabeling"][field]
        assert standard[field]["placeholder"] == BEHAVIOUR["placeholders"][field]


def test_the_hook_methods_derive_from_the_provider_info() -> None:
    from wtforms import BooleanField, IntegerField, PasswordField, StringField

    widgets = IceHook.get_connection_form_widgets()
    assert list(widgets) == list(CONN_FIELDS)
    expected_class = {
        "security_token": PasswordField,
        "role_session_duration": IntegerField,
        "max_retries": IntegerField,
        "verify": BooleanField,
    }
    for name, spec in CONN_FIELDS.items():
        field = widgets[name]
        assert field.field_class is expected_class.get(name, StringField), name
        assert field.args[0] == spec["label"]
        assert field.kwargs["description"] == spec["description"]
        assert field.kwargs["default"] == spec["schema"].get("default")
    assert IceHook.get_ui_field_behaviour() == {
        "hidden_fields": BEHAVIOUR["hidden-fields"],
        "relabeling": BEHAVIOUR["relabeling"],
        "placeholders": BEHAVIOUR["placeholders"],
    }
