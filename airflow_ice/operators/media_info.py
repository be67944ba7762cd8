"""Operator running one media info job (a file's format and streams)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from airflow_ice.families.media_info import MEDIA_INFO
from airflow_ice.operators.base import IceJobOperator
from airflow_ice.triggers.reference import TriggerClass

_REQUEST_FIELDS = ("input", "name", "user_data", "schedule_config")


class IceMediaInfoJobOperator(IceJobOperator):
    """Read a media file's format and streams (SubmitMediaInfoJob) and wait; return the parsed job.

    The return value is the job's ``to_xcom()`` form: ``job_id``, ``status``, ``format``
    (container, duration, bitrate, size, width, height), ``video_streams`` and ``audio_streams``
    (codec, size, frame rate, channels, sample rate, ... as numbers where ICE's strings are
    numbers), ``user_data``, ``finish_time``. ICE takes no ``ClientToken`` here: a submit whose
    answer was lost fails the task without retry. There is no output file, so no output link.
    See :class:`~airflow_ice.operators.base.IceJobOperator` for waiting, retries and reattaching.

    :param input: the media, ``{"Type": "OSS" | "Media", "Media": ...}``.
    :param name: the job name.
    :param user_data: your own data (a JSON object).
    :param schedule_config: ``{"PipelineId": ..., "Priority": 1-10}``.
    """

    family = MEDIA_INFO
    trigger_class = TriggerClass("airflow_ice.triggers.media_info:IceMediaInfoJobTrigger")
    request_fields = _REQUEST_FIELDS
    template_fields: Sequence[str] = (*_REQUEST_FIELDS, *IceJobOperator.wait_template_fields)
    template_fields_renderers: ClassVar[dict[str, str]] = {
        "input": "json",
        "user_data": "json",
        "schedule_config": "json",
    }

    def __init__(
        self,
        *,
        input: dict[str, Any] | str,
        name: str | None = None,
        user_data: dict[str, Any] | str | None = None,
        schedule_config: dict[str, Any] | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.input = input
        self.name = name
        self.user_data = user_data
        self.schedule_config = schedule_config
        self.check_literal_parameters()
