"""The checks the deployment test ends with, as plain functions over collected records.

Each returns a :class:`Proof`: a name, the precondition without which it proves nothing (and
whether that precondition occurred), whether the claim holds, and what it saw, printed in the
summary. A proof whose precondition did not occur fails loudly instead of passing on luck. They
take data, not processes, so they are unit-tested on their own.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.integration.deployment.job_truth import differences
from tests.integration.deployment.secret_forms import SecretSearch

# Logged by Airflow's triggerer watchdog (TriggerRunner.block_watchdog in
# airflow/jobs/triggerer_job_runner.py, Airflow 3.1 to 3.3) when its event loop stalls longer than
# [triggerer] blocked_main_thread_warning_threshold (0.2 s); logged at INFO level.
BLOCKED_LOOP_MESSAGE = "Triggerer's async thread was blocked"
# Airflow's [triggerer] blocked_main_thread_warning_threshold (its default, which the test keeps).
# Its watchdog warns when a 0.1 s sleep takes longer than that: when the loop was held for more
# than BLOCKED_LOOP_THRESHOLD - WATCHDOG_SLEEP, the lateness the proof allows.
BLOCKED_LOOP_THRESHOLD = 0.2
WATCHDOG_SLEEP = 0.1
ALLOWED_LATENESS = BLOCKED_LOOP_THRESHOLD - WATCHDOG_SLEEP
# A warning and the loop watch's record of the same stall are this close in time (seconds).
STALL_MATCH_SECONDS = 3.0
SUCCESS = "success"
FAILED = "failed"


@dataclass(frozen=True)
class Proof:
    """One proven (or disproven) claim.

    :param name: what is claimed.
    :param ok: whether it holds.
    :param detail: what it saw.
    :param precondition: what must have happened for the claim to mean anything.
    :param precondition_met: whether that happened.
    """

    name: str
    ok: bool
    detail: str
    precondition: str = ""
    precondition_met: bool = True

    @property
    def passed(self) -> bool:
        """The claim holds and its precondition occurred."""
        return self.ok and self.precondition_met

    def line(self) -> str:
        """``PASS name``, then its precondition (and whether it occurred) and what it saw."""
        lines = [f"{'PASS' if self.passed else 'FAIL'}  {self.name}"]
        if self.precondition:
            occurred = "occurred" if self.precondition_met else "DID NOT OCCUR: the proof proves nothing"
            lines.append(f"      precondition: {self.precondition} -- {occurred}")
        lines.append(f"      saw: {self.detail}")
        return "\n".join(lines)


@dataclass(frozen=True)
class TaskOutcome:
    """How one task instance ended.

    :param state: its final state.
    :param try_number: its last try.
    :param job_ids: the jobs the emulator created for it (matched by their parameters).
    :param returned_job_id: the ``job_id`` of its ``return_value`` XCom, if any.
    """

    state: str
    try_number: int
    job_ids: tuple[str, ...]
    returned_job_id: str | None = None

    def summary(self) -> str:
        """``failed, try 1, 1 job``."""
        return f"{self.state}, try {self.try_number}, {len(self.job_ids)} job(s)"


def files_under(paths: Iterable[Path]) -> list[Path]:
    """Every regular file in ``paths`` (files, or directories searched recursively)."""
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file()))
    return found


def prove_no_secrets(where: str, sources: Mapping[str, bytes], search: SecretSearch) -> Proof:
    """No secret, in any form, appears in any of ``sources`` (name -> content)."""
    leaks = [f"{name}: {hit}" for name, data in sources.items() for hit in search.hits(data)]
    size = sum(len(data) for data in sources.values())
    detail = f"{len(sources)} sources, {size:,} bytes searched for {search.describe()}"
    if leaks:
        detail += "; FOUND in " + "; ".join(leaks[:10])
    return Proof(
        f"no secret in {where}",
        not leaks,
        detail,
        precondition=f"there is something to search in {where}",
        precondition_met=size > 0,
    )


def prove_no_secrets_in_files(where: str, files: Sequence[Path], search: SecretSearch) -> Proof:
    """No secret, in any form, appears in any of ``files``."""
    return prove_no_secrets(where, {str(path): path.read_bytes() for path in files}, search)


@dataclass(frozen=True)
class LoopStall:
    """One stall of a trigger runner's event loop, or one pause of its whole process, as
    ``loop_watch/ice_loop_watch.py`` measured it.

    :param runner: the triggerer (log name) whose loop stalled.
    :param at: when the stall ended (epoch seconds, whole seconds).
    :param wall_seconds: how late the loop (for a pause: the watch's helper thread) was.
    :param runqueue_seconds: of which that thread waited on a run queue for a CPU.
    """

    runner: str
    at: float
    wall_seconds: float
    runqueue_seconds: float

    @property
    def blocked_seconds(self) -> float:
        """The stall less the time the machine had no CPU for the loop: what code on (or holding)
        the loop took."""
        return self.wall_seconds - self.runqueue_seconds


def _epoch(text: str) -> float | None:
    from datetime import datetime

    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def read_loop_watch(files: Sequence[Path]) -> tuple[list[str], list[LoopStall]]:
    """(runners watched, their stalls) from ``loop-watch-<runner>-<pid>.jsonl`` files."""
    import json

    watched, stalls = [], []
    for path in files:
        runner = path.stem.removeprefix("loop-watch-").rsplit("-", 1)[0]
        for line in path.read_text(errors="replace").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            if record["kind"] == "start":
                watched.append(runner)
            elif record["kind"] in ("stall", "pause"):
                at = _epoch(record["time"] + "Z")
                queued = record[
                    "loop_runqueue_seconds" if record["kind"] == "stall" else "helper_runqueue_seconds"
                ]
                if at is not None:
                    stalls.append(LoopStall(runner, at, float(record["wall_seconds"]), float(queued)))
    return watched, stalls


def blocked_warnings(triggerer_log: Path) -> list[tuple[float | None, str]]:
    """(epoch time, line) of each of Airflow's blocked-loop warnings in a triggerer log."""
    found = []
    for line in triggerer_log.read_text(errors="replace").splitlines():
        if BLOCKED_LOOP_MESSAGE in line:
            found.append((_epoch(line.split(" ", 1)[0]), line.strip()[:160]))
    return found


def prove_loop_never_blocked(
    triggerer_logs: Sequence[Path], stalls: Sequence[LoopStall], watched: Sequence[str], triggers_seen: int
) -> Proof:
    """No code held a triggerer's event loop long enough for Airflow's watchdog to warn.

    Airflow's watchdog measures wall time, which on a starved machine includes time the loop
    thread (or its whole process) waited for a CPU. The loop watch measures that wait (run-queue
    time), so a stall or pause counts as blocked when what remains (on CPU, or sleeping on the GIL,
    a lock or I/O) exceeds :data:`ALLOWED_LATENESS` (the lateness that makes the watchdog's 0.1 s
    sleep exceed its 0.2 s threshold); every warning Airflow logged must be matched by a measured
    stall or pause, else it is unexplained and the proof fails.

    :param triggerer_logs: every triggerer's log, named like the runners.
    :param stalls: every stall the loop watch recorded.
    :param watched: the runners the loop watch watched.
    :param triggers_seen: how many triggers the triggerers ran (the loops had work to do).
    """
    blocked = [s for s in stalls if s.blocked_seconds > ALLOWED_LATENESS]
    unexplained = []
    starved = []
    warnings = 0
    for path in triggerer_logs:
        runner = path.stem
        for when, line in blocked_warnings(path):
            warnings += 1
            match = [
                s
                for s in stalls
                if s.runner == runner and when is not None and abs(s.at - when) <= STALL_MATCH_SECONDS
            ]
            if not match:
                unexplained.append(f"{path.name}: {line}")
            elif all(s.blocked_seconds <= ALLOWED_LATENESS for s in match):
                worst = max(match, key=lambda s: s.wall_seconds)
                starved.append(
                    f"{runner} {worst.wall_seconds:.2f}s late, {worst.runqueue_seconds:.2f}s of it waiting for a CPU"
                )
    worst_blocked = max((s.blocked_seconds for s in stalls), default=0.0)
    detail = (
        f"{len(stalls)} stalls (0.08 s or more) and pauses (0.05 s or more) measured in {len(watched)} trigger "
        f"runners; the longest time code held a loop: {worst_blocked:.3f}s (allowed {ALLOWED_LATENESS:.1f}s: "
        f"Airflow's {BLOCKED_LOOP_THRESHOLD}s threshold less its {WATCHDOG_SLEEP}s sleep); Airflow warned "
        f"{warnings} times"
    )
    if starved:
        detail += f"; warnings explained by CPU starvation: {'; '.join(starved[:3])}"
    if blocked:
        detail += "; BLOCKED: " + "; ".join(
            f"{s.runner} {s.wall_seconds:.2f}s ({s.runqueue_seconds:.2f}s on a run queue)"
            for s in blocked[:3]
        )
    if unexplained:
        detail += f"; warnings no measured stall explains: {' | '.join(unexplained[:3])}"
    runners = {path.stem for path in triggerer_logs}
    return Proof(
        "the triggerers' event loops were never blocked by code (Airflow's watchdog, less CPU starvation)",
        not blocked and not unexplained,
        detail,
        precondition=(
            f"every trigger runner was watched ({sorted(watched)} of {sorted(runners)}) and ran triggers "
            f"({triggers_seen} seen)"
        ),
        precondition_met=bool(triggerer_logs) and triggers_seen > 0 and runners <= set(watched),
    )


def prove_one_job_per_task(
    outcomes: Mapping[str, TaskOutcome],
    unmatched_jobs: Sequence[str],
    jobs_counted: int,
    expected_tasks: int,
    judged_apart: Iterable[str] = (),
) -> Proof:
    """Every task has exactly one job in the emulator's records, and no job belongs to no task.

    :param outcomes: label -> outcome, every task instance.
    :param unmatched_jobs: job ids whose parameters name no task.
    :param jobs_counted: jobs the emulator's counters say it created.
    :param expected_tasks: task instances the DAG run has.
    :param judged_apart: tasks whose jobs :func:`prove_answer_faults` judges (the same rule: one job).
    """
    records = sum(len(o.job_ids) for o in outcomes.values()) + len(unmatched_jobs)
    apart = set(judged_apart)
    not_one = {
        label: len(o.job_ids) for label, o in outcomes.items() if len(o.job_ids) != 1 and label not in apart
    }
    ok = not not_one and not unmatched_jobs and records == jobs_counted
    detail = (
        f"{records} jobs in the emulator's records ({jobs_counted} counted) for {len(outcomes)} tasks "
        f"({len(apart)} hit by submit-answer faults judged apart); "
        f"tasks without exactly one job: {dict(sorted(not_one.items())[:10]) or 'none'}; "
        f"jobs of no task: {list(unmatched_jobs)[:5] or 'none'}"
    )
    return Proof(
        "one job per task in the emulator's own records (no duplicate, retries included)",
        ok,
        detail,
        precondition=f"all {expected_tasks} task instances ended and the emulator recorded their jobs",
        precondition_met=len(outcomes) == expected_tasks and records > 0,
    )


def prove_answer_faults(
    fault: str, planned: Mapping[str, str], fired: Mapping[str, str], outcomes: Mapping[str, TaskOutcome]
) -> Proof:
    """Tasks whose submit answer a fault lost or garbled were never submitted twice: each failed
    with its one job, or its retry reattached to that job and returned it.

    :param fault: what the fault does, for the name.
    :param planned: label -> the fault planned on its submit.
    :param fired: label -> the fault the emulator recorded on one of its jobs.
    :param outcomes: label -> outcome.
    """
    verdicts = {}
    bad = []
    for label in planned:
        outcome = outcomes.get(label)
        if outcome is None:
            bad.append(label)
            verdicts[label] = "no task instance"
            continue
        one_job = len(outcome.job_ids) == 1
        held = one_job and (
            outcome.state == FAILED
            or (outcome.state == SUCCESS and outcome.returned_job_id == outcome.job_ids[0])
        )
        if not held:
            bad.append(label)
        verdicts[label] = f"{fired.get(label, 'not fired')}: {outcome.summary()}"
    missing = sorted(set(planned) - set(fired))
    detail = "; ".join(f"{label} {verdict}" for label, verdict in verdicts.items())
    if bad:
        detail += f"; SUBMITTED AGAIN or wrong: {', '.join(bad)}"
    return Proof(
        f"{fault}: no second submit (each such task failed, or reattached to its one job)",
        bool(planned) and not bad,
        detail,
        precondition=f"the emulator recorded the fault on the submit of each of {len(planned)} planned tasks",
        precondition_met=bool(planned) and not missing,
    )


def prove_other_tasks_unaffected(
    outcomes: Mapping[str, TaskOutcome], faulted: Iterable[str], killed: Iterable[str]
) -> Proof:
    """Every task whose submit answer was not faulted succeeded, on its first try unless the test
    killed its process.

    :param outcomes: label -> outcome.
    :param faulted: labels of the tasks hit by submit-answer faults.
    :param killed: labels of the tasks whose process the test killed (their retry is expected).
    """
    skip, killed_set = set(faulted), set(killed)
    others = {label: o for label, o in outcomes.items() if label not in skip}
    bad = {
        label: o.summary()
        for label, o in others.items()
        if o.state != SUCCESS or (o.try_number != 1 and label not in killed_set)
    }
    detail = f"{len(others) - len(bad)}/{len(others)} other tasks succeeded as expected"
    if bad:
        detail += "; not: " + ", ".join(f"{k}={v}" for k, v in sorted(bad.items())[:10])
    return Proof(
        "no other task affected (every other task succeeded, on its first try unless killed)",
        not bad,
        detail,
        precondition="there are tasks no submit fault hit",
        precondition_met=bool(others),
    )


def prove_xcoms_match_records(
    pairs: Mapping[str, tuple[Any, Mapping[str, Any] | None, Mapping[str, Any]]],
) -> Proof:
    """Each succeeded task's ``return_value`` equals, field by field, the emulator's own record of
    its job (job id, status, function, input and output as asked, result values, output files and
    URLs, times), read without the provider's parsers.

    :param pairs: label -> (return_value XCom, the job's record answer, the task's parameters).
    """
    differing = {}
    for label, (xcom, answer, asked) in pairs.items():
        if xcom is None or answer is None:
            differing[label] = ["missing XCom" if xcom is None else "no record"]
            continue
        found = differences(xcom, answer, asked)
        if found:
            differing[label] = found
    detail = f"{len(pairs) - len(differing)}/{len(pairs)} return values equal the emulator's records"
    if differing:
        detail += "; differ: " + "; ".join(
            f"{k}: {', '.join(v[:4])}" for k, v in sorted(differing.items())[:10]
        )
    return Proof(
        "every return_value XCom equals the emulator's own record of its job, field by field",
        not differing,
        detail,
        precondition="succeeded tasks returned jobs to compare",
        precondition_met=bool(pairs),
    )


# Logged (INFO) by a shared poller when it stops (airflow_ice.triggers.batching.POLLER_STATS_MESSAGE
# and the line after it; a test holds the two together).
POLLER_STATS_LINE = re.compile(
    r"Shared ICE poller stopped \((?P<kind>[^()]+?) jobs, connection '(?P<conn>[^']*)'\): "
    r"(?P<rounds>\d+) rounds, (?P<list_calls>\d+) list calls, (?P<batch_calls>\d+) batch calls, "
    r"(?P<single_calls>\d+) single calls, (?P<checks>\d+) checks"
)


@dataclass(frozen=True)
class PollerStats:
    """What the stopped shared pollers of one kind did, summed over their log lines.

    :param pollers: lines found (pollers that stopped in a live process: a killed one logs none).
    :param rounds: their rounds; ``list_calls``, ``single_calls``, ``checks``: their calls and checks.
    """

    pollers: int = 0
    rounds: int = 0
    list_calls: int = 0
    single_calls: int = 0
    checks: int = 0


def read_poller_stats(texts: Iterable[str], kind: str) -> PollerStats:
    """The summed stats of the ``kind`` pollers (``Snapshot``) logged in ``texts`` (log files' text).
    In a triggerer, a poller logs in its first trigger's task log while that log is open, else in
    the triggerer's own log: each line is in one file only."""
    found = [match for text in texts for match in POLLER_STATS_LINE.finditer(text) if match["kind"] == kind]
    return PollerStats(
        pollers=len(found),
        rounds=sum(int(m["rounds"]) for m in found),
        list_calls=sum(int(m["list_calls"]) for m in found),
        single_calls=sum(int(m["single_calls"]) for m in found),
        checks=sum(int(m["checks"]) for m in found),
    )


@dataclass(frozen=True)
class ListedJob:
    """One job of the list family, as its task ended and as the emulator counted its Gets.

    :param label: its task.
    :param outcome: how the task ended.
    :param reads_running: its Gets the emulator answered while it ran; ``reads_finished``: once it
        had finished.
    """

    label: str
    outcome: TaskOutcome
    reads_running: int
    reads_finished: int


def prove_list_checks(
    family: str,
    jobs: Sequence[ListedJob],
    list_calls: int,
    trigger_waits: Sequence[float],
    first_wait: float,
    poll_interval: float,
    stats: PollerStats,
    *,
    calls_per_round: int,
    share_of_gets: float,
    items_complete: bool,
) -> Proof:
    """The triggerers answered the list family's waits with list calls, not one Get per job per poll.

    - no trigger read a running job with its Get: each job's Gets while it ran are at most the
      tries of its task (the operator's check at once, in the worker, before it defers);
    - each job was read at most once with its Get once finished: a succeeded task's job exactly
      once where the list item lacks what the XCom holds (the event carries that Get's job), never
      where it is complete;
    - the list calls stayed below ``share_of_gets`` of the Gets per-job polling would have made:
      one per waiting trigger ``first_wait`` after it deferred and every ``poll_interval`` after,
      while the trigger table showed it waiting (both as answered: faults cost either way the same
      share of retries);
    - where the pollers' own stats were logged: at most ``calls_per_round`` list calls per round,
      and below ``share_of_gets`` of the jobs those rounds checked (one Get per job per poll).

    :param family: the family, for the name.
    :param jobs: every job of the family whose task got it (submit-faulted tasks' jobs too).
    :param list_calls: the list action's calls the emulator answered.
    :param trigger_waits: how long each of the family's triggers was seen waiting (trigger table).
    :param first_wait: when a trigger polls first, after deferring (the family's expected earliest
        end, counted from the defer, a little after the submit: at most one Get too many).
    :param poll_interval: the tasks' poll interval.
    :param stats: the family's pollers' stats, from their log lines.
    :param calls_per_round: one list per finished status, one page each.
    :param share_of_gets: the most the list calls may cost against per-job polling's Gets.
    :param items_complete: whether the family's list items hold all its XCom needs.
    """
    triggers, waited = len(trigger_waits), sum(trigger_waits)
    per_job_gets = sum(1 + int(max(0.0, span - first_wait) // poll_interval) for span in trigger_waits)
    read_running = {j.label: j.reads_running for j in jobs if j.reads_running > j.outcome.try_number}
    expected = 0 if items_complete else 1
    read_twice = {
        j.label: j.reads_finished
        for j in jobs
        if j.reads_finished > 1 or (j.outcome.state == SUCCESS and j.reads_finished != expected)
    }
    finished_reads = Counter(j.reads_finished for j in jobs)
    succeeded = [j for j in jobs if j.outcome.state == SUCCESS]
    cheap = list_calls <= share_of_gets * per_job_gets
    per_round = stats.list_calls / stats.rounds if stats.rounds else None
    rounds_ok = per_round is None or (
        per_round <= calls_per_round and stats.list_calls <= share_of_gets * stats.checks
    )
    detail = (
        f"{triggers} {family} triggers waited {waited:.0f}s in all (trigger table samples): polled one "
        f"by one ({first_wait:g}s after deferring, then every {poll_interval:g}s) that is {per_job_gets} "
        f"Gets; the emulator answered "
        f"{list_calls} list calls ({list_calls / per_job_gets if per_job_gets else float('nan'):.2f} "
        f"of them, allowed {share_of_gets:g}); Gets per job while it ran (the worker's check at once): "
        f"{dict(sorted(Counter(j.reads_running for j in jobs).items()))}, once finished: "
        f"{dict(sorted(finished_reads.items()))} ({len(succeeded)} tasks succeeded)"
    )
    if stats.pollers:
        detail += (
            f"; the pollers' own stats ({stats.pollers} stopped pollers logged them): {stats.rounds} rounds, "
            f"{stats.list_calls} list calls ({per_round:.2f} per round, allowed {calls_per_round}), "
            f"{stats.single_calls} Gets, {stats.checks} checks ({stats.checks / max(1, stats.rounds):.1f} "
            f"jobs per round: list calls {stats.list_calls / max(1, stats.checks):.2f} of one Get per job "
            f"per poll)"
        )
    else:
        detail += "; no poller logged its stats (a killed triggerer's pollers log none)"
    if read_running:
        detail += f"; READ WHILE RUNNING beyond the check at once: {dict(sorted(read_running.items())[:10])}"
    if read_twice:
        detail += (
            f"; FINISHED JOBS NOT READ {expected} TIME(S) (succeeded) or read more than once: "
            f"{dict(sorted(read_twice.items())[:10])}"
        )
    if not cheap:
        detail += "; LIST CALLS NOT WELL BELOW per-job Gets"
    if not rounds_ok:
        detail += "; MORE LIST CALLS PER ROUND than finished statuses, or not well below the jobs checked"
    return Proof(
        f"the triggerers answered the {family} waits with list calls (no Get of a running job, at most "
        "one Get per finished job, lists well below one Get per job per poll)",
        not read_running and not read_twice and cheap and rounds_ok,
        detail,
        precondition=f"{family} tasks deferred, their triggers waited, were listed and their jobs finished",
        precondition_met=triggers > 0 and waited > 0 and list_calls > 0 and bool(succeeded),
    )
