"""The unsigned admin API under ``/_emulator`` (a path ICE never uses).

* ``GET /_emulator/health``: ``{"status": "ok", "actions": [...], "strict_placement": bool}``.
* ``GET /_emulator/jobs``: every job as the emulator holds it: ``[{"Action", "JobId", "Answer"
  (what its Get/Query answers now), "SubmitAnswerFault" (None, ``lose_response`` or
  ``unreadable_answer:<variant>``)}]``.
* ``GET /_emulator/clock``, ``POST /_emulator/clock`` with ``{"hold": true|false}``: hold the job
  clock (no job moves on) or let it go on; answers ``{"held": bool}``.
* ``GET /_emulator/seen-secrets``: ``{"signatures": [...], "security_tokens": [...]}`` of the
  authentic requests, for a test to search its logs for.
* ``GET /_emulator/counters``: requests per action, jobs submitted, faults, auth failures, errors.
* ``GET /_emulator/faults``: ``{"config": {...}, "scripted": [...]}``.
* ``POST /_emulator/faults``: JSON ``{<FaultConfig fields to change>, "scripted": [...],
  "clear_scripted": bool, "replace": bool}``; answers like GET. Invalid input: 422.
* ``POST /_emulator/reset``: forget jobs, counters and nonces; faults back to the start settings.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from airflow_ice.emulator.state import EmulatorState

UPDATE_OPTIONS = ("scripted", "clear_scripted", "replace")


def build_admin_app(state: EmulatorState) -> Starlette:
    """The Starlette app serving the admin routes for ``state``."""

    async def health(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "status": "ok",
                "actions": list(state.actions.actions),
                "strict_placement": state.strict_placement,
            }
        )

    async def jobs(request: Request) -> JSONResponse:
        return JSONResponse(state.job_report())

    async def get_clock(request: Request) -> JSONResponse:
        return JSONResponse({"held": state.job_clock.held})

    async def post_clock(request: Request) -> JSONResponse:
        try:
            update = json.loads(await request.body() or b"{}")
        except ValueError:
            update = None
        if not isinstance(update, dict) or not isinstance(update.get("hold"), bool):
            return JSONResponse(
                {"error": 'the body must be {"hold": true} or {"hold": false}'}, status_code=422
            )
        if update["hold"]:
            state.job_clock.hold()
        else:
            state.job_clock.release()
        return JSONResponse({"held": state.job_clock.held})

    async def seen_secrets(request: Request) -> JSONResponse:
        return JSONResponse(state.seen_secrets.snapshot())

    async def counters(request: Request) -> JSONResponse:
        return JSONResponse(state.counters.snapshot().to_dict())

    async def get_faults(request: Request) -> JSONResponse:
        return JSONResponse(state.fault_report())

    async def post_faults(request: Request) -> JSONResponse:
        try:
            update = json.loads(await request.body() or b"{}")
        except ValueError:
            return JSONResponse({"error": "the body must be a JSON object"}, status_code=422)
        if not isinstance(update, dict):
            return JSONResponse({"error": "the body must be a JSON object"}, status_code=422)
        changes: dict[str, Any] = {key: value for key, value in update.items() if key not in UPDATE_OPTIONS}
        try:
            state.update_faults(
                changes,
                scripted=update.get("scripted"),
                clear_scripted=bool(update.get("clear_scripted", False)),
                replace=bool(update.get("replace", False)),
            )
        except (ValidationError, TypeError, ValueError) as error:
            return JSONResponse({"error": str(error)}, status_code=422)
        return JSONResponse(state.fault_report())

    async def reset(request: Request) -> JSONResponse:
        state.reset()
        return JSONResponse({"status": "reset"})

    return Starlette(
        routes=[
            Route("/_emulator/health", health, methods=["GET"]),
            Route("/_emulator/counters", counters, methods=["GET"]),
            Route("/_emulator/faults", get_faults, methods=["GET"]),
            Route("/_emulator/faults", post_faults, methods=["POST"]),
            Route("/_emulator/reset", reset, methods=["POST"]),
            Route("/_emulator/jobs", jobs, methods=["GET"]),
            Route("/_emulator/clock", get_clock, methods=["GET"]),
            Route("/_emulator/clock", post_clock, methods=["POST"]),
            Route("/_emulator/seen-secrets", seen_secrets, methods=["GET"]),
        ]
    )
