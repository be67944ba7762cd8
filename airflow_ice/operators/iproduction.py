"""Operator running one IProduction job (cover, clip summary, captions, audio analysis, ...)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_ice.families.iproduction import IPRODUCTION
from airflow_ice.jobs.params import is_template
from airflow_ice.models.functions import IPRODUCTION_FUNCTIONS
from airflow_ice.operators.base import IceJobOperator
from airflow_ice.triggers.reference import TriggerClass

if TYPE_CHECKING:
    from airflow_ice.models import IProductionJobRequest

_REQUEST_FIELDS = (
    "function_name",
    "input",
    "output",
    "name",
    "job_params",
    "template_id",
    "model_id",
    "schedule_config",
    "user_data",
)
# BaseOperator.output is the task's XComArg, so the job's output lives in job_output.
_TEMPLATED = tuple("job_output" if name == "output" else name for name in _REQUEST_FIELDS)


class IceIProductionJobOperator(IceJobOperator):
    """Submit an IProduction job (SubmitIProductionJob) and wait for it; return the parsed job.

    The return value (XCom ``return_value``) is the job's ``to_xcom()`` form: ``job_id``, ``status``,
    ``function_name``, ``result`` (parsed per function, e.g. cover frames with scores, clip
    segments, audio quality grades), ``output_files``, ``output_urls``, ``output_media_ids``,
    ``create_time``, ``finish_time``, ``user_data``. ``ice_job_id`` is pushed before waiting.

    Every ICE parameter below is templated; the dict ones also accept JSON text. All are validated
    after templating and before anything is submitted. ``user_data`` must be a JSON object (dict or
    JSON text): the operator adds an ``airflow_ice`` tag naming the task instance, and the whole
    must stay within ICE's 256 characters. The job is cancelled on ``timeout`` and, with
    ``cancel_on_kill``, when the task is killed (in the worker or, on Airflow 3.3+, while deferred).
    See :class:`~airflow_ice.operators.base.IceJobOperator` for waiting, retries and reattaching.

    :param function_name: the algorithm: Cover, VideoClip, VideoDelogo, VideoDetext, CaptionExtraction,
        VideoGreenScreenMatting, FaceBeauty, VideoH2V, MusicSegmentDetect, AudioBeatDetection,
        AudioQualityAssessment, SpeechDenoise, AudioMixing or MusicDemix.
    :param input: ``{"Type": "OSS" | "Media", "Media": "oss://bucket/object" | media id}``.
    :param output: ``{"Type": "OSS" | "Media", "Media": ..., "Biz": ..., "OutputUrl": ...}``
        (``OutputUrl`` only with ``Type="Media"``).
    :param name: job name, at most 100 characters.
    :param job_params: the function's parameters, e.g. ``{"Model": "gif"}``.
    :param template_id: a template id.
    :param model_id: an algorithm model id, e.g. ``algo-video-detext-new``.
    :param schedule_config: ``{"PipelineId": ..., "Priority": 1-10}``.
    :param user_data: your own data returned unchanged by ICE (a JSON object).
    """

    family = IPRODUCTION
    trigger_class = TriggerClass("airflow_ice.triggers.iproduction:IceIProductionJobTrigger")
    request_fields = _REQUEST_FIELDS
    request_attributes: ClassVar[dict[str, str]] = {"output": "job_output"}
    template_fields: Sequence[str] = (*_TEMPLATED, *IceJobOperator.wait_template_fields)
    template_fields_renderers: ClassVar[dict[str, str]] = {
        "input": "json",
        "job_output": "json",
        "job_params": "json",
        "schedule_config": "json",
        "user_data": "json",
    }

    def __init__(
        self,
        *,
        function_name: str,
        input: dict[str, Any] | str,
        output: dict[str, Any] | str,
        name: str | None = None,
        job_params: dict[str, Any] | str | None = None,
        template_id: str | None = None,
        model_id: str | None = None,
        schedule_config: dict[str, Any] | str | None = None,
        user_data: dict[str, Any] | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not is_template(function_name) and function_name not in IPRODUCTION_FUNCTIONS:
            raise ValueError(
                f"function_name {function_name!r} is not an ICE IProduction function; "
                f"allowed: {', '.join(IPRODUCTION_FUNCTIONS)}."
            )
        self.function_name = function_name
        self.input = input
        self.job_output = output
        self.name = name
        self.job_params = job_params
        self.template_id = template_id
        self.model_id = model_id
        self.schedule_config = schedule_config
        self.user_data = user_data
        self.check_literal_parameters()

    def request_output_url(self, request: IProductionJobRequest) -> str | None:
        """``Output.OutputUrl`` (Media outputs), known before the job runs."""
        return request.output.output_url

    # Lineage (see IceJobOperator)

    def lineage_function(self) -> str | None:
        """``FunctionName``."""
        return self.function_name if isinstance(self.function_name, str) else None
