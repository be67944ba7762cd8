"""Operator rendering one media producing (timeline editing) job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_ice.families.media_producing import MEDIA_PRODUCING
from airflow_ice.models.limits import MEDIA_PRODUCING_USER_DATA_MAX_BYTES
from airflow_ice.operators.base import IceJobOperator
from airflow_ice.triggers.reference import TriggerClass

if TYPE_CHECKING:
    from airflow_ice.models import MediaProducingJobRequest

_REQUEST_FIELDS = (
    "output_media_config",
    "timeline",
    "template_id",
    "clips_param",
    "project_id",
    "output_media_target",
    "editing_produce_config",
    "media_metadata",
    "project_metadata",
    "source",
    "user_data",
)


class IceMediaProducingJobOperator(IceJobOperator):
    """Render a timeline, template or editing project (SubmitMediaProducingJob) and wait; return the job.

    The return value is the job's ``to_xcom()`` form: ``job_id``, ``status``, ``media_url`` (the
    rendered file, also the "ICE job output" link), ``media_id``, ``project_id``, ``vod_media_id``,
    ``duration``, ``progress``, ``code`` and ``message`` (ICE's error), ``user_data``, times.

    Every submit carries ICE's ``ClientToken`` (from the task instance, the request and the try):
    a submit whose answer was lost is resent, by the client and by the task's next try, and ICE
    answers with the job it made, never a second one. ICE has no cancel action for these jobs: on
    ``timeout`` or a kill the job keeps running (logged). Every parameter is templated and
    validated before anything is submitted; ``user_data`` (a JSON object) gets an ``airflow_ice``
    tag and must stay within ICE's 512 bytes. See :class:`~airflow_ice.operators.base.IceJobOperator`.

    :param output_media_config: ``{"MediaURL": "https://<bucket>.oss-<region>.aliyuncs.com/out.mp4"}``
        (or ``StorageLocation`` and ``FileName`` for VOD), plus ``Width``, ``Height``, ...
    :param timeline: the editing timeline (``{"VideoTracks": [...], ...}``).
    :param template_id: a template; then ``clips_param`` gives its materials.
    :param clips_param: the template's materials.
    :param project_id: an editing project. Give one of ``timeline``, ``template_id``, ``project_id``.
    :param output_media_target: ``oss-object`` (default), ``vod-media`` or ``S3``.
    :param editing_produce_config: producing settings (JSON object).
    :param media_metadata: metadata of the produced media (JSON object).
    :param project_metadata: metadata of the editing project (JSON object).
    :param source: ``OpenAPI``, ``AliyunConsole`` or ``WebSDK``.
    :param user_data: your own data (a JSON object), e.g. ``{"NotifyAddress": "https://..."}``.
    """

    family = MEDIA_PRODUCING
    trigger_class = TriggerClass("airflow_ice.triggers.media_producing:IceMediaProducingJobTrigger")
    request_fields = _REQUEST_FIELDS
    user_data_limit = MEDIA_PRODUCING_USER_DATA_MAX_BYTES
    template_fields: Sequence[str] = (
        *_REQUEST_FIELDS,
        *IceJobOperator.wait_template_fields,
    )
    template_fields_renderers: ClassVar[dict[str, str]] = {
        name: "json" for name in _REQUEST_FIELDS if name not in ("template_id", "project_id", "source")
    }

    def __init__(
        self,
        *,
        output_media_config: dict[str, Any] | str,
        timeline: dict[str, Any] | str | None = None,
        template_id: str | None = None,
        clips_param: dict[str, Any] | str | None = None,
        project_id: str | None = None,
        output_media_target: str | None = None,
        editing_produce_config: dict[str, Any] | str | None = None,
        media_metadata: dict[str, Any] | str | None = None,
        project_metadata: dict[str, Any] | str | None = None,
        source: str | None = None,
        user_data: dict[str, Any] | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.output_media_config = output_media_config
        self.timeline = timeline
        self.template_id = template_id
        self.clips_param = clips_param
        self.project_id = project_id
        self.output_media_target = output_media_target
        self.editing_produce_config = editing_produce_config
        self.media_metadata = media_metadata
        self.project_metadata = project_metadata
        self.source = source
        self.user_data = user_data
        self.check_literal_parameters()

    def request_output_url(self, request: MediaProducingJobRequest) -> str | None:
        """``OutputMediaConfig.MediaURL``, where the rendered file will be."""
        return request.output_media_url
