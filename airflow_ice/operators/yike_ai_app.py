"""Operator running one Yike AI application job."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_ice.errors import IceInvalidParameterError, IceOutcomeUnknownError
from airflow_ice.families.yike_ai_app import YIKE_AI_APP
from airflow_ice.jobs.params import bool_param, is_template
from airflow_ice.jobs.tag import TaskIdentity
from airflow_ice.operators.base import IceJobOperator
from airflow_ice.triggers.reference import TriggerClass

if TYPE_CHECKING:
    from airflow_ice.hooks.ice import IceHook
    from airflow_ice.models import YikeAIAppJobRequest

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class IceYikeAIAppJobOperator(IceJobOperator):
    """Submit a Yike AI application job (SubmitYikeAIAppJob) and wait for it; return the parsed job.

    The return value (XCom ``return_value``) is the job's ``to_xcom()`` form: ``job_id``, ``status``,
    ``app_id``, ``app_params`` (decoded), ``folder_id``, ``production_id``, ``execution_start_time``,
    ``execution_finish_time``, ``video_outputs``, ``image_outputs``, ``audio_outputs`` (each a list of
    ``{"media_id", "output_url"}``) and ``output_urls`` (all of them, videos first). ``ice_job_id`` is
    pushed before waiting; the "ICE job output" link opens the first video (else image, else audio).

    With ``precheck=True`` the parameters are first checked with PrecheckYikeAIAppJob, which runs
    nothing and costs nothing; if ICE rejects them the task fails at once (no retry) naming each
    rejected parameter. The precheck runs only before a submit, not when a retry reattaches.

    SubmitYikeAIAppJob has no ``UserData``, so unlike the other operators this one cannot tag the
    job with the task: reattaching on retry relies only on the job id stored right after the submit
    (see :class:`~airflow_ice.operators.base.IceJobOperator`). If the submit's answer is lost, the
    task fails without retry and names the AppId and time to look for in the ICE console. ICE has
    no cancel action for AI-app jobs: on ``timeout`` or when the task is killed the job keeps running
    (it is logged), and a retry of the task reattaches to it. While deferred, the job is checked
    together with the other waiting AI-app jobs of the connection (:mod:`airflow_ice.triggers.batching`).

    Every ICE parameter is templated and validated after templating, before anything is submitted.

    :param app_id: the AI application to run (``AppId``).
    :param app_params: the application's runtime parameters, a dict or JSON text of an object.
    :param folder_id: the folder the results are saved to.
    :param production_id: the project the results are saved to.
    :param precheck: check the parameters with PrecheckYikeAIAppJob before submitting.
    """

    family = YIKE_AI_APP
    trigger_class = TriggerClass("airflow_ice.triggers.yike_ai_app:IceYikeAIAppJobTrigger")
    json_object_parameters = ("app_params",)
    request_fields = ("app_id", "app_params", "folder_id", "production_id")
    template_fields: Sequence[str] = (*request_fields, "precheck", *IceJobOperator.wait_template_fields)
    template_fields_renderers: ClassVar[dict[str, str]] = {"app_params": "json"}

    def __init__(
        self,
        *,
        app_id: str,
        app_params: dict[str, Any] | str | None = None,
        folder_id: str | None = None,
        production_id: str | None = None,
        precheck: bool | str = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.app_id = app_id
        self.app_params = app_params
        self.folder_id = folder_id
        self.production_id = production_id
        self.precheck = precheck
        if not is_template(precheck):
            bool_param(precheck, "precheck")
        self.check_literal_parameters()

    def build_request(self, identity: TaskIdentity) -> YikeAIAppJobRequest:
        """Validate the rendered parameters into a :class:`YikeAIAppJobRequest` (untagged: no UserData)."""
        bool_param(self.precheck, "precheck")
        return super().build_request(identity)

    def submit(self, hook: IceHook, request: YikeAIAppJobRequest) -> str:
        """PrecheckYikeAIAppJob when ``precheck``, then SubmitYikeAIAppJob."""
        if bool_param(self.precheck, "precheck"):
            self._precheck(hook, request)
        submitted_at = time.time()
        try:
            return hook.submit_yike_ai_app_job(request)
        except IceOutcomeUnknownError as exc:
            # The base message points at a UserData tag, which this action does not have.
            where = "".join(
                f", {name} {value!r}"
                for name, value in (("FolderId", request.folder_id), ("ProductionId", request.production_id))
                if value
            )
            raise AirflowFailException(
                f"{self._task_label()}: SubmitYikeAIAppJob: outcome unknown, its answer was lost ({exc.cause}). ICE may have "
                "created the job, so it was NOT resubmitted (a second submit could pay twice). AI-app jobs "
                f"carry no tag: look in the ICE console for a job of AppId {request.app_id!r}{where} created "
                f"around {time.strftime(TIME_FORMAT, time.gmtime(submitted_at))} before clearing the task. "
                "The task is failed without retry on purpose."
            ) from None  # the cause's own advice (look for a UserData tag) does not apply here

    # Lineage (see IceJobOperator)

    def lineage_function(self) -> str | None:
        """``AppId``."""
        return self.app_id if isinstance(self.app_id, str) else None

    def _precheck(self, hook: IceHook, request: YikeAIAppJobRequest) -> None:
        try:
            verdict = hook.precheck_yike_ai_app_job(request)
        except IceInvalidParameterError as exc:
            raise AirflowFailException(
                f"{self._task_label()}: ICE rejected the parameters of AppId {request.app_id!r} in the "
                f"precheck: {exc} Nothing was submitted."
            ) from exc
        if not verdict.passed:
            raise AirflowFailException(
                f"{self._task_label()}: the precheck of AppId {request.app_id!r} failed (status "
                f"{verdict.status!r}): {verdict.describe()}. Nothing was submitted."
            )
        self.log.info("Precheck of AppId %r passed.", request.app_id)
