"""Operator running one batch media producing job (many videos from one set of materials)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from airflow_ice.families.batch_media_producing import BATCH_MEDIA_PRODUCING
from airflow_ice.operators.base import IceJobOperator
from airflow_ice.triggers.reference import TriggerClass

_REQUEST_FIELDS = ("input_config", "output_config", "editing_config", "template_config", "user_data")


class IceBatchMediaProducingJobOperator(IceJobOperator):
    """Make many videos from one set of materials (SubmitBatchMediaProducingJob) and wait; return
    the parsed job.

    The return value is the job's ``to_xcom()`` form: ``job_id``, ``status``, ``job_type``,
    ``sub_jobs`` (each video's ``job_id``, ``status``, ``media_url``, ``media_id``, ``duration``,
    ``error_code``, ``error_message``), ``output_urls`` (the videos made), ``succeeded`` and
    ``failed`` counts, ``error`` (the main job's), ``user_data``, times. The submit carries ICE's
    ``ClientToken``: a submit whose answer was lost is resent safely. ICE has no cancel action for
    these jobs. Parameters are templated and validated before anything is submitted. See
    :class:`~airflow_ice.operators.base.IceJobOperator` for waiting, retries and reattaching.

    :param input_config: the materials, a dict or JSON text (``MediaGroupArray``, ``TitleArray``,
        ``SpeechTextArray``, ...).
    :param output_config: the videos to make, a dict or JSON text: ``MediaURL`` (an OSS URL with
        ``{index}``) or ``StorageLocation`` and ``FileName``, ``Count``, ``MaxDuration``, ...
    :param editing_config: how to edit, a dict or JSON text.
    :param template_config: the one-click production templates to draw from.
    :param user_data: your own data (a JSON object); the task's tag is added.
    :param max_failed_videos: how many videos may fail while the task still succeeds (default 0:
        every video must be made). The job stays stored for a retry, which never pays again.
    """

    family = BATCH_MEDIA_PRODUCING
    trigger_class = TriggerClass(
        "airflow_ice.triggers.batch_media_producing:IceBatchMediaProducingJobTrigger"
    )
    request_fields = _REQUEST_FIELDS
    template_fields: Sequence[str] = (*_REQUEST_FIELDS, *IceJobOperator.wait_template_fields)
    template_fields_renderers: ClassVar[dict[str, str]] = {name: "json" for name in _REQUEST_FIELDS}

    def __init__(
        self,
        *,
        input_config: dict[str, Any] | str,
        output_config: dict[str, Any] | str,
        editing_config: dict[str, Any] | str | None = None,
        template_config: dict[str, Any] | list[Any] | str | None = None,
        user_data: dict[str, Any] | str | None = None,
        max_failed_videos: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if (
            isinstance(max_failed_videos, bool)
            or not isinstance(max_failed_videos, int)
            or max_failed_videos < 0
        ):
            raise ValueError(
                f"{type(self).__name__} {self.task_id!r}: max_failed_videos must be a whole number >= 0, "
                f"got {max_failed_videos!r}."
            )
        self.input_config = input_config
        self.output_config = output_config
        self.editing_config = editing_config
        self.template_config = template_config
        self.user_data = user_data
        self.max_failed_videos = max_failed_videos
        self.check_literal_parameters()

    def check_succeeded_job(self, job: Mapping[str, Any]) -> None:
        """Fail when more videos failed than ``max_failed_videos`` allows, naming each."""
        from airflow_ice.jobs.errors import IceJobFailedError

        failed = [video for video in job.get("sub_jobs") or [] if video.get("status") == "Failed"]
        if len(failed) <= self.max_failed_videos:
            return
        named = "; ".join(
            f"{video.get('job_id')}: {video.get('error_code') or ''} {video.get('error_message') or ''}".strip()
            for video in failed[:5]
        )
        raise IceJobFailedError(
            str(job.get("job_id")),
            f"{self._task_label()}: batch job {job.get('job_id')} finished with {len(failed)} failed "
            f"video(s), more than max_failed_videos={self.max_failed_videos} ({named}). A retry "
            "reuses this job and does not pay again; raise max_failed_videos to accept it.",
        )
