"""Operator running one highlight extraction job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from airflow_ice.families.highlight_extraction import HIGHLIGHT_EXTRACTION
from airflow_ice.operators.base import IceJobOperator
from airflow_ice.triggers.reference import TriggerClass

_REQUEST_FIELDS = (
    "input_config",
    "output_config",
    "user_data",
)


class IceHighlightExtractionJobOperator(IceJobOperator):
    """Pick the highlights of one or more videos (SubmitHighlightExtractionJob) and wait; return the parsed job.

    The return value is the job's ``to_xcom()`` form: ``job_id``, ``status``, ``ai_result`` (the
    highlights, decoded; exported clips' addresses in it), ``error_code`` and ``error_message``,
    ``user_data``, times. ICE takes a ``ClientToken`` for these jobs: a submit whose answer was lost
    is resent with the same token, so a retry never pays twice. ICE has no cancel action for them.
    Parameters are templated and validated before anything is submitted. See
    :class:`~airflow_ice.operators.base.IceJobOperator` for waiting, retries and reattaching.

    :param input_config: ``{"MediaArray": [{"MediaId"} or {"MediaURL"}], "Strategy": {"Count": 1-10,
        "ClipDuration": 3-60}}``.
    :param output_config: ``{"NeedExport": true, "Bucket", "ObjectKey": "clips/goal_{index}.mp4",
        ...}`` to export the clips.
    :param user_data: your own data (a JSON object); the task's tag is added.
    """

    family = HIGHLIGHT_EXTRACTION
    trigger_class = TriggerClass("airflow_ice.triggers.highlight_extraction:IceHighlightExtractionJobTrigger")
    request_fields = _REQUEST_FIELDS
    template_fields: Sequence[str] = (*_REQUEST_FIELDS, *IceJobOperator.wait_template_fields)
    template_fields_renderers: ClassVar[dict[str, str]] = {
        "input_config": "json",
        "output_config": "json",
        "user_data": "json",
    }

    def __init__(
        self,
        *,
        input_config: dict[str, Any] | str,
        output_config: dict[str, Any] | str | None = None,
        user_data: dict[str, Any] | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.input_config = input_config
        self.output_config = output_config
        self.user_data = user_data
        self.check_literal_parameters()
