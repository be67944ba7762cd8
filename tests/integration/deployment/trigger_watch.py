"""What the deployment test learns from sampling the trigger table while tasks are deferred.

It checks every trigger's stored kwargs (only the expected JSON primitives, never a secret), and
follows the triggers a killed triggerer held: which triggerer picked each one up afterwards.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from tests.integration.deployment.metadata_db import TriggerRow
from tests.integration.deployment.proofs import Proof
from tests.integration.deployment.secret_forms import SecretSearch

# What IceJobTrigger.serialize() stores: ids, intervals, times (a deadline, ICE's creation time of
# the job), a count and flags; nothing else may be there.
EXPECTED_KWARGS = frozenset(
    {
        "job_id",
        "created_at",
        "ice_conn_id",
        "poll_interval",
        "deadline",
        "cancel_on_kill",
        "max_consecutive_failures",
        "first_poll_at",
        "failures_in_a_row",
        "keep_presigned_urls",
    }
)


@dataclass
class KilledTriggerer:
    """The triggers a killed triggerer held, and where each went.

    :param job_id: the killed triggerer's job id.
    :param held: trigger ids assigned to it when it was killed.
    :param picked_up_by: trigger id -> the triggerer job seen running it afterwards.
    :param gone: trigger ids that left the table (their event fired) without being seen elsewhere.
    """

    job_id: int
    held: set[int]
    picked_up_by: dict[int, int] = field(default_factory=dict)
    gone: set[int] = field(default_factory=set)

    def unresolved(self) -> set[int]:
        """Held triggers neither picked up nor gone yet."""
        return self.held - set(self.picked_up_by) - self.gone


@dataclass
class TriggerWatch:
    """Accumulates trigger-table samples.

    :param search: every secret that must not be stored, in every form.
    :param clock: monotonic seconds, for how long each trigger was seen waiting.
    """

    search: SecretSearch
    clock: Callable[[], float] = time.monotonic
    samples: int = 0
    seen: set[int] = field(default_factory=set)
    most_at_once: int = 0
    leaks: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    classpaths: Counter[str] = field(default_factory=Counter)
    killed: KilledTriggerer | None = None
    last_assignment: dict[int, int | None] = field(default_factory=dict)
    moves: list[str] = field(default_factory=list)
    # trigger id -> (class path, first seen, last seen)
    lifetimes: dict[int, tuple[str, float, float]] = field(default_factory=dict)

    def observe(self, rows: Iterable[TriggerRow]) -> None:
        """Take one sample of the table."""
        rows = list(rows)
        now = self.clock()
        self.samples += 1
        for row in rows:
            classpath, first, _ = self.lifetimes.get(row.trigger_id, (row.classpath, now, now))
            self.lifetimes[row.trigger_id] = (classpath, first, now)
        self.most_at_once = max(self.most_at_once, len(rows))
        present: dict[int, int | None] = {}
        for row in rows:
            present[row.trigger_id] = row.triggerer_id
            if row.trigger_id not in self.seen:
                self.seen.add(row.trigger_id)
                self.classpaths[row.classpath] += 1
            self._check_kwargs(row)
        if self.killed is not None:
            self._follow(self.killed, present)
        self._note_moves(present)
        self.last_assignment = present

    def _note_moves(self, present: Mapping[int, int | None]) -> None:
        """Triggers that changed owner though their owner was not killed (its heartbeat lapsed)."""
        killed_job = self.killed.job_id if self.killed is not None else None
        for trigger_id, owner in present.items():
            before = self.last_assignment.get(trigger_id)
            if before is not None and owner is not None and owner != before and before != killed_job:
                self.moves.append(f"trigger {trigger_id}: {before} -> {owner}")

    def _check_kwargs(self, row: TriggerRow) -> None:
        for name in self.search.hits(row.kwargs_json.encode()):
            self.leaks.append(f"trigger {row.trigger_id}: {name}")
        if not row.classpath.startswith("airflow_ice."):
            return
        keys = set(row.kwargs)
        if keys - EXPECTED_KWARGS or "job_id" not in keys:
            self.unexpected.append(f"trigger {row.trigger_id}: {sorted(keys)}")

    @staticmethod
    def _follow(killed: KilledTriggerer, present: Mapping[int, int | None]) -> None:
        for trigger_id in killed.unresolved():
            if trigger_id not in present:
                killed.gone.add(trigger_id)
            else:
                owner = present[trigger_id]
                if owner is not None and owner != killed.job_id:
                    killed.picked_up_by[trigger_id] = owner

    def waited(self, classpath: str) -> list[float]:
        """How long each trigger of ``classpath`` was seen waiting: from its first sample to its
        last, so short by up to a sampling interval."""
        return [last - first for path, first, last in self.lifetimes.values() if path == classpath]

    def held_by(self, triggerer_id: int) -> set[int]:
        """Triggers assigned to ``triggerer_id`` in the last sample."""
        return {tid for tid, owner in self.last_assignment.items() if owner == triggerer_id}

    def per_triggerer(self) -> dict[int | None, int]:
        """Triggers per triggerer job in the last sample (None: unassigned)."""
        return dict(Counter(self.last_assignment.values()))

    def triggerer_killed(self, job_id: int) -> KilledTriggerer:
        """Record that triggerer ``job_id`` was killed; follow what it held from now on."""
        self.killed = KilledTriggerer(job_id=job_id, held=self.held_by(job_id))
        return self.killed

    def proof_kwargs(self) -> Proof:
        """The stored kwargs held no secret and only the expected keys."""
        ok = self.samples > 0 and bool(self.seen) and not self.leaks and not self.unexpected
        detail = (
            f"{len(self.seen)} triggers seen in {self.samples} samples of the trigger table "
            f"(up to {self.most_at_once} at once; {dict(self.classpaths)}); kwargs decrypted with the "
            f"Fernet key hold only {sorted(EXPECTED_KWARGS)}"
        )
        if self.leaks:
            detail += "; SECRETS FOUND: " + ", ".join(self.leaks[:10])
        if self.unexpected:
            detail += "; unexpected kwargs: " + ", ".join(self.unexpected[:5])
        return Proof(
            "no secret in the trigger table (trigger.kwargs)",
            ok,
            detail,
            precondition="the trigger table was sampled while triggers were stored",
            precondition_met=self.samples > 0 and bool(self.seen),
        )

    def proof_failover(self, names: Mapping[int, str], precondition: tuple[str, bool] = ("", True)) -> Proof:
        """Every trigger the killed triggerer held was picked up by another triggerer or fired.

        :param names: triggerer job id -> a readable name for the summary.
        :param precondition: what the kill needed (text, whether it occurred).
        """
        killed = self.killed
        text = precondition[0] or "a triggerer holding triggers was killed"
        if killed is None:
            return Proof(
                "a killed triggerer's triggers were taken over", False, "no triggerer was killed", text, False
            )
        by_owner = Counter(names.get(owner, f"job {owner}") for owner in killed.picked_up_by.values())
        unresolved = killed.unresolved()
        ok = bool(killed.held) and not unresolved
        detail = (
            f"{names.get(killed.job_id, killed.job_id)} held {len(killed.held)} triggers when killed with "
            f"SIGKILL; picked up by {dict(by_owner)}; {len(killed.gone)} fired before the next sample"
        )
        if unresolved:
            detail += f"; {len(unresolved)} never seen again with a live triggerer"
        return Proof(
            "a killed triggerer's triggers were taken over",
            ok,
            detail,
            text,
            precondition[1] and bool(killed.held),
        )
