"""The checks the deployment test ends with, as plain functions over collected records.

Each returns a :class:`Proof`: a name, whether it holds, and the numbers behind it, printed in the
summary. They take data, not processes, so they are unit-tested on their own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Logged by Airflow's triggerer watchdog (TriggerRunner.block_watchdog in
# airflow/jobs/triggerer_job_runner.py, Airflow 3.1 to 3.3) when its event loop stalls longer than
# [triggerer] blocked_main_thread_warning_threshold (0.2 s); logged at INFO level.
BLOCKED_LOOP_MESSAGE = "Triggerer's async thread was blocked"
# A middle slice of a secret is searched too, to catch a secret that was cut or wrapped.
FRAGMENT_LENGTH = 16


@dataclass(frozen=True)
class Proof:
    """One proven (or disproven) claim.

    :param name: what is claimed.
    :param ok: whether it holds.
    :param detail: the numbers behind it.
    """

    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        """``PASS name: detail`` or ``FAIL ...``."""
        return f"{'PASS' if self.ok else 'FAIL'}  {self.name}: {self.detail}"


def secret_needles(secret: str) -> list[bytes]:
    """What to search for: the secret, and a middle slice of it when it is long enough."""
    needles = [secret.encode()]
    if len(secret) >= 2 * FRAGMENT_LENGTH:
        start = len(secret) // 2 - FRAGMENT_LENGTH // 2
        needles.append(secret[start : start + FRAGMENT_LENGTH].encode())
    return needles


def secret_hits(data: bytes, secrets: Mapping[str, str]) -> list[str]:
    """Names of the secrets found in ``data``."""
    return [name for name, value in secrets.items() if any(n in data for n in secret_needles(value))]


def files_under(paths: Iterable[Path]) -> list[Path]:
    """Every regular file in ``paths`` (files, or directories searched recursively)."""
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file()))
    return found


def secrets_in_files(files: Sequence[Path], secrets: Mapping[str, str]) -> list[str]:
    """``path: secret name`` for every file holding a secret."""
    leaks = []
    for path in files:
        for name in secret_hits(path.read_bytes(), secrets):
            leaks.append(f"{path}: {name}")
    return leaks


def prove_no_secrets(where: str, sources: Mapping[str, bytes], secrets: Mapping[str, str]) -> Proof:
    """No secret appears in any of ``sources`` (name -> content)."""
    leaks = [f"{name}: {hit}" for name, data in sources.items() for hit in secret_hits(data, secrets)]
    size = sum(len(data) for data in sources.values())
    detail = f"{len(sources)} sources, {size:,} bytes searched for {', '.join(secrets)}"
    if leaks:
        detail += "; FOUND in " + "; ".join(leaks[:10])
    return Proof(f"no secret in {where}", not leaks and bool(sources), detail)


def prove_no_secrets_in_files(where: str, files: Sequence[Path], secrets: Mapping[str, str]) -> Proof:
    """No secret appears in any of ``files``."""
    leaks = secrets_in_files(files, secrets)
    size = sum(path.stat().st_size for path in files)
    detail = f"{len(files)} files, {size:,} bytes searched for {', '.join(secrets)}"
    if leaks:
        detail += "; FOUND in " + "; ".join(leaks[:10])
    return Proof(f"no secret in {where}", not leaks and bool(files), detail)


def prove_loop_never_blocked(triggerer_logs: Sequence[Path]) -> Proof:
    """No triggerer log holds Airflow's blocked-event-loop warning."""
    hits = []
    for path in triggerer_logs:
        for line in path.read_text(errors="replace").splitlines():
            if BLOCKED_LOOP_MESSAGE in line:
                hits.append(f"{path.name}: {line.strip()[:200]}")
    detail = f"{len(triggerer_logs)} triggerer logs searched for {BLOCKED_LOOP_MESSAGE!r}"
    if hits:
        detail += f"; {len(hits)} found, e.g. " + " | ".join(hits[:3])
    return Proof("the triggerers' event loops were never blocked", not hits and bool(triggerer_logs), detail)


def prove_all_succeeded(states: Mapping[str, str], expected_tasks: int) -> Proof:
    """Every one of ``expected_tasks`` task instances (label -> state) ended ``success``."""
    failed = {label: state for label, state in states.items() if state != "success"}
    ok = not failed and len(states) == expected_tasks
    detail = f"{len(states) - len(failed)}/{expected_tasks} task instances succeeded"
    if len(states) != expected_tasks:
        detail += f" ({len(states)} task instances found)"
    if failed:
        detail += "; not succeeded: " + ", ".join(f"{k}={v}" for k, v in sorted(failed.items())[:10])
    return Proof("every task succeeded", ok, detail)


def prove_one_job_per_task(
    jobs_submitted: Mapping[str, int], expected: Mapping[str, int], xcom_job_ids: Sequence[str]
) -> Proof:
    """Jobs created per submit action (emulator) equal the tasks of each family, and every task
    returned a different job: nothing was submitted twice, retries included."""
    distinct = len(set(xcom_job_ids))
    ok = dict(jobs_submitted) == dict(expected) and distinct == len(xcom_job_ids) == sum(expected.values())
    detail = (
        f"emulator created {dict(sorted(jobs_submitted.items()))}, tasks {dict(sorted(expected.items()))}; "
        f"{distinct} distinct job ids in {len(xcom_job_ids)} return values"
    )
    return Proof("jobs submitted == tasks (no duplicate, retries included)", ok, detail)


def normalised(value: Any) -> Any:
    """``value`` as it reads back from JSON (tuples become lists, and so on)."""
    return json.loads(json.dumps(value))


def prove_xcoms_match_jobs(pairs: Mapping[str, tuple[Any, Any]]) -> Proof:
    """For each task (label -> (return_value XCom, the emulator's job's ``to_xcom()``)) they are equal."""
    mismatched = [
        label for label, (xcom, job) in pairs.items() if xcom is None or normalised(xcom) != normalised(job)
    ]
    detail = f"{len(pairs) - len(mismatched)}/{len(pairs)} return values equal the emulator's job"
    if mismatched:
        detail += "; differ: " + ", ".join(sorted(mismatched)[:10])
    return Proof("every return_value XCom equals the emulator's job", not mismatched and bool(pairs), detail)
