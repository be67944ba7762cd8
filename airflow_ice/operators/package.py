"""Operator running one packaging job (HLS or DASH packaging of several renditions)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from airflow_ice.families.package import PACKAGE
from airflow_ice.operators.base import IceJobOperator
from airflow_ice.triggers.reference import TriggerClass

_REQUEST_FIELDS = ("inputs", "output", "name", "user_data", "schedule_config")
# BaseOperator.output is the task's XComArg, so the job's output lives in job_output.
_TEMPLATED = tuple("job_output" if name == "output" else name for name in _REQUEST_FIELDS)


class IcePackageJobOperator(IceJobOperator):
    """Package renditions for adaptive streaming (SubmitPackageJob) and wait; return the parsed job.

    The return value is the job's ``to_xcom()`` form: ``job_id``, ``status``, ``name``,
    ``output_media`` (the manifest asked for), ``output_url`` (the manifest written, also the "ICE
    job output" link), ``inputs`` (the renditions read), ``code`` and ``message``, ``user_data``,
    times. ICE takes no ``ClientToken`` for packaging: a submit whose answer was lost fails the task
    without retry (look for the job by its ``UserData`` tag). ICE has no cancel action for it.
    Parameters are templated and validated before anything is submitted. See
    :class:`~airflow_ice.operators.base.IceJobOperator` for waiting, retries and reattaching.

    :param inputs: the renditions, each ``{"Input": {"Type": "OSS" | "Media", "Media": ...}}``.
    :param output: the manifest, ``{"Type": "OSS", "Media": "oss://bucket/hls/master.m3u8"}``.
    :param name: the job name.
    :param user_data: your own data (a JSON object); the task's tag is added.
    :param schedule_config: ``{"PipelineId": ..., "Priority": 1-10}``.
    """

    family = PACKAGE
    trigger_class = TriggerClass("airflow_ice.triggers.package:IcePackageJobTrigger")
    request_fields = _REQUEST_FIELDS
    request_attributes: ClassVar[dict[str, str]] = {"output": "job_output"}
    template_fields: Sequence[str] = (*_TEMPLATED, *IceJobOperator.wait_template_fields)
    template_fields_renderers: ClassVar[dict[str, str]] = {
        name: "json" for name in _TEMPLATED if name != "name"
    }

    def __init__(
        self,
        *,
        inputs: list[dict[str, Any]] | str,
        output: dict[str, Any] | str,
        name: str | None = None,
        user_data: dict[str, Any] | str | None = None,
        schedule_config: dict[str, Any] | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.inputs = inputs
        self.job_output = output
        self.name = name
        self.user_data = user_data
        self.schedule_config = schedule_config
        self.check_literal_parameters()
