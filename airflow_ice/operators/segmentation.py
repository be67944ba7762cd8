"""Operator running one segmentation job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from airflow_ice.families.segmentation import SEGMENTATION
from airflow_ice.operators.base import IceJobOperator
from airflow_ice.triggers.reference import TriggerClass

_REQUEST_FIELDS = (
    "input_config",
    "job_params",
    "output_config",
    "user_data",
)


class IceSegmentationJobOperator(IceJobOperator):
    """Split a video into shots (SubmitSegmentationJob) and wait; return the parsed job.

    The return value is the job's ``to_xcom()`` form: ``job_id``, ``status``, ``ai_result`` (the
    segments, decoded), ``input_file``, ``error_code`` and ``error_message``, ``user_data``, times.
    ICE takes a ``ClientToken`` for these jobs: a submit whose answer was lost is resent with the
    same token, so a retry never pays twice. ICE has no cancel action for them. Parameters are
    templated and validated before anything is submitted. See
    :class:`~airflow_ice.operators.base.IceJobOperator` for waiting, retries and reattaching.

    :param input_config: the video: ``{"Type": "OSS" or "Media", "Media": ...}``.
    :param job_params: ``{"Mode": "BasicClipSplit"}`` or ``{"Mode": "UserDefined", "Ranges": [{"In",
        "Out"}]}`` (seconds).
    :param output_config: where the segments go (passed on as given).
    :param user_data: your own data (a JSON object); the task's tag is added.
    """

    family = SEGMENTATION
    trigger_class = TriggerClass("airflow_ice.triggers.segmentation:IceSegmentationJobTrigger")
    request_fields = _REQUEST_FIELDS
    template_fields: Sequence[str] = (*_REQUEST_FIELDS, *IceJobOperator.wait_template_fields)
    template_fields_renderers: ClassVar[dict[str, str]] = {
        "input_config": "json",
        "job_params": "json",
        "output_config": "json",
        "user_data": "json",
    }

    def __init__(
        self,
        *,
        input_config: dict[str, Any] | str,
        job_params: dict[str, Any] | str,
        output_config: dict[str, Any] | str | None = None,
        user_data: dict[str, Any] | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.input_config = input_config
        self.job_params = job_params
        self.output_config = output_config
        self.user_data = user_data
        self.check_literal_parameters()
