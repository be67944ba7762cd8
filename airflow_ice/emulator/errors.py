"""ICE error answers as the emulator sends them: ``RequestId, HostId, Code, Message, Recommend``.

Handlers raise :class:`EmulatorApiError` (or :class:`EmulatorAuthError` for authentication
failures, which are counted apart); the app turns it into the JSON body and HTTP status ICE uses.
"""

from __future__ import annotations

import uuid
from typing import Any

HOST_ID = "ice.cn-shanghai.aliyuncs.com"
RECOMMEND_URL = "https://api.aliyun.com/troubleshoot?q={code}&product=ICE"


def new_request_id() -> str:
    """A request id in ICE's upper-case UUID form."""
    return str(uuid.uuid4()).upper()


class EmulatorApiError(Exception):
    """An ICE error answer.

    :param code: the ICE error code, e.g. ``InvalidParameter``.
    :param message: the human-readable message (never holds a secret).
    :param status: the HTTP status code.
    :param headers: extra response headers (e.g. ``x-acs-retry-after``).
    """

    def __init__(self, code: str, message: str, status: int = 400, headers: dict[str, str] | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.headers = headers or {}

    def body(self, request_id: str) -> dict[str, Any]:
        """The JSON body ICE sends for this error."""
        return {
            "RequestId": request_id,
            "HostId": HOST_ID,
            "Code": self.code,
            "Message": self.message,
            "Recommend": RECOMMEND_URL.format(code=self.code),
        }


class EmulatorAuthError(EmulatorApiError):
    """An authentication failure (bad key, signature, timestamp, nonce or token)."""


def missing_parameter(name: str) -> EmulatorApiError:
    """The gateway's answer to a missing mandatory parameter (``Missing<Name>``)."""
    return EmulatorApiError(f"Missing{name}", f"{name} is mandatory for this action.", 400)


def invalid_parameter(name: str, detail: str) -> EmulatorApiError:
    """A parameter with a value ICE does not accept."""
    return EmulatorApiError("InvalidParameter", f"The parameter {name} is invalid: {detail}", 400)


def unknown_api(action: str) -> EmulatorApiError:
    """The answer for an action ICE does not have."""
    return EmulatorApiError(
        "InvalidApi.NotFound",
        f"Specified api {action!r} is not found, please check your url and method.",
        404,
    )


def job_not_found(job_id: str) -> EmulatorApiError:
    """The answer for a job id that does not exist."""
    return EmulatorApiError("JobNotFound", f"The specified job {job_id!r} does not exist.", 404)


def internal_error() -> EmulatorApiError:
    """ICE's answer when something fails on its side."""
    return EmulatorApiError(
        "InternalError",
        "The request processing has failed due to some unknown error, exception or failure.",
        500,
    )


def service_unavailable() -> EmulatorApiError:
    """ICE's answer when it is temporarily unavailable."""
    return EmulatorApiError(
        "ServiceUnavailable", "The request has failed due to a temporary failure of the server.", 503
    )


def throttled(status: int = 400, retry_after_ms: int | None = None) -> EmulatorApiError:
    """ICE's flow-control answer (``Throttling.User``), for a scripted fault and the QPS limit alike.

    The code and message are what Alibaba Cloud's OpenAPI gateway answers when an account passes an
    action's limit (e.g. "Throttling.User: Request was denied due to user flow control." quoted in
    https://www.alibabacloud.com/help/doc-detail/98807.htm); the body is the gateway's error shape
    (RequestId, HostId, Code, Message, Recommend), as IMM documents it for the same gateway
    (https://www.alibabacloud.com/help/en/imm/developer-reference/error-handling-1). No page found
    gives the HTTP status: 400 (as the gateway's other client errors), or 429 (``throttle_status``);
    Alibaba's SDKs and this provider know throttling by its ``Code`` (or a 429) either way.
    """
    headers = {"x-acs-retry-after": str(retry_after_ms)} if retry_after_ms else {}
    return EmulatorApiError(
        "Throttling.User", "Request was denied due to user flow control.", status, headers=headers
    )
