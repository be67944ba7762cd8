"""The ECS instance metadata service's RAM-role routes (served under ``/latest/``).

* ``PUT /latest/api/token`` with ``X-aliyun-ecs-metadata-token-ttl-seconds: 1..21600``: an IMDSv2
  session token (text).
* ``GET /latest/meta-data/ram/security-credentials/``: the attached role's name (text).
* ``GET /latest/meta-data/ram/security-credentials/<role>``: ``{"Code": "Success", "AccessKeyId",
  "AccessKeySecret", "SecurityToken", "Expiration", "LastUpdated"}``; an unknown role is a 404.

Reads carry the session token in ``X-aliyun-ecs-metadata-token``; without one they are answered
(IMDSv1) unless the service runs in hardened mode (``metadata_token_required``): then 401. A
wrong or expired token is always a 401. Requests are counted as ``MetadataToken``,
``MetadataRoleName`` and ``MetadataCredentials``.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from airflow_ice.emulator.actions.base import format_time
from airflow_ice.emulator.counters import EmulatorCounters
from airflow_ice.emulator.temporary_keys import StsSettings, TemporaryKeyStore

PREFIX = "/latest/"
TOKEN_TTL_HEADER = "x-aliyun-ecs-metadata-token-ttl-seconds"
TOKEN_HEADER = "x-aliyun-ecs-metadata-token"
MAX_TOKEN_TTL = 21600


class SessionTokens:
    """IMDSv2 session tokens with their expiry (emulator clock).

    :param clock: seconds since the epoch.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self, ttl: int) -> str:
        """A new token valid for ``ttl`` seconds."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            for stale in [key for key, until in self._expiry.items() if until <= now]:
                del self._expiry[stale]
            self._expiry[token] = now + ttl
        return token

    def valid(self, token: str) -> bool:
        """Whether ``token`` was issued and has not expired."""
        until = self._expiry.get(token)
        return until is not None and self._clock() < until


def build_metadata_app(
    settings: Callable[[], StsSettings], keys: TemporaryKeyStore, counters: EmulatorCounters
) -> Starlette:
    """The metadata routes.

    :param settings: the current STS settings (role name, lifetime, hardened mode).
    :param keys: where issued keys go.
    :param counters: where requests are counted.
    """
    tokens = SessionTokens(keys.clock)

    def refused(request: Request) -> Response | None:
        token = request.headers.get(TOKEN_HEADER)
        if token is None:
            if settings().metadata_token_required:
                return PlainTextResponse("Unauthorized: an IMDSv2 session token is required", status_code=401)
            return None
        if not tokens.valid(token):
            return PlainTextResponse("Unauthorized: invalid or expired session token", status_code=401)
        return None

    async def token(request: Request) -> Response:
        counters.request("MetadataToken")
        raw = request.headers.get(TOKEN_TTL_HEADER, "")
        try:
            ttl = int(raw)
        except ValueError:
            ttl = 0
        if not 1 <= ttl <= MAX_TOKEN_TTL:
            return PlainTextResponse(
                f"Bad Request: {TOKEN_TTL_HEADER} must be 1 to {MAX_TOKEN_TTL}", status_code=400
            )
        return PlainTextResponse(tokens.issue(ttl))

    async def role_name(request: Request) -> Response:
        counters.request("MetadataRoleName")
        return refused(request) or PlainTextResponse(settings().ecs_role_name)

    async def credentials(request: Request) -> Response:
        counters.request("MetadataCredentials")
        rejection = refused(request)
        if rejection is not None:
            return rejection
        current = settings()
        role = request.path_params["role"]
        if role != current.ecs_role_name:
            return PlainTextResponse("Not Found", status_code=404)
        key = keys.issue(current.token_seconds, f"ecs-role/{role}")
        return JSONResponse(
            {
                "AccessKeyId": key.access_key_id,
                "AccessKeySecret": key.access_key_secret,
                "Expiration": format_time(key.expiration),
                "SecurityToken": key.security_token,
                "LastUpdated": format_time(keys.clock()),
                "Code": "Success",
            }
        )

    return Starlette(
        routes=[
            Route("/latest/api/token", token, methods=["PUT"]),
            Route("/latest/meta-data/ram/security-credentials/", role_name, methods=["GET"]),
            Route("/latest/meta-data/ram/security-credentials/{role}", credentials, methods=["GET"]),
        ]
    )
