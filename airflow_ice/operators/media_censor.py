"""Operator running one media censor (content moderation) job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from airflow_ice.families.media_censor import MEDIA_CENSOR
from airflow_ice.operators.base import IceJobOperator
from airflow_ice.triggers.reference import TriggerClass

_REQUEST_FIELDS = (
    "input",
    "output",
    "template_id",
    "title",
    "description",
    "barrages",
    "cover_images",
    "notify_url",
    "user_data",
    "schedule_config",
)
# BaseOperator.output is the task's XComArg, so the job's output lives in job_output.
_TEMPLATED = tuple("job_output" if name == "output" else name for name in _REQUEST_FIELDS)


class IceMediaCensorJobOperator(IceJobOperator):
    """Moderate a video, its texts and covers (SubmitMediaCensorJob) and wait; return the verdicts.

    The return value is the job's ``to_xcom()`` form: ``job_id``, ``status``, ``suggestion`` (ICE's
    overall verdict: ``pass``, ``review`` or ``block``), ``flagged`` (what was not passed: the
    ``title``, ``description`` and ``barrages`` verdicts, the flagged ``cover_images``, the ``video``'s
    and each flagged frame's verdicts), ``frames_read`` and ``frames_next_page_token`` (ICE returns
    the frames a page at a time; the suggestion covers them all), ``input``, ``result_file``,
    ``code`` and ``message``, ``user_data``, times. A job that ends ``Success`` succeeds whatever
    its suggestion: gate publication on ``suggestion`` downstream (docs/families/media_censor.md).
    ICE takes no ``ClientToken`` here: a submit whose answer was lost fails the task without retry
    (look for the job by its ``UserData`` tag). ICE has no cancel action for these jobs.
    Parameters are templated and validated before anything is submitted. See
    :class:`~airflow_ice.operators.base.IceJobOperator` for waiting, retries and reattaching.

    :param input: the media, ``{"Type": "OSS" | "Media", "Media": ...}``.
    :param output: where ICE writes the frames' snapshots, ``oss://bucket/censor/frame-{Count}.jpg``
        (the results file ``<JobId>.output`` goes to the same folder).
    :param template_id: the moderation template (None: ICE's default).
    :param title: a title to moderate (at most 64 bytes), instead of the media asset's.
    :param description: a description to moderate (at most 128 bytes), instead of the media asset's.
    :param barrages: bullet comments to moderate, instead of the media asset's.
    :param cover_images: up to five cover images to moderate, a list (or JSON text) of
        ``{"Bucket", "Location", "Object", "RoleArn"}``, instead of the media asset's.
    :param notify_url: an MNS or HTTP callback ICE calls when the job ends.
    :param user_data: your own data (a JSON object); the task's tag is added.
    :param schedule_config: ``{"PipelineId": ..., "Priority": 1-10}``.
    """

    family = MEDIA_CENSOR
    trigger_class = TriggerClass("airflow_ice.triggers.media_censor:IceMediaCensorJobTrigger")
    request_fields = _REQUEST_FIELDS
    request_attributes: ClassVar[dict[str, str]] = {"output": "job_output"}
    template_fields: Sequence[str] = (*_TEMPLATED, *IceJobOperator.wait_template_fields)
    template_fields_renderers: ClassVar[dict[str, str]] = {
        name: "json" for name in ("input", "cover_images", "user_data", "schedule_config")
    }

    def __init__(
        self,
        *,
        input: dict[str, Any] | str,
        output: str | None = None,
        template_id: str | None = None,
        title: str | None = None,
        description: str | None = None,
        barrages: str | None = None,
        cover_images: list[dict[str, Any]] | str | None = None,
        notify_url: str | None = None,
        user_data: dict[str, Any] | str | None = None,
        schedule_config: dict[str, Any] | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.input = input
        self.job_output = output
        self.template_id = template_id
        self.title = title
        self.description = description
        self.barrages = barrages
        self.cover_images = cover_images
        self.notify_url = notify_url
        self.user_data = user_data
        self.schedule_config = schedule_config
        self.check_literal_parameters()
