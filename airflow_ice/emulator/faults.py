"""Fault injection: random shares of failures, scripted one-shot faults, latency and the per-action
QPS limit (ICE's account limit, :mod:`~airflow_ice.emulator.account_limit`: 100 calls per second
per action by default). :class:`FaultInjector` decides, per request, what goes wrong.

Fault kinds:

* ``drop``: the connection is closed before the request is processed (no job is created).
* ``lose_response``: the request IS processed (a submit creates its job), then the connection is
  closed without an answer.
* ``unreadable_answer`` (scripted only): the request IS processed (a submit creates its job), then
  it is answered HTTP 200 with a body the client cannot read: see :data:`UNREADABLE_VARIANTS`.
* ``unavailable``: HTTP 503 ``ServiceUnavailable`` (not processed).
* ``throttling``: ``Throttling.User`` (HTTP 400 by default, or 429), optionally with
  ``x-acs-retry-after`` (not processed).
* ``internal_error``: HTTP 500 ``InternalError`` (not processed).
* ``latency`` (scripted only; the random form is ``latency_ms``): an added delay.
* ``qps_limited``: counted when the per-action QPS limit answers ``Throttling.User`` (as ICE does,
  the same answer as ``throttling``).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from airflow_ice.emulator.account_limit import DEFAULT_ACTION_QPS, QpsLimiter

FaultKind = Literal[
    "drop", "lose_response", "unreadable_answer", "unavailable", "throttling", "internal_error", "latency"
]
FAULT_KINDS: tuple[str, ...] = (
    "drop",
    "lose_response",
    "unreadable_answer",
    "unavailable",
    "throttling",
    "internal_error",
    "latency",
    "qps_limited",
)


# How an ``unreadable_answer`` 200 reads: not JSON at all, JSON cut short, no body, a JSON object
# without JobId, a JobId that is not a string (both where the action's answer holds its job id:
# see SUBMIT_JOB_ENVELOPES).
UnreadableVariant = Literal["not_json", "truncated", "empty", "no_job_id", "non_string_job_id"]
UNREADABLE_VARIANTS: tuple[str, ...] = ("not_json", "truncated", "empty", "no_job_id", "non_string_job_id")

SUBMIT_JOB_ENVELOPES: Mapping[str, str] = {
    "SubmitMediaConvertJob": "Job",
    "SubmitMediaInfoJob": "MediaInfoJob",
    "SubmitTranscodeJob": "TranscodeParentJob",
    "SubmitVideoTranslationJob": "Data",
}
"""The submits whose answer nests the job, and with it the job id, under a key (by action);
every other submit answers ``JobId`` at the top level."""

SUBMIT_JOB_ID_NAMES: Mapping[str, str] = {"SubmitTranscodeJob": "ParentJobId"}
"""The submits whose answer names the job id otherwise than ``JobId`` (by action)."""


def job_id_name(action: str) -> str:
    """ICE's name of the job id in the answer of the submit ``action``."""
    return SUBMIT_JOB_ID_NAMES.get(action, "JobId")


def job_id_holder(action: str, answer: Mapping[str, Any]) -> Mapping[str, Any]:
    """The object of ``answer`` that holds the action's job id: the answer, or the job it nests.

    :param action: the submit action answered.
    :param answer: the answer's JSON object.
    """
    envelope = SUBMIT_JOB_ENVELOPES.get(action)
    if envelope is None:
        return answer
    job = answer.get(envelope)
    return job if isinstance(job, Mapping) else {}


def with_unreadable_job_id(action: str, answer: Mapping[str, Any], variant: str) -> dict[str, Any]:
    """A copy of ``answer`` whose job id, where the action's answer holds it, is gone
    (``no_job_id``) or a number (``non_string_job_id``).

    :param action: the submit action answered.
    :param answer: the answer's JSON object.
    :param variant: ``no_job_id`` or ``non_string_job_id``.
    """
    name = job_id_name(action)
    holder = {key: value for key, value in job_id_holder(action, answer).items() if key != name}
    if variant == "non_string_job_id":
        holder[name] = 12345
    envelope = SUBMIT_JOB_ENVELOPES.get(action)
    return holder if envelope is None else {**answer, envelope: holder}


class FaultConfig(BaseModel):
    """Standing fault settings. Rates are shares of requests, 0..1; they add up (one draw decides).

    :param drop_rate: share of connections dropped before processing.
    :param lose_response_rate: share of requests processed whose response is then lost.
    :param unavailable_rate: share answered 503 ``ServiceUnavailable``.
    :param throttle_rate: share answered ``Throttling.User``.
    :param internal_error_rate: share answered 500 ``InternalError``.
    :param latency_ms: delay added to every API request.
    :param qps_limit: calls per second allowed per action, for the whole emulator (each action has
        its own budget, shared by every client); beyond it ICE answers ``Throttling.User``. Default
        :data:`~airflow_ice.emulator.account_limit.DEFAULT_ACTION_QPS` (100, ICE's published
        per-action limit); None: unlimited.
    :param qps_limits: per-action overrides of ``qps_limit``, e.g. ``{"SubmitIProductionJob": 2}``.
    :param throttle_status: HTTP status of throttling answers, 400 (as ICE's gateway) or 429.
    :param retry_after_ms: when set, throttling answers carry ``x-acs-retry-after`` (milliseconds).
    :param actions: when set, the random faults and latency hit only these actions.
    :param drop_actions: when set, ``drop_rate`` hits only these actions (the other random faults
        still hit every action in ``actions``), e.g. reads only, because a dropped submit is an
        outcome the client must not retry.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    drop_rate: float = Field(0.0, ge=0.0, le=1.0)
    lose_response_rate: float = Field(0.0, ge=0.0, le=1.0)
    unavailable_rate: float = Field(0.0, ge=0.0, le=1.0)
    throttle_rate: float = Field(0.0, ge=0.0, le=1.0)
    internal_error_rate: float = Field(0.0, ge=0.0, le=1.0)
    latency_ms: float = Field(0.0, ge=0.0)
    qps_limit: float | None = Field(DEFAULT_ACTION_QPS, gt=0.0)
    qps_limits: dict[str, float] = Field(default_factory=dict)
    throttle_status: Literal[400, 429] = 400
    retry_after_ms: int | None = Field(None, gt=0)
    actions: list[str] | None = None
    drop_actions: list[str] | None = None

    def updated(self, changes: Mapping[str, Any]) -> FaultConfig:
        """A validated copy with ``changes`` applied."""
        return FaultConfig.model_validate({**self.model_dump(), **changes})

    def qps_limit_for(self, action: str) -> float | None:
        """The QPS limit that applies to ``action``."""
        return self.qps_limits.get(action, self.qps_limit)


class ScriptedFault(BaseModel):
    """A one-shot fault for the next ``count`` requests of ``action`` (any action when None).

    :param kind: what goes wrong (see the module docstring).
    :param action: the action it hits; None for any.
    :param count: how many requests it hits.
    :param latency_ms: the delay, for ``kind="latency"``.
    :param variant: how the body of an ``unreadable_answer`` reads (default ``not_json``).
    :param when_param_contains: hit only requests one of whose parameter values (query or body)
        contains this text, e.g. one task's input file, so a test picks which job's answer is lost.
    """

    model_config = ConfigDict(extra="forbid")

    kind: FaultKind
    action: str | None = None
    count: int = Field(1, ge=1)
    latency_ms: float = Field(0.0, ge=0.0)
    variant: UnreadableVariant = "not_json"
    when_param_contains: str | None = Field(None, min_length=1)

    def matches(self, action: str, params: Mapping[str, str]) -> bool:
        """Whether this fault hits a request of ``action`` with ``params``."""
        if self.action is not None and self.action != action:
            return False
        needle = self.when_param_contains
        return needle is None or any(needle in value for value in params.values())


@dataclass(frozen=True)
class FaultPlan:
    """What the injector decided for one request.

    :param reject: a fault answered instead of processing (``drop``, ``unavailable``,
        ``throttling``, ``internal_error``, ``qps_limited``), or None.
    :param lose_response: process, then close the connection without answering.
    :param unreadable: process, then answer 200 with a body of this :data:`UNREADABLE_VARIANTS` kind.
    :param delay_seconds: wait this long first.
    """

    reject: str | None = None
    lose_response: bool = False
    unreadable: str | None = None
    delay_seconds: float = 0.0


NO_FAULT = FaultPlan()


class FaultInjector:
    """Holds the fault settings and scripted faults and decides per request; thread-safe.

    :param config: the standing settings.
    :param seed: seed of the random draws, for reproducible runs.
    :param limit_clock: monotonic seconds the per-action QPS budgets refill by (see
        :class:`~airflow_ice.emulator.account_limit.QpsLimiter`).
    """

    def __init__(
        self,
        config: FaultConfig | None = None,
        seed: int | None = None,
        limit_clock: Callable[[], float] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._config = config or FaultConfig()
        self._scripted: list[ScriptedFault] = []
        self._random = random.Random(seed)
        self._limiter = QpsLimiter() if limit_clock is None else QpsLimiter(limit_clock)

    @property
    def config(self) -> FaultConfig:
        """The current standing settings."""
        return self._config

    def configure(self, config: FaultConfig) -> None:
        """Replace the standing settings (QPS buckets start full again)."""
        with self._lock:
            self._config = config
            self._limiter.clear()

    def script(self, faults: Iterable[ScriptedFault]) -> None:
        """Queue one-shot faults; each request consumes at most one, the first that matches."""
        with self._lock:
            self._scripted.extend(fault.model_copy() for fault in faults)

    def scripted(self) -> list[ScriptedFault]:
        """The one-shot faults still pending."""
        with self._lock:
            return [fault.model_copy() for fault in self._scripted]

    def clear_scripted(self) -> None:
        """Drop every pending one-shot fault."""
        with self._lock:
            self._scripted.clear()

    def plan(self, action: str, params: Mapping[str, str] | None = None) -> FaultPlan:
        """Decide what goes wrong for one request of ``action`` carrying ``params``."""
        with self._lock:
            config = self._config
            scripted = self._take_scripted(action, params or {})
            limited = config.qps_limit is not None or bool(config.qps_limits)
            if scripted is None and not limited and not _has_random_faults(config):
                return NO_FAULT
            hit = config.actions is None or action in config.actions
            delay = config.latency_ms / 1000.0 if hit else 0.0
            reject: str | None = None
            lose = False
            unreadable: str | None = None
            if scripted is not None:
                if scripted.kind == "latency":
                    delay += scripted.latency_ms / 1000.0
                elif scripted.kind == "lose_response":
                    lose = True
                elif scripted.kind == "unreadable_answer":
                    unreadable = scripted.variant
                else:
                    reject = scripted.kind
            elif hit:
                reject, lose = self._draw(config, action)
            if reject is None:
                limit = config.qps_limit_for(action)
                if limit is not None and not self._limiter.allow(action, limit):
                    reject = "qps_limited"
                    lose = False
                    unreadable = None
            return FaultPlan(reject=reject, lose_response=lose, unreadable=unreadable, delay_seconds=delay)

    def _take_scripted(self, action: str, params: Mapping[str, str]) -> ScriptedFault | None:
        for index, fault in enumerate(self._scripted):
            if fault.matches(action, params):
                if fault.count <= 1:
                    del self._scripted[index]
                else:
                    self._scripted[index] = fault.model_copy(update={"count": fault.count - 1})
                return fault
        return None

    def _draw(self, config: FaultConfig, action: str) -> tuple[str | None, bool]:
        draw = self._random.random()
        threshold = 0.0
        drops = config.drop_actions is None or action in config.drop_actions
        for kind, rate in (
            ("drop", config.drop_rate if drops else 0.0),
            ("unavailable", config.unavailable_rate),
            ("throttling", config.throttle_rate),
            ("internal_error", config.internal_error_rate),
        ):
            threshold += rate
            if draw < threshold:
                return kind, False
        lose = config.lose_response_rate > 0 and self._random.random() < config.lose_response_rate
        return None, lose


def _has_random_faults(config: FaultConfig) -> bool:
    return bool(
        config.drop_rate
        or config.lose_response_rate
        or config.unavailable_rate
        or config.throttle_rate
        or config.internal_error_rate
        or config.latency_ms
    )
