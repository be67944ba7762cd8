"""Operator running one media convert (transcode and package) job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from airflow_ice.families.media_convert import MEDIA_CONVERT
from airflow_ice.operators.base import IceJobOperator
from airflow_ice.triggers.reference import TriggerClass

_REQUEST_FIELDS = ("config", "pipeline_id", "user_data")


class IceMediaConvertJobOperator(IceJobOperator):
    """Convert media (SubmitMediaConvertJob: inputs, outputs, output groups) and wait; return the job.

    The return value is the job's ``to_xcom()`` form: ``job_id``, ``status`` (ICE's ``State``),
    ``percent``, ``output_urls`` (the first is the "ICE job output" link), ``outputs`` and
    ``output_groups`` (name, status, url, code, message each), ``code`` and ``message``,
    ``pipeline_id``, ``user_data``, times. ``Error`` and ``Cancelled`` fail the task.

    Every submit carries ICE's ``ClientToken``, so a submit whose answer was lost is resent safely
    (docs/families/media_convert.md). ICE has no cancel action for these jobs: on ``timeout``
    or a kill the job keeps running (logged). Parameters are templated and validated before
    anything is submitted; ``user_data`` (a JSON object) gets an ``airflow_ice`` tag.
    See :class:`~airflow_ice.operators.base.IceJobOperator` for waiting, retries and reattaching.

    :param config: ``{"Inputs": [{"Name": "in", "InputFile": {"Type": "OSS", "Media": "oss://b/in.mp4"}}],
        "Outputs": [{"Name": "mp4", "OutputFile": {"Type": "OSS", "Media": "oss://b/out.mp4"},
        "TemplateId": "..."}], "OutputGroups": [...], "JobName": "..."}``.
    :param pipeline_id: the pipeline to run in.
    :param user_data: your own data (a JSON object).
    """

    family = MEDIA_CONVERT
    trigger_class = TriggerClass("airflow_ice.triggers.media_convert:IceMediaConvertJobTrigger")
    request_fields = _REQUEST_FIELDS
    template_fields: Sequence[str] = (*_REQUEST_FIELDS, *IceJobOperator.wait_template_fields)
    template_fields_renderers: ClassVar[dict[str, str]] = {"config": "json", "user_data": "json"}

    def __init__(
        self,
        *,
        config: dict[str, Any] | str,
        pipeline_id: str | None = None,
        user_data: dict[str, Any] | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.pipeline_id = pipeline_id
        self.user_data = user_data
        self.check_literal_parameters()
