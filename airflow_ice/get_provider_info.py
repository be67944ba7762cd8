"""Provider metadata read by Airflow through the ``apache_airflow_provider`` entry point."""

from __future__ import annotations

from typing import Any

from airflow_ice import __version__

INTEGRATION = "Alibaba Cloud Intelligent Media Services (ICE)"


def _string_field(label: str, description: str, default: str | None = None, **schema: Any) -> dict[str, Any]:
    field_schema: dict[str, Any] = {"type": ["string", "null"], **schema}
    if default is not None:
        field_schema["default"] = default
    return {"label": label, "description": description, "schema": field_schema}


def get_provider_info() -> dict[str, Any]:
    """The provider's description: hooks, connection type and form, operators, triggers, links."""
    return {
        "package-name": "airflow-ice",
        "name": "Alibaba Cloud ICE",
        "description": "Alibaba Cloud Intelligent Media Services (ICE): IProduction and Yike jobs.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": INTEGRATION,
                "external-doc-url": "https://www.alibabacloud.com/help/en/ims/",
                "tags": ["alibaba"],
            }
        ],
        "hooks": [{"integration-name": INTEGRATION, "python-modules": ["airflow_ice.hooks.ice"]}],
        "operators": [
            {
                "integration-name": INTEGRATION,
                "python-modules": ["airflow_ice.operators.iproduction", "airflow_ice.operators.yike"],
            }
        ],
        "sensors": [
            {
                "integration-name": INTEGRATION,
                "python-modules": ["airflow_ice.sensors.iproduction", "airflow_ice.sensors.yike"],
            }
        ],
        "triggers": [
            {
                "integration-name": INTEGRATION,
                "python-modules": ["airflow_ice.triggers.iproduction", "airflow_ice.triggers.yike"],
            }
        ],
        "extra-links": ["airflow_ice.links.job_output.IceJobOutputLink"],
        "connection-types": [
            {
                "hook-class-name": "airflow_ice.hooks.ice.IceHook",
                "hook-name": "Alibaba Cloud ICE",
                "connection-type": "alibaba_ice",
                "conn-fields": {
                    "region": _string_field(
                        "Region", "ICE region id, e.g. cn-shanghai or ap-southeast-1.", "cn-shanghai"
                    ),
                    "endpoint": _string_field(
                        "Endpoint",
                        "Optional. A host (ice-vpc.cn-shanghai.aliyuncs.com) or a URL "
                        "(http://127.0.0.1:8080 for the local emulator). Default: ice.<region>.aliyuncs.com.",
                    ),
                    "security_token": _string_field(
                        "STS security token",
                        "Optional. Only for temporary (STS) credentials.",
                        format="password",
                    ),
                    "signature_algorithm": _string_field(
                        "Signature algorithm",
                        "ACS3-HMAC-SHA256 (default) or the legacy HMAC-SHA1.",
                        "ACS3-HMAC-SHA256",
                        enum=["ACS3-HMAC-SHA256", "HMAC-SHA1"],
                    ),
                    "timeout": {
                        "label": "Request timeout (seconds)",
                        "description": "Time allowed for one HTTP request to ICE.",
                        "schema": {"type": ["number", "null"], "default": 30},
                    },
                    "max_retries": {
                        "label": "Max retries",
                        "description": "Retries of a failed call (throttling, 5xx, network errors).",
                        "schema": {"type": ["integer", "null"], "default": 5, "minimum": 0, "maximum": 50},
                    },
                },
                "ui-field-behaviour": {
                    "hidden-fields": ["schema", "port", "host", "extra"],
                    "relabeling": {"login": "AccessKey ID", "password": "AccessKey Secret"},
                    "placeholders": {"login": "LTAI5t...", "password": "AccessKey Secret"},
                },
            }
        ],
    }
