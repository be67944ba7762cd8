"""Operator running one Yike storyboard job (novel or script to narrated video)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_ice.families.yike_storyboard import YIKE_STORYBOARD
from airflow_ice.jobs.params import bool_param, is_template
from airflow_ice.jobs.tag import TaskIdentity
from airflow_ice.models.json_text import compact_json
from airflow_ice.operators.base import IceJobOperator
from airflow_ice.triggers.reference import TriggerClass

if TYPE_CHECKING:
    from airflow_ice.models import YikeStoryboardJobRequest

_REQUEST_FIELDS = (
    "file_url",
    "source_type",
    "shot_split_mode",
    "style_id",
    "title",
    "aspect_ratio",
    "resolution",
    "video_model",
    "shot_prompt_mode",
    "narration_voice_id",
    "model_params",
    "exec_mode",
    "skip_failure_shot",
    "user_data",
)


class IceYikeStoryboardJobOperator(IceJobOperator):
    """Submit a Yike storyboard job (SubmitYikeStoryboardJob) and wait for it; return the parsed job.

    The return value (XCom ``return_value``) is the job's ``to_xcom()`` form: ``job_id``, ``status``,
    ``title``, ``output_url`` (the video), ``success_storyboard_list``, ``success_storyboard_ids``,
    ``exception_storyboard_ids``, ``failure_shot_list`` and ``storyboard_info_list`` (decoded from
    the JSON strings ICE sends). ``ice_job_id`` is pushed before waiting.

    A job that succeeds with failed shots or exception storyboards succeeds the task with a warning
    listing them, unless ``fail_on_failed_shots``. ICE has no cancel action for storyboard jobs: on
    ``timeout`` or when the task is killed the job keeps running (it is logged), and a retry of the
    task reattaches to it. See :class:`~airflow_ice.operators.base.IceJobOperator` for waiting and retries.

    Every ICE parameter is templated and validated after templating, before anything is submitted.
    ``user_data`` must be a JSON object (dict or JSON text); the operator adds an ``airflow_ice`` tag
    naming the task instance, and the whole must stay within 256 characters.

    :param file_url: OSS URL of the source text (.txt or .doc).
    :param source_type: kind of source, e.g. ``Novel``.
    :param shot_split_mode: how shots are split, e.g. ``firstPersonNarration``.
    :param style_id: visual style, e.g. ``RealisticPhotography``, ``Ghibli``, ``Cartoon3D``.
    :param title: title, at most 128 bytes in UTF-8.
    :param aspect_ratio: ``16:9``, ``9:16``, ``4:3`` or ``3:4``.
    :param resolution: ``720P``, ``1080P``, ``2K`` or ``4K``.
    :param video_model: video model, e.g. ``wan2.6-r2v-flash``.
    :param shot_prompt_mode: ``multi`` or ``default``.
    :param narration_voice_id: narration voice, e.g. ``sys_YoungGracefulWoman``.
    :param model_params: model parameters, e.g. ``{"AudioEnable": false}``.
    :param exec_mode: ``FullPipeline`` or ``StoryboardOnly``.
    :param skip_failure_shot: whether ICE skips failed shots (ICE's default: true).
    :param user_data: your own data (a JSON object), e.g. ``{"NotifyAddress": "https://..."}``.
    :param fail_on_failed_shots: fail the task when the job succeeded with failed shots or
        exception storyboards (default: succeed with a warning).
    """

    family = YIKE_STORYBOARD
    trigger_class = TriggerClass("airflow_ice.triggers.yike_storyboard:IceYikeStoryboardJobTrigger")
    request_fields = _REQUEST_FIELDS
    template_fields: Sequence[str] = (
        *_REQUEST_FIELDS,
        "fail_on_failed_shots",
        *IceJobOperator.wait_template_fields,
    )
    template_fields_renderers: ClassVar[dict[str, str]] = {"model_params": "json", "user_data": "json"}

    def __init__(
        self,
        *,
        file_url: str,
        source_type: str,
        shot_split_mode: str,
        style_id: str,
        title: str | None = None,
        aspect_ratio: str | None = None,
        resolution: str | None = None,
        video_model: str | None = None,
        shot_prompt_mode: str | None = None,
        narration_voice_id: str | None = None,
        model_params: dict[str, Any] | str | None = None,
        exec_mode: str | None = None,
        skip_failure_shot: bool | str | None = None,
        user_data: dict[str, Any] | str | None = None,
        fail_on_failed_shots: bool | str = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.file_url = file_url
        self.source_type = source_type
        self.shot_split_mode = shot_split_mode
        self.style_id = style_id
        self.title = title
        self.aspect_ratio = aspect_ratio
        self.resolution = resolution
        self.video_model = video_model
        self.shot_prompt_mode = shot_prompt_mode
        self.narration_voice_id = narration_voice_id
        self.model_params = model_params
        self.exec_mode = exec_mode
        self.skip_failure_shot = skip_failure_shot
        self.user_data = user_data
        self.fail_on_failed_shots = fail_on_failed_shots
        if not is_template(fail_on_failed_shots):
            bool_param(fail_on_failed_shots, "fail_on_failed_shots")
        self.check_literal_parameters()

    def build_request(self, identity: TaskIdentity) -> YikeStoryboardJobRequest:
        """Validate the rendered parameters into a :class:`YikeStoryboardJobRequest` tagged with the task."""
        bool_param(self.fail_on_failed_shots, "fail_on_failed_shots")
        return super().build_request(identity)

    def check_succeeded_job(self, job: Mapping[str, Any]) -> None:
        """Warn about failed shots and exception storyboards; fail if ``fail_on_failed_shots``."""
        from airflow_ice.jobs.errors import IceJobFailedError

        failed_shots = list(job.get("failure_shot_list") or [])
        exception_ids = list(job.get("exception_storyboard_ids") or [])
        if not failed_shots and not exception_ids:
            return
        summary = (
            f"Yike storyboard job {job.get('job_id')} succeeded with {len(failed_shots)} failed shot(s) "
            f"{compact_json(failed_shots)[:1000]} and {len(exception_ids)} exception storyboard(s) "
            f"{compact_json(exception_ids)[:500]}"
        )
        if bool_param(self.fail_on_failed_shots, "fail_on_failed_shots"):
            raise IceJobFailedError(
                str(job.get("job_id")),
                f"{self._task_label()}: {summary}; failing because fail_on_failed_shots=True.",
            )
        self.log.warning("%s. Set fail_on_failed_shots=True to fail the task instead.", summary)
