"""Everything one emulator instance holds: credentials check, jobs, faults and counters."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from airflow_ice.emulator.actions import ActionEnvironment, ActionTable
from airflow_ice.emulator.actions.sts import StsActions
from airflow_ice.emulator.auth import EmulatorCredentials, NonceRegistry, RequestAuthenticator
from airflow_ice.emulator.clock import HoldableClock
from airflow_ice.emulator.counters import EmulatorCounters
from airflow_ice.emulator.faults import FaultConfig, FaultInjector, ScriptedFault
from airflow_ice.emulator.jobs import JobTiming
from airflow_ice.emulator.placement import strict_placement_default
from airflow_ice.emulator.seen_secrets import SeenSecrets
from airflow_ice.emulator.temporary_keys import StsSettings, TemporaryKeyStore

FaultsArgument = FaultConfig | Mapping[str, Any] | None
ScriptedArgument = Iterable[ScriptedFault | Mapping[str, Any]] | None


def to_fault_config(faults: FaultsArgument) -> FaultConfig:
    """Accept a :class:`FaultConfig`, a mapping of its fields, or None."""
    if faults is None:
        return FaultConfig()
    if isinstance(faults, FaultConfig):
        return faults
    return FaultConfig.model_validate(dict(faults))


def to_scripted_faults(scripted: ScriptedArgument) -> list[ScriptedFault]:
    """Accept :class:`ScriptedFault` objects or mappings of their fields."""
    return [
        item if isinstance(item, ScriptedFault) else ScriptedFault.model_validate(dict(item))
        for item in scripted or ()
    ]


class EmulatorState:
    """The state behind one emulator; shared by the API app, the admin endpoint and Python callers.

    :param credentials: the accepted AccessKey (and STS token).
    :param timing: job durations.
    :param faults: the standing fault settings at start (and after :meth:`reset`).
    :param scripted_faults: one-shot faults queued at start (and after :meth:`reset`).
    :param seed: seed of the fault draws, for reproducible runs.
    :param clock: seconds since the epoch driving job lifecycles (signatures always use real time).
    :param limit_clock: monotonic seconds the per-action QPS budgets refill by (default the
        machine's). Apart from ``clock``, so that holding or stepping the jobs' time neither starves
        nor refills the account's budgets.
    :param region: the region named in output URLs.
    :param sts: what the emulated STS and ECS metadata service accept and issue; issued keys
        expire by ``clock``.
    :param ai_app_batch_limit: the most job ids one BatchGetYikeAIAppJob call may ask about.
    :param strict_placement: read each parameter only from where the official SDK sends it (query
        or body) and reject one sent in the other place; None: ``ICE_EMULATOR_STRICT_PLACEMENT``
        decides (off when unset), see :mod:`airflow_ice.emulator.placement`.
    :param presign_output_urls: answer OSS URLs presigned, with the request's own STS token
        (:mod:`airflow_ice.emulator.presigned_urls`); changeable while running.
    """

    def __init__(
        self,
        credentials: EmulatorCredentials,
        *,
        timing: JobTiming | None = None,
        faults: FaultsArgument = None,
        scripted_faults: ScriptedArgument = None,
        seed: int | None = None,
        clock: Callable[[], float] | None = None,
        limit_clock: Callable[[], float] | None = None,
        region: str = "cn-shanghai",
        sts: StsSettings | None = None,
        ai_app_batch_limit: int = 20,
        strict_placement: bool | None = None,
        presign_output_urls: bool = False,
    ) -> None:
        if ai_app_batch_limit < 1:
            raise ValueError("ai_app_batch_limit must be at least 1")
        self.counters = EmulatorCounters()
        self.temporary_keys = TemporaryKeyStore(clock or time.time)
        self.authenticator = RequestAuthenticator(
            credentials, NonceRegistry(), temporary_keys=self.temporary_keys
        )
        self.sts = StsActions(sts or StsSettings(), self.temporary_keys, self.authenticator, self.counters)
        self._initial_faults = to_fault_config(faults)
        self._initial_scripted = to_scripted_faults(scripted_faults)
        self.faults = FaultInjector(self._initial_faults, seed=seed, limit_clock=limit_clock)
        self.faults.script(self._initial_scripted)
        self.strict_placement = strict_placement_default() if strict_placement is None else strict_placement
        self.seen_secrets = SeenSecrets()
        self.presign_output_urls = presign_output_urls
        # Job ids whose submit was processed but whose answer a fault lost or garbled: kind by id.
        self._answer_faults: dict[str, str] = {}
        self._answer_faults_lock = threading.Lock()
        self.job_clock = HoldableClock(clock or time.time)
        self.actions = ActionTable(
            ActionEnvironment(
                clock=self.job_clock,
                timing=timing or JobTiming(),
                counters=self.counters,
                region=region,
                ai_app_batch_limit=ai_app_batch_limit,
            )
        )

    def update_faults(
        self,
        changes: Mapping[str, Any] | None = None,
        *,
        scripted: ScriptedArgument = None,
        clear_scripted: bool = False,
        replace: bool = False,
    ) -> None:
        """Change faults while running.

        :param changes: :class:`FaultConfig` fields to change (others keep their value).
        :param scripted: one-shot faults to queue.
        :param clear_scripted: drop pending one-shot faults first.
        :param replace: start from no faults instead of the current settings.
        """
        base = FaultConfig() if replace else self.faults.config
        config = base.updated(changes or {})
        new_scripted = to_scripted_faults(scripted)
        self.faults.configure(config)
        if clear_scripted:
            self.faults.clear_scripted()
        self.faults.script(new_scripted)

    def answer_fault(self, job_id: str, kind: str) -> None:
        """Note that the answer of the submit that created ``job_id`` was lost or garbled (``kind``)."""
        with self._answer_faults_lock:
            self._answer_faults[job_id] = kind

    def job_report(self) -> list[dict[str, Any]]:
        """Every job as the emulator holds it, JSON-ready: what ``GET /_emulator/jobs`` answers."""
        with self._answer_faults_lock:
            faults = dict(self._answer_faults)
        return [
            {**record.to_dict(), "SubmitAnswerFault": faults.get(record.job_id)}
            for record in self.actions.records()
        ]

    def fault_report(self) -> dict[str, Any]:
        """Current fault settings and pending one-shot faults, JSON-ready."""
        return {
            "config": self.faults.config.model_dump(),
            "scripted": [fault.model_dump() for fault in self.faults.scripted()],
        }

    def reset(self) -> None:
        """Forget jobs, counters and nonces; faults go back to their start settings."""
        self.actions.reset()
        self.counters.clear()
        self.seen_secrets.clear()
        self.job_clock.release()
        with self._answer_faults_lock:
            self._answer_faults.clear()
        self.authenticator.nonces.clear()
        self.faults.configure(self._initial_faults)
        self.faults.clear_scripted()
        self.faults.script(self._initial_scripted)
