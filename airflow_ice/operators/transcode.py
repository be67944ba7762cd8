"""Operator running one transcode job (input groups, output groups)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from airflow_ice.families.transcode import TRANSCODE
from airflow_ice.operators.base import IceJobOperator
from airflow_ice.triggers.reference import TriggerClass

_REQUEST_FIELDS = ("input_group", "output_group", "name", "schedule_config", "user_data")


class IceTranscodeJobOperator(IceJobOperator):
    """Transcode media (SubmitTranscodeJob: an input group, one output per output group) and wait;
    return the parsed job.

    The return value is the job's ``to_xcom()`` form: ``job_id`` (ICE's ``ParentJobId``),
    ``status``, ``percent``, ``job_count``, ``name``, ``output_urls`` (every file written by a
    successful sub-job; the first is the "ICE job output" link), ``output_media_ids``,
    ``sub_jobs`` (job id, index, name, status, output media, url each), ``user_data``, times. ICE
    calls the job a success when one sub-job succeeded; ``Fail`` (every sub-job failed) and
    ``Deleted`` fail the task.

    Every submit carries ICE's ``ClientToken``, so a submit whose answer was lost is resent safely
    (docs/families/transcode.md). ICE has no cancel action for these jobs: on ``timeout`` or a kill
    the job keeps running (logged). Parameters are templated and validated before anything is
    submitted; ``user_data`` (a JSON object) gets an ``airflow_ice`` tag.
    See :class:`~airflow_ice.operators.base.IceJobOperator` for waiting, retries and reattaching.

    :param input_group: the inputs, ``[{"Type": "OSS" | "Media", "Media": ..., "InputUrl": ...}]``
        (several inputs merge their streams).
    :param output_group: one item per output file, ``[{"Output": {"Type": "OSS", "Media":
        "oss://b/out.mp4"}, "ProcessConfig": {"Transcode": {"TemplateId": ..., "OverwriteParams":
        {...}}, "ImageWatermarks": [...], ...}}]``.
    :param name: the job name.
    :param schedule_config: ``{"PipelineId": ..., "Priority": 1-10}``.
    :param user_data: your own data (a JSON object).
    """

    family = TRANSCODE
    trigger_class = TriggerClass("airflow_ice.triggers.transcode:IceTranscodeJobTrigger")
    request_fields = _REQUEST_FIELDS
    template_fields: Sequence[str] = (*_REQUEST_FIELDS, *IceJobOperator.wait_template_fields)
    template_fields_renderers: ClassVar[dict[str, str]] = {
        name: "json" for name in _REQUEST_FIELDS if name != "name"
    }

    def __init__(
        self,
        *,
        input_group: list[dict[str, Any]] | str,
        output_group: list[dict[str, Any]] | str,
        name: str | None = None,
        schedule_config: dict[str, Any] | str | None = None,
        user_data: dict[str, Any] | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.input_group = input_group
        self.output_group = output_group
        self.name = name
        self.schedule_config = schedule_config
        self.user_data = user_data
        self.check_literal_parameters()
