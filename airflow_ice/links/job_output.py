"""Extra link "ICE job output": the output URL of the job an ICE operator submitted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseOperatorLink

from airflow_ice.links.pushed_value import pushed_link_value

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import TaskInstanceKey

# XCom keys the operators push; the link reads the URL.
JOB_ID_XCOM_KEY = "ice_job_id"
OUTPUT_URL_XCOM_KEY = "ice_job_output_url"


class IceJobOutputLink(BaseOperatorLink):
    """Opens the job's output once ICE has reported it (IProduction: the first ``OutputUrls`` entry,
    or the request's ``Output.OutputUrl``; Yike storyboard: ``JobResult.OutputUrl``; Yike AI app: the
    first video output, else image, else audio).

    Empty (no link) until the URL is known, and for outputs that are not web addresses (``oss://``).
    """

    name = "ICE job output"

    def get_link(self, operator: Any, *, ti_key: TaskInstanceKey) -> str:
        """The output URL pushed to XCom by the task, or an empty string."""
        url = pushed_link_value(operator, ti_key, OUTPUT_URL_XCOM_KEY)
        return url if isinstance(url, str) and url.startswith(("https://", "http://")) else ""
