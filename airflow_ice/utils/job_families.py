"""What differs between ICE job families (IProduction, Yike storyboard, ...): one descriptor each.

Operators, sensors and triggers are written once against :class:`JobFamily`; a new family (e.g.
Yike AI-app jobs) adds a descriptor and thin subclasses.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from airflow_ice.hooks.ice import IceHook


class IceJob(Protocol):
    """What every parsed ICE job model offers."""

    @property
    def status_text(self) -> str | None:
        """The raw status, or None when ICE sent none."""

    @property
    def job_id(self) -> str:
        """The ICE job id."""

    @property
    def is_terminal(self) -> bool:
        """Whether the job has finished (successfully or not)."""

    @property
    def succeeded(self) -> bool:
        """Whether the job finished successfully."""

    @property
    def failed(self) -> bool:
        """Whether the job finished unsuccessfully."""

    def to_xcom(self) -> dict[str, Any]:
        """The compact JSON form pushed to XCom."""


@dataclass(frozen=True)
class JobFamily:
    """How to handle one family of ICE jobs.

    :param name: display name used in logs and errors, e.g. ``IProduction``.
    :param query: reads a job through a hook (sync).
    :param aquery: reads a job through a hook (async, for triggers).
    :param output_url_of: the output URL in a finished job's XCom form (``to_xcom()``), else None.
    :param failure_detail_of: what ICE said about a failed job (parsed model), beyond its status.
    :param cancel: cancels a job (sync), or None when ICE cannot cancel this family.
    :param acancel: cancels a job (async), or None when ICE cannot cancel this family.
    """

    name: str
    query: Callable[[IceHook, str], IceJob]
    aquery: Callable[[IceHook, str], Awaitable[IceJob]]
    output_url_of: Callable[[Mapping[str, Any]], str | None]
    failure_detail_of: Callable[[Any], str] = lambda job: ""
    cancel: Callable[[IceHook, str], None] | None = None
    acancel: Callable[[IceHook, str], Awaitable[None]] | None = None

    @property
    def can_cancel(self) -> bool:
        """Whether ICE offers a cancel action for this family."""
        return self.cancel is not None


def _first_output_url(job: Mapping[str, Any]) -> str | None:
    urls = job.get("output_urls") or []
    return str(urls[0]) if urls else None


def _storyboard_output_url(job: Mapping[str, Any]) -> str | None:
    url = job.get("output_url")
    return str(url) if url else None


def _iproduction_failure_detail(job: Any) -> str:
    # A failed job's Result holds ICE's error (e.g. ErrorCode, ErrorMessage), not the function's result.
    raw = getattr(job, "result_raw", None)
    return f"Result: {raw[:500]}" if raw else ""


IPRODUCTION = JobFamily(
    name="IProduction",
    query=lambda hook, job_id: hook.query_iproduction_job(job_id),
    aquery=lambda hook, job_id: hook.aquery_iproduction_job(job_id),
    output_url_of=_first_output_url,
    failure_detail_of=_iproduction_failure_detail,
    cancel=lambda hook, job_id: hook.cancel_iproduction_job(job_id),
    acancel=lambda hook, job_id: hook.acancel_iproduction_job(job_id),
)
"""IProduction jobs (Submit/Query/CancelIProductionJob)."""


def _storyboard_failure_detail(job: Any) -> str:
    # A failed storyboard job says what went wrong only in its failed shots' error codes.
    result = getattr(job, "job_result", None)
    shots = getattr(result, "failure_shot_list", None) or []
    codes = sorted({shot.error_code for shot in shots if shot.error_code})
    return f"failed shots: {len(shots)} ({', '.join(codes)})" if shots else ""


YIKE_STORYBOARD = JobFamily(
    name="Yike storyboard",
    query=lambda hook, job_id: hook.get_yike_storyboard_job(job_id),
    aquery=lambda hook, job_id: hook.aget_yike_storyboard_job(job_id),
    output_url_of=_storyboard_output_url,
    failure_detail_of=_storyboard_failure_detail,
)
"""Yike storyboard jobs (Submit/GetYikeStoryboardJob). ICE has no cancel action for them."""


YIKE_AI_APP = JobFamily(
    name="Yike AI app",
    query=lambda hook, job_id: hook.get_yike_ai_app_job(job_id),
    aquery=lambda hook, job_id: hook.aget_yike_ai_app_job(job_id),
    # to_xcom() lists video outputs first, then images, then audio.
    output_url_of=_first_output_url,
    failure_detail_of=lambda job: getattr(job, "failure_detail", ""),
)
"""Yike AI application jobs (Submit/Get/BatchGet/PrecheckYikeAIAppJob). ICE has no cancel action for them."""
