"""Provider metadata read by Airflow through the ``apache_airflow_provider`` entry point."""

from __future__ import annotations

from typing import Any

from airflow_ice import __version__
from airflow_ice.client.connection_type import CONN_TYPE
from airflow_ice.families import family_names
from airflow_ice.provider_config import provider_config

INTEGRATION = "Alibaba Cloud Intelligent Media Services (ICE)"


def _string_field(label: str, description: str, default: str | None = None, **schema: Any) -> dict[str, Any]:
    field_schema: dict[str, Any] = {"type": ["string", "null"], **schema}
    if default is not None:
        field_schema["default"] = default
    return {"label": label, "description": description, "schema": field_schema}


def _family_modules(package: str) -> list[str]:
    """Each job family's module in ``airflow_ice.<package>`` (named as the family's module), and the
    one that waits on a kind declared in a DAG (``declared``)."""
    return [f"airflow_ice.{package}.{name}" for name in [*family_names(), "declared"]]


def get_provider_info() -> dict[str, Any]:
    """The provider's description: hooks, connection type and form, operators, triggers, links, assets,
    configuration options."""
    return {
        "package-name": "airflow-ice",
        "name": "Alibaba Cloud ICE",
        "description": "Alibaba Cloud Intelligent Media Services (ICE): its media jobs (AI production, editing, transcoding, moderation, speech, packaging, ...) and any other kind declared in a DAG.",
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
                "python-modules": _family_modules("operators"),
            }
        ],
        "sensors": [
            {
                "integration-name": INTEGRATION,
                "python-modules": _family_modules("sensors"),
            }
        ],
        "triggers": [
            {
                "integration-name": INTEGRATION,
                "python-modules": _family_modules("triggers"),
            }
        ],
        "extra-links": [
            "airflow_ice.links.job_output.IceJobOutputLink",
            "airflow_ice.links.console.IceConsoleJobLink",
        ],
        # Asset("oss://bucket/key"): checked on parse, and an OpenLineage dataset (docs/lineage.md).
        "asset-uris": [
            {
                "schemes": ["oss"],
                "handler": "airflow_ice.assets.oss.sanitize_uri",
                "factory": "airflow_ice.assets.oss.create_asset",
                "to_openlineage_converter": "airflow_ice.assets.oss.convert_asset_to_openlineage",
            }
        ],
        # [alibaba_ice] options: `airflow config get-value` and the configuration reference list them.
        "config": provider_config(),
        "connection-types": [
            {
                "hook-class-name": "airflow_ice.hooks.ice.IceHook",
                "hook-name": "Alibaba Cloud ICE",
                "connection-type": CONN_TYPE,
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
                    "credential_source": _string_field(
                        "Credential source",
                        "Where credentials come from. auto: the AccessKey above, else the "
                        "ALIBABA_CLOUD_ACCESS_KEY_* environment variables (either one with a role ARN: "
                        "AssumeRole), else RRSA/OIDC, else the ECS RAM role named below.",
                        "auto",
                        enum=[
                            "auto",
                            "access_key",
                            "environment",
                            "ram_role_arn",
                            "oidc_role_arn",
                            "ecs_ram_role",
                        ],
                    ),
                    "role_arn": _string_field(
                        "Role ARN",
                        "RAM role to assume (AssumeRole with the AccessKey, or AssumeRoleWithOIDC), e.g. "
                        "acs:ram::123456789012****:role/ice-runner. Default for OIDC: ALIBABA_CLOUD_ROLE_ARN.",
                    ),
                    "role_session_name": _string_field(
                        "Role session name",
                        "Session name of the assumed role, shown in ActionTrail (2-64 characters: "
                        "letters, digits, . @ - _).",
                        "airflow-ice",
                    ),
                    "role_session_duration": {
                        "label": "Role session duration (seconds)",
                        "description": "Lifetime of the temporary credentials of an assumed role, "
                        "900 to 43200 (at most the role's maximum session duration).",
                        "schema": {
                            "type": ["integer", "null"],
                            "default": 3600,
                            "minimum": 900,
                            "maximum": 43200,
                        },
                    },
                    "oidc_provider_arn": _string_field(
                        "OIDC provider ARN",
                        "RRSA/OIDC: the OIDC identity provider, e.g. "
                        "acs:ram::123456789012****:oidc-provider/ack-rrsa-c0123. "
                        "Default: ALIBABA_CLOUD_OIDC_PROVIDER_ARN.",
                    ),
                    "oidc_token_file": _string_field(
                        "OIDC token file",
                        "RRSA/OIDC: path of the service-account token file (re-read on every refresh), e.g. "
                        "/var/run/secrets/ack.alibabacloud.com/rrsa-tokens/token. "
                        "Default: ALIBABA_CLOUD_OIDC_TOKEN_FILE.",
                    ),
                    "ecs_role_name": _string_field(
                        "ECS RAM role name",
                        "ECS RAM role: the role attached to the instance, e.g. EcsRamRoleForIce; empty asks "
                        "the metadata service. Default: ALIBABA_CLOUD_ECS_METADATA.",
                    ),
                    "sts_endpoint": _string_field(
                        "STS endpoint",
                        "Optional. Host or URL of STS for AssumeRole/AssumeRoleWithOIDC, e.g. "
                        "sts-vpc.cn-shanghai.aliyuncs.com. Default: sts.aliyuncs.com.",
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
                    "verify": {
                        "label": "Verify TLS certificate",
                        "description": "Check the endpoint's certificate (turn off only for tests).",
                        "schema": {"type": ["boolean", "null"], "default": True},
                    },
                    "ca_bundle": {
                        "label": "CA bundle",
                        "description": "Optional. CA certificates to trust instead of the system's (a "
                        "corporate proxy or private CA): the path of a PEM file, or the PEM text.",
                        "schema": {"type": ["string", "null"]},
                    },
                    "max_requests_per_second": {
                        "label": "Max requests per second",
                        "description": "Optional. Caps the calls that all tasks and triggers of one "
                        "process make together to this endpoint with these credentials. Empty: no cap.",
                        "schema": {"type": ["number", "null"], "exclusiveMinimum": 0},
                    },
                },
                "ui-field-behaviour": {
                    "hidden-fields": ["schema", "port", "host", "extra"],
                    "relabeling": {"login": "AccessKey ID", "password": "AccessKey Secret"},
                    # Airflow 3's form shows placeholders of login and password only; the extra
                    # fields' examples below are repeated in their descriptions, which it shows.
                    "placeholders": {
                        "login": "LTAI5t... (empty for RRSA/OIDC or an ECS RAM role)",
                        "password": "AccessKey Secret",
                        "role_arn": "acs:ram::123456789012****:role/ice-runner",
                        "oidc_provider_arn": "acs:ram::123456789012****:oidc-provider/ack-rrsa-c0123",
                        "oidc_token_file": "/var/run/secrets/ack.alibabacloud.com/rrsa-tokens/token",
                        "ecs_role_name": "EcsRamRoleForIce",
                        "sts_endpoint": "sts.aliyuncs.com",
                    },
                },
            }
        ],
    }
