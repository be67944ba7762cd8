"""The provider's options in Airflow's configuration: one section, ``[alibaba_ice]``.

Declared in the provider info (:func:`provider_config`), so that ``airflow config get-value
alibaba_ice poll_tick_seconds`` and Airflow's configuration reference know them. The code reads an
option as ``conf.get*(SECTION, "option", fallback=DEFAULT_...)``; ``tests/unit/test_provider_config.py``
finds every such read in ``airflow_ice`` and fails on one that is not declared here. No imports:
Airflow loads this with the provider info.
"""

from __future__ import annotations

from typing import Any

SECTION = "alibaba_ice"

POLL_TICK_SECONDS = "poll_tick_seconds"
DEFAULT_POLL_TICK_SECONDS = 1.0
"""Default shared poll tick: a poll is at most this late (polls are 30 s apart by default)."""

CONSOLE_JOB_URL = "console_job_url"
DEFAULT_CONSOLE_JOB_URL = "https://ims.console.aliyun.com/summary?regionId={region}&jobId={job_id}"
"""Placeholders: ``{region}``, ``{job_id}`` and ``{family}`` (``iproduction``, ``yike-storyboard``,
``yike-ai-app``, ...), each URL-encoded."""

VERSION_ADDED = "0.1.0"


def provider_config() -> dict[str, Any]:
    """The provider info's ``config``: the section, each option's description, type, default, example."""
    return {
        SECTION: {
            "description": "Alibaba Cloud ICE provider (airflow-ice): how triggers pace their polls "
            "and where the ICE console link points.",
            "options": {
                POLL_TICK_SECONDS: {
                    "description": "Shared poll tick of the ICE triggers of one triggerer event loop, "
                    "in seconds: the waits that end within one tick are woken together, so "
                    "thousands of waiting jobs cost one timer per tick. 0 turns the shared ticks "
                    "off (each wait has its own timer). A value that is not a number, or is "
                    "negative, is logged and the default is used.",
                    "version_added": VERSION_ADDED,
                    "type": "float",
                    "example": "0.5",
                    "default": str(DEFAULT_POLL_TICK_SECONDS),
                },
                CONSOLE_JOB_URL: {
                    "description": 'Address of the "ICE console" extra link: an https:// '
                    "template with the placeholders {region}, {job_id} and {family} (iproduction, "
                    "yike-storyboard, yike-ai-app, ...), each URL-encoded. A template with another "
                    "placeholder, or not https, leaves the link empty (logged), never fails the task.",
                    "version_added": VERSION_ADDED,
                    "type": "string",
                    "example": "https://ims.console.alibabacloud.com/summary?regionId={region}&jobId={job_id}",
                    "default": DEFAULT_CONSOLE_JOB_URL,
                    # Airflow formats a default with its own variables ({AIRFLOW_HOME}, ...) unless
                    # it is a template: 3.1 fails to load any configuration on "{region}".
                    "is_template": True,
                },
            },
        }
    }
