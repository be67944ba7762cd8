"""Operator running one snapshot job (single, interval, sprite or WebVTT snapshots)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from airflow_ice.families.snapshot import SNAPSHOT
from airflow_ice.operators.base import IceJobOperator
from airflow_ice.triggers.reference import TriggerClass

_REQUEST_FIELDS = ("input", "output", "template_config", "name", "user_data", "schedule_config")
# BaseOperator.output is the task's XComArg, so the job's output lives in job_output.
_TEMPLATED = tuple("job_output" if name == "output" else name for name in _REQUEST_FIELDS)


class IceSnapshotJobOperator(IceJobOperator):
    """Take snapshots of a video (SubmitSnapshotJob) and wait; return the parsed job.

    The return value is the job's ``to_xcom()`` form: ``job_id``, ``status``, ``type``, ``count``,
    ``output_media`` (the output as requested, placeholders included), ``output_url`` (a single
    snapshot's HTTPS URL, also the "ICE job output" link), ``code`` and ``message``, ``user_data``,
    times. ICE takes no ``ClientToken`` for snapshots: a submit whose answer was lost fails the task
    without retry (look for the job by its ``UserData`` tag). ICE has no cancel action for them.
    Parameters are templated and validated before anything is submitted.
    See :class:`~airflow_ice.operators.base.IceJobOperator` for waiting, retries and reattaching.

    :param input: the video, ``{"Type": "OSS" | "Media", "Media": ...}``.
    :param output: where the images go, ``{"Type": "OSS", "Media": "oss://b/snap-{Count}.jpg"}``
        (``{Count}`` for several snapshots, ``{TileCount}`` for sprites, ``.vtt`` for WebVTT).
    :param template_config: ``{"TemplateId": ..., "OverwriteParams": {"Type": "Normal" | "Sprite" |
        "WebVtt", "Count": ..., "Interval": ..., "Time": ...}}``.
    :param name: the job name.
    :param user_data: your own data (a JSON object).
    :param schedule_config: ``{"PipelineId": ...}``.
    """

    family = SNAPSHOT
    trigger_class = TriggerClass("airflow_ice.triggers.snapshot:IceSnapshotJobTrigger")
    request_fields = _REQUEST_FIELDS
    request_attributes: ClassVar[dict[str, str]] = {"output": "job_output"}
    template_fields: Sequence[str] = (*_TEMPLATED, *IceJobOperator.wait_template_fields)
    template_fields_renderers: ClassVar[dict[str, str]] = {
        name: "json" for name in _TEMPLATED if name != "name"
    }

    def __init__(
        self,
        *,
        input: dict[str, Any] | str,
        output: dict[str, Any] | str,
        template_config: dict[str, Any] | str,
        name: str | None = None,
        user_data: dict[str, Any] | str | None = None,
        schedule_config: dict[str, Any] | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.input = input
        self.job_output = output
        self.template_config = template_config
        self.name = name
        self.user_data = user_data
        self.schedule_config = schedule_config
        self.check_literal_parameters()
