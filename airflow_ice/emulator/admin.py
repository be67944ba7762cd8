"""The unsigned admin API under ``/_emulator`` (a path ICE never uses).

* ``GET /_emulator/health``: ``{"status": "ok", "actions": [...], "strict_placement": bool}``.
* ``GET /_emulator/jobs``: every job as the emulator holds it: ``[{"Action", "JobId", "Answer"
  (what its Get/Query answers now), "SubmitAnswerFault" (None, ``lose_response`` or
  ``unreadable_answer:<variant>``), "Reads" (media job families only: the Gets of the job
  answered, ``{"Running": n, "Finished": n}``)}]``.
* ``GET /_emulator/clock``, ``POST /_emulator/clock`` with ``{"hold": true|false}``: hold the job
  clock (no job moves on) or let it go on; answers ``{"held": bool}``.
* ``GET /_emulator/seen-secrets``: ``{"signatures": [...], "security_tokens": [...]}`` of the
  authentic requests, for a test to search its logs for.
* ``GET /_emulator/counters``: requests per action (and those answered 200), jobs submitted, faults,
  auth failures, errors.
* ``GET /_emulator/faults``: ``{"config": {...}, "scripted": [...]}``.
* ``POST /_emulator/faults``: JSON ``{<FaultConfig fields to change>, "scripted": [...],
  "clear_scripted": bool, "replace": bool}``; answers like GET. Invalid input: 422.
* ``POST /_emulator/reset``: forget jobs, counters and nonces; faults back to the start settings.

It holds the emulator's secrets and steers its faults, so it answers only its own: with an admin
token (required when the emulator does not listen on loopback), requests carrying
``Authorization: Bearer <token>``; without one, requests whose ``Host`` is a loopback address, so
that a web page whose name resolves to 127.0.0.1 (DNS rebinding) cannot reach it. Others get 401.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from airflow_ice.client.config import is_loopback
from airflow_ice.emulator.request import Receive, Scope, Send, decode_headers
from airflow_ice.emulator.state import EmulatorState

UPDATE_OPTIONS = ("scripted", "clear_scripted", "replace")


def admin_refusal(scope: Scope, admin_token: str | None) -> str | None:
    """Why an admin request may not be answered, or None when it may.

    :param scope: the request's ASGI scope.
    :param admin_token: the token required, or None (then only a loopback ``Host`` is answered).
    """
    headers = decode_headers(scope["headers"])
    if admin_token is not None:
        scheme, _, given = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), admin_token.encode()):
            return None
        return "the emulator's admin API needs its admin token: send 'Authorization: Bearer <token>'"
    try:
        host = urlsplit(f"//{headers.get('host', '')}").hostname
    except ValueError:
        host = None
    if is_loopback(host):
        return None
    return (
        "without an admin token the emulator's admin API answers only requests to a loopback host "
        "(127.0.0.1, ::1, localhost)"
    )


def build_admin_app(
    state: EmulatorState, admin_token: str | None = None
) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """The ASGI app serving the admin routes for ``state``, refusing others' requests.

    :param state: jobs, credentials, faults and counters.
    :param admin_token: the token requests must carry (``Authorization: Bearer``), or None to
        answer requests to a loopback ``Host`` only.
    """

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

    routes = Starlette(
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

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        refusal = admin_refusal(scope, admin_token) if scope["type"] == "http" else None
        if refusal is not None:
            response = JSONResponse(
                {"error": refusal}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
            await response(scope, receive, send)
            return
        await routes(scope, receive, send)

    return guarded
