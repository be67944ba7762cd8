"""The connection form as Airflow 3.1 reads it: from the hook's classmethods, not the provider info.

Airflow 3.2+ reads the form from the provider info's ``conn-fields`` and ``ui-field-behaviour``
(:func:`~airflow_ice.get_provider_info.get_provider_info`), the one declaration; 3.1 reads only
``get_connection_form_widgets()`` and ``get_ui_field_behaviour()`` on the hook, which derive from
that declaration here. 3.2+ never calls them when the provider info has the form (so they raise
no deprecation warning there). On 3.1 the UI needs ``wtforms`` importable (a dependency): it
replaces its field classes with its own while it reads the widgets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_ice.client.connection_type import CONN_TYPE


def declared_connection_type() -> Mapping[str, Any]:
    """The provider info's entry for the ICE connection type."""
    from airflow_ice.get_provider_info import get_provider_info

    for entry in get_provider_info()["connection-types"]:
        if entry["connection-type"] == CONN_TYPE:
            return entry
    raise LookupError(f"the provider info declares no {CONN_TYPE} connection type")


def connection_form_widgets() -> dict[str, Any]:
    """``conn-fields`` as wtforms fields (Airflow 3.1's form allows only string, password, integer
    and boolean fields: a number is a string field, which the connection parser reads as a number)."""
    from wtforms import BooleanField, IntegerField, PasswordField, StringField
    from wtforms.validators import Optional, any_of

    widgets: dict[str, Any] = {}
    for name, spec in declared_connection_type()["conn-fields"].items():
        schema = spec["schema"]
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if "boolean" in kinds:
            field_class = BooleanField
        elif "integer" in kinds:
            field_class = IntegerField
        elif schema.get("format") == "password":
            field_class = PasswordField
        else:
            field_class = StringField
        validators = [Optional()]
        if "enum" in schema:
            validators.append(any_of(schema["enum"]))
        widgets[name] = field_class(
            spec["label"],
            validators=validators,
            description=spec["description"],
            default=schema.get("default"),
        )
    return widgets


def ui_field_behaviour() -> dict[str, Any]:
    """``ui-field-behaviour`` with the keys Airflow 3.1 reads (``hidden_fields``, ``relabeling``,
    ``placeholders``)."""
    behaviour = declared_connection_type()["ui-field-behaviour"]
    return {
        "hidden_fields": list(behaviour["hidden-fields"]),
        "relabeling": dict(behaviour["relabeling"]),
        "placeholders": dict(behaviour["placeholders"]),
    }
