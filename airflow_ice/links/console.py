"""Extra link "ICE console": the task's job in Alibaba Cloud's IMS (ICE) console.

ICE's documentation names console pages (``https://ims.console.aliyun.com/summary``, template and
workflow lists) but no stable page per IProduction, storyboard or AI-app job, and no documented
filter parameters. The link therefore opens the console in the job's region with the job id as a
filter (``regionId``, ``jobId``); ``[alibaba_ice] console_job_url``
(``AIRFLOW__ALIBABA_ICE__CONSOLE_JOB_URL``) replaces the address where your console offers a better page (see docs/lineage.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from airflow.providers.common.compat.sdk import BaseOperatorLink

from airflow_ice.links.pushed_value import pushed_link_value
from airflow_ice.provider_config import CONSOLE_JOB_URL, SECTION

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import TaskInstanceKey

CONSOLE_URL_XCOM_KEY = "ice_console_url"


def console_job_url(template: str, *, region: str, job_id: str, family: str) -> str:
    """The console address of a job.

    :param template: the address with ``{region}``, ``{job_id}`` and ``{family}`` placeholders.
    :param region: the job's region, e.g. ``cn-shanghai``.
    :param job_id: the ICE job id.
    :param family: the job family's name, e.g. ``Yike AI app``.
    :raises ValueError: the template has another placeholder, or is not an https address.
    """
    slug = family.lower().replace(" ", "-")
    try:
        url = template.format(
            region=quote(region, safe=""), job_id=quote(job_id, safe=""), family=quote(slug, safe="")
        )
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(
            f"[{SECTION}] {CONSOLE_JOB_URL} {template!r}: use only the placeholders {{region}}, "
            f"{{job_id}} and {{family}} ({exc!r})."
        ) from None
    if not url.startswith("https://"):
        raise ValueError(f"[{SECTION}] {CONSOLE_JOB_URL} {template!r} must be an https:// address.")
    return url


class IceConsoleJobLink(BaseOperatorLink):
    """Opens the task's job in the ICE console (its region, filtered to the job id).

    Known as soon as the job is submitted, so it works while the task waits, and after it failed.
    """

    name = "ICE console"

    def get_link(self, operator: Any, *, ti_key: TaskInstanceKey) -> str:
        """The console URL pushed to XCom by the task, or an empty string."""
        url = pushed_link_value(operator, ti_key, CONSOLE_URL_XCOM_KEY)
        return url if isinstance(url, str) and url.startswith("https://") else ""
