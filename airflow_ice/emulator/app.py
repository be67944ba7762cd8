"""The emulator's ASGI application: ICE's ``POST /`` RPC endpoint plus the ``/_emulator`` admin API.

The API path is plain ASGI (no per-request framework objects) to stay fast; the admin routes are
a small Starlette app. To drop a connection the app returns :data:`DROP_CONNECTION` without
starting a response: uvicorn then closes the socket, so the client sees a real network failure
(httpx raises ``RemoteProtocolError``) rather than an HTTP error.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any

from airflow_ice.emulator.admin import build_admin_app
from airflow_ice.emulator.errors import (
    EmulatorApiError,
    EmulatorAuthError,
    internal_error,
    missing_parameter,
    new_request_id,
    service_unavailable,
    throttled,
)
from airflow_ice.emulator.faults import job_id_holder, job_id_name, with_unreadable_job_id
from airflow_ice.emulator.limits import (
    DEFAULT_MAX_BODY_BYTES,
    BodyTooLarge,
    ClientGone,
    read_limited_body,
    replaying,
    send_too_large,
)
from airflow_ice.emulator.metadata import PREFIX as METADATA_PREFIX
from airflow_ice.emulator.metadata import build_metadata_app
from airflow_ice.emulator.placement import check_placement
from airflow_ice.emulator.presigned_urls import UrlPresigner
from airflow_ice.emulator.request import IncomingRequest, Receive, Scope, Send, incoming_request
from airflow_ice.emulator.state import EmulatorState

ADMIN_PREFIX = "/_emulator"
# Returned instead of a response: uvicorn closes the connection without sending a byte.
DROP_CONNECTION = "airflow-ice-emulator: connection dropped on purpose"

logger = logging.getLogger(__name__)


async def send_json(send: Send, status: int, payload: dict[str, Any], headers: dict[str, str]) -> None:
    """Send one complete JSON response."""
    await send_bytes(send, status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), headers)


async def send_bytes(
    send: Send,
    status: int,
    body: bytes,
    headers: dict[str, str],
    content_type: bytes = b"application/json;charset=utf-8",
) -> None:
    """Send one complete response with ``body`` as it is."""
    raw_headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode("ascii")),
    ]
    raw_headers.extend((name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items())
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


def unreadable_body(variant: str, action: str, payload: dict[str, Any]) -> tuple[bytes, bytes]:
    """``(body, content type)`` of a 200 answer to ``action`` the client cannot read, for ``payload``."""
    json_type = b"application/json;charset=utf-8"
    if variant == "not_json":
        return b"<html><body>Service is busy</body></html>", b"text/html;charset=utf-8"
    if variant == "empty":
        return b"", json_type
    text = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    if variant == "truncated":
        return text[: len(text) // 2], json_type
    return json.dumps(with_unreadable_job_id(action, payload, variant)).encode("utf-8"), json_type


def submitted_job_id(action: str, payload: Mapping[str, Any]) -> Any:
    """The job id of a submit's answer: ``JobId``, or that of the job it nests (``Job`` of
    SubmitMediaConvertJob, ``MediaInfoJob`` of SubmitMediaInfoJob, ``TranscodeParentJob.ParentJobId``
    of SubmitTranscodeJob)."""
    return job_id_holder(action, payload).get(job_id_name(action))


class EmulatorApp:
    """ASGI app answering like ICE, with faults, for one :class:`EmulatorState`.

    Every request's body is read first, within ``max_body_bytes``
    (:func:`~airflow_ice.emulator.limits.read_limited_body`): a larger one is answered 413, and a
    request whose client left before its body arrived whole is not processed.

    :param state: jobs, credentials, faults and counters.
    :param max_body_bytes: the largest request body read.
    :param admin_token: the token the admin API requires (see :func:`build_admin_app`), or None.
    """

    def __init__(
        self,
        state: EmulatorState,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        admin_token: str | None = None,
    ) -> None:
        self.state = state
        self.max_body_bytes = max_body_bytes
        self.admin = build_admin_app(state, admin_token)
        self.metadata = build_metadata_app(lambda: state.sts.settings, state.temporary_keys, state.counters)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> str | None:
        if scope["type"] != "http":
            await self.admin(scope, receive, send)
            return None
        try:
            body = await read_limited_body(scope, receive, self.max_body_bytes)
        except BodyTooLarge:
            self.state.counters.error("RequestEntityTooLarge")
            await send_too_large(send, self.max_body_bytes)
            return None
        except ClientGone:
            return None
        if scope["path"].startswith(METADATA_PREFIX):
            await self.metadata(scope, replaying(body, receive), send)
            return None
        if scope["path"].startswith(ADMIN_PREFIX):
            await self.admin(scope, replaying(body, receive), send)
            return None
        return await self.handle_api(scope, body, send)

    async def handle_api(self, scope: Scope, body: bytes, send: Send) -> str | None:
        """One ICE API call: faults, authentication, the action, then the answer (or no answer)."""
        state = self.state
        request = incoming_request(scope, body)
        action = request.action
        state.counters.request(action)
        plan = state.faults.plan(action, request.params())
        if plan.delay_seconds:
            state.counters.fault("latency")
            await asyncio.sleep(plan.delay_seconds)
        if plan.reject == "drop":
            state.counters.fault("drop")
            return DROP_CONNECTION
        request_id = new_request_id()
        status, payload, headers = self._answer(request, action, plan.reject, request_id)
        if status == 200:
            state.counters.answered(action)
        job_id = submitted_job_id(action, payload) if status == 200 else None
        if plan.lose_response:
            state.counters.fault("lose_response")
            if isinstance(job_id, str):
                state.answer_fault(job_id, "lose_response")
            return DROP_CONNECTION
        headers["x-acs-request-id"] = request_id
        if plan.unreadable is not None and status == 200:
            state.counters.fault("unreadable_answer")
            if isinstance(job_id, str):
                state.answer_fault(job_id, f"unreadable_answer:{plan.unreadable}")
            body, content_type = unreadable_body(plan.unreadable, action, payload)
            await send_bytes(send, status, body, headers, content_type)
            return None
        await send_json(send, status, payload, headers)
        return None

    def _answer(
        self, request: IncomingRequest, action: str, fault: str | None, request_id: str
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        state = self.state
        if fault is not None:
            state.counters.fault(fault)
            injected = self._fault_error(fault)
            return injected.status, injected.body(request_id), dict(injected.headers)
        try:
            if not action:
                raise missing_parameter("Action")
            if state.sts.answers(action):
                # STS has its own API version and an anonymous action: it authenticates itself.
                body = state.sts.dispatch(action, request)
            else:
                state.counters.authenticated(state.authenticator.verify(request))
                state.seen_secrets.add(request)
                if state.strict_placement:
                    check_placement(action, request)
                body = state.actions.dispatch(action, request.params())
                if state.presign_output_urls:
                    credentials = state.authenticator.credentials
                    presigner = UrlPresigner(
                        credentials.access_key_id, credentials.access_key_secret, request
                    )
                    body = presigner.answer(body)
            return 200, {"RequestId": request_id, **body}, {}
        except EmulatorAuthError as error:
            state.counters.auth_failure(error.code)
            return error.status, error.body(request_id), dict(error.headers)
        except EmulatorApiError as error:
            state.counters.error(error.code)
            return error.status, error.body(request_id), dict(error.headers)
        except Exception:
            # A bug in the emulator must still look like ICE to the client.
            logger.exception("ICE emulator failed on %s", action)
            state.counters.unexpected_error()
            failure = internal_error()
            return failure.status, failure.body(request_id), {}

    def _fault_error(self, fault: str) -> EmulatorApiError:
        config = self.state.faults.config
        if fault in ("throttling", "qps_limited"):
            return throttled(config.throttle_status, config.retry_after_ms)
        if fault == "unavailable":
            return service_unavailable()
        return internal_error()
