"""What stands between the typed query and bare aiohttp: CPU per query by layer, warm and cold.

Figures, not a timed test. No I/O: the canned transport of ``bench_query_instructions.py`` answers
every request, so only the client's Python and C work is timed (``time.process_time``). Each
contender is set beside ``bare`` (sign with our signer, build the URL, ``json.loads``):

* ``engine floor``: the least an engine does for a read, written out in one coroutine: the
  action's pace, the signed request (its URL, headers and scrubber), the shared transport's gate
  and the transport, ``json.loads``. No call preparing, deadline, credentials source, judging,
  retries or hook (what :class:`~airflow_ice.client.engine.IceClient` adds: the next rows);
* ``floor + typed read``: the same, with the answer's bytes vouched for by the request's scrubber
  and read by the IProduction model's reader instead of ``json.loads``;
* ``hook.acall`` and ``hook.aquery_iproduction_job``: the shipped paths.

Two conditions. **Warm**: the queries back to back, so that our code and data stay in the CPU's
caches. **Cold**: between two queries, unrelated Python runs (parsing a mail header, a cookie,
decimals, a diff): it stands in for what aiohttp, TLS and the event loop run between two polls
over a network, and evicts our code and data from the caches as they do. Over real HTTPS
(``bench_query_cost.py``) our Python costs about what it costs cold here, three times what it
costs warm. Reported: the median over ``--repeats`` of CPU µs per query, and the extra over bare.

Run: ``.venv/bin/python tests/benchmarks/bench_query_floor.py`` (about a minute).
"""

from __future__ import annotations

import argparse
import asyncio
import decimal
import difflib
import email.parser
import http.cookies
import json
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import bench_query_instructions as canned  # the canned transport and answer, beside this file

CONTENDERS = ("bare", "engine floor", "floor + typed read", "hook.acall", "hook.aquery_iproduction_job")
ACTION = "QueryIProductionJob"


def unrelated_python() -> None:
    """Python the queries never run (what evicts their code and data between two polls)."""
    email.parser.Parser().parsestr("From: a@b\nTo: c@d\nSubject: x\n\nbody")
    http.cookies.SimpleCookie("a=1; b=2; c=3")
    decimal.Decimal("1.2345") * decimal.Decimal("6.789")
    list(difflib.ndiff(["a", "b", "c"], ["a", "c", "d"]))


async def engine_floors(hook: Any) -> dict[str, Callable[[str], Awaitable[Any]]]:
    """The two floors, on the hook's own engine, pace, lease and transport."""
    from airflow_ice.client.wire import signed_request
    from airflow_ice.families.iproduction import IPRODUCTION

    engine = await hook.aengine()
    lease = await engine.alease()
    shared = lease._held()
    gate, transport = shared.gate, shared.transport
    pace = engine._pace_of(ACTION)
    credentials = engine._credentials.get_credentials()
    config, limits = engine.config, engine._limits
    reader = IPRODUCTION.answer_reader

    async def answer(job_id: str) -> Any:
        pace.go_if_unpaced()
        request = signed_request(config, credentials, ACTION, {"JobId": job_id}, {})
        await gate.acquire()
        try:
            return request, await transport.send(request, limits)
        finally:
            gate.release()

    async def floor(job_id: str) -> Any:
        _, response = await answer(job_id)
        return json.loads(response.content)

    async def typed(job_id: str) -> Any:
        request, response = await answer(job_id)
        content = response.content
        if 200 <= response.status_code < 300 and request.scrub.vouches_for(content):
            job = reader(content)
            if job is not None:
                return job
        raise AssertionError("the canned answer is read from its bytes")

    return {"engine floor": floor, "floor + typed read": typed}


def timed(results: dict[str, list[float]], cold: bool) -> canned.Drive:
    async def drive(mode: str, queries: int, bare: Any, hook: Any, job_id: str) -> None:
        contenders = {
            "bare": bare,
            **(await engine_floors(hook)),
            "hook.acall": lambda job_id: hook.acall(ACTION, {"JobId": job_id}),
            "hook.aquery_iproduction_job": hook.aquery_iproduction_job,
        }
        query = contenders[mode]
        for _ in range(canned.WARM_UP):
            await query(job_id)
            if cold:
                unrelated_python()
        between = unrelated_python if cold else None
        started = time.process_time()
        for _ in range(queries):
            await query(job_id)
            if between is not None:
                between()
        results[mode].append((time.process_time() - started) / queries * 1e6)

    return drive


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--queries", type=int, default=2000, help="queries timed per contender and repeat")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    canned.use_canned_connection()
    before = os.getloadavg()
    table: dict[tuple[bool, str], float] = {}
    for cold in (False, True):
        results: dict[str, list[float]] = {mode: [] for mode in CONTENDERS}
        for _ in range(args.repeats):
            for mode in CONTENDERS:  # in turn: the machine's load weighs on each alike
                asyncio.run(canned.run(mode, args.queries, timed(results, cold)))
        for mode in CONTENDERS:
            table[cold, mode] = statistics.median(results[mode])
    after = os.getloadavg()
    print(f"load average before {before[0]:.2f}, after {after[0]:.2f} (CPU µs per query, median)")
    print(f"{'contender':<30}{'warm':>8}{'over bare':>11}{'cold':>8}{'over bare':>11}")
    for mode in CONTENDERS:
        row = f"{mode:<30}"
        for cold in (False, True):
            extra = table[cold, mode] - table[cold, "bare"]
            row += f"{table[cold, mode]:>8.1f}{extra:>11.1f}"
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
