"""Typed errors of airflow_ice, with messages that say what to check.

``IceApiError`` and its subclasses carry what ICE answered; :func:`api_error_from_response`
picks the subclass from the error code and HTTP status. None of them ever holds a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def sentence(text: str) -> str:
    """``text`` ending with one full stop: a cause quoted from elsewhere may already end with one."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


class IceError(Exception):
    """Base class of every airflow_ice error."""


class IceInvalidRequestError(IceError, ValueError):
    """Bad input caught before any request is sent (so before any paid job exists)."""


class IceConfigurationError(IceError, ValueError):
    """The Airflow connection is missing something or holds a value that cannot work."""


class IceCredentialsError(IceError):
    """No usable credentials: the source named in the message failed, and the message says why.

    Never holds a secret (no keys, tokens or credential-bearing response bodies).

    :param source: the credential source that failed (``access_key``, ``environment``,
        ``ram_role_arn``, ``oidc_role_arn``, ``ecs_ram_role``, or ``auto`` when none applied).
    :param reason: what went wrong and what to check.
    :param code: the error code STS or the metadata service answered, if any.
    """

    def __init__(self, source: str, reason: str, code: str | None = None) -> None:
        self.source = source
        self.reason = reason
        self.code = code
        super().__init__(f"Credentials from source {source!r} failed: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.source, self.reason, self.code))


class IceCredentialsUnavailableError(IceCredentialsError):
    """The credential service (STS, the ECS metadata service) could not be reached or failed on its
    side (network error, 5xx, throttling): transient, unlike a refused or misconfigured source."""


class IceResponseError(IceError):
    """ICE answered with something that is not the JSON shape this action returns.

    :param action: the API action called.
    :param detail: what was unexpected.
    :param raw: the raw body (truncated), kept so nothing is lost.
    """

    def __init__(self, action: str, detail: str, raw: str = "") -> None:
        self.action = action
        self.detail = detail
        self.raw = raw[:2000]
        super().__init__(f"{action}: unexpected response from ICE: {sentence(detail)} Raw body: {self.raw!r}")


class IceResponseTooLargeError(IceResponseError):
    """The answer is larger than the connection's ``max_response_bytes``; it was not read whole."""


class IceNetworkError(IceError):
    """No usable answer from ICE's endpoint: names the endpoint, the connection and what to check.

    :param endpoint: the base URL called.
    :param conn_id: the Airflow connection.
    :param cause: what happened, e.g. ``ConnectError: [Errno 111] Connection refused``.
    :param hint: what to check.
    """

    def __init__(self, endpoint: str, conn_id: str, cause: str, hint: str = "") -> None:
        self.endpoint = endpoint
        self.conn_id = conn_id
        self.cause = cause
        self.hint = hint
        super().__init__(self._text())

    def _text(self) -> str:
        return (
            f"{self.summary} ICE at {self.endpoint} (connection {self.conn_id!r}): {sentence(self.cause)}"
            + (f" {self.hint}" if self.hint else "")
        )

    summary = "No answer from"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.endpoint, self.conn_id, self.cause, self.hint))


class IceConnectError(IceNetworkError):
    """No connection to ICE's endpoint could be made, so nothing was sent (safe to retry)."""

    summary = "Cannot connect to"


class IceAnswerLostError(IceNetworkError):
    """The request was sent (or may have been) and no whole answer came back in time."""

    summary = "Lost the answer of"


class IceCallDeadlineError(IceError):
    """The deadline the call ran under (a trigger's) passed before ICE answered.

    :param action: the API action called.
    """

    def __init__(self, action: str) -> None:
        self.action = action
        super().__init__(f"{action}: the caller's deadline passed before ICE answered.")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.action,))


class IceOutcomeUnknownError(IceError):
    """A submit may or may not have created a (paid) job: the response was lost.

    Submits carry no idempotency token, so they are never retried blindly. Look the job up by its
    tag (``UserData``) in the ICE console before submitting again.

    :param action: the submit action.
    :param tag: the job's ``UserData`` tag, to find the job.
    :param cause: what happened (read timeout, dropped connection, HTTP 500, ...).
    """

    def __init__(self, action: str, tag: str | None, cause: str) -> None:
        self.action = action
        self.tag = tag
        self.cause = cause
        find = (
            f"Look for a job with UserData {tag!r} in the ICE console"
            if tag
            else "Look for the job in the ICE console (it carries no tag)"
        )
        super().__init__(
            f"{action}: outcome unknown after {sentence(cause)} ICE may have created the job, so it was NOT "
            f"resubmitted (a second submit could pay twice). {find}, or wait for it to finish, "
            "before submitting again."
        )


class IceApiError(IceError):
    """An error answer from ICE.

    :param code: ICE error code, e.g. ``InvalidParameter``.
    :param message: ICE's message.
    :param request_id: the request id, for Alibaba Cloud support.
    :param http_status: the HTTP status code.
    :param recommend: ICE's diagnosis link, when given.
    :param action: the API action called.
    :param retry_after: seconds the server asked to wait (``x-acs-retry-after``), if any.
    """

    hint = ""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        request_id: str | None = None,
        http_status: int | None = None,
        recommend: str | None = None,
        action: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.request_id = request_id
        self.http_status = http_status
        self.recommend = recommend
        self.action = action
        self.retry_after = retry_after
        super().__init__(self._text())

    def _text(self) -> str:
        where = f"{self.action} failed" if self.action else "ICE call failed"
        parts = [f"{where}: {self.code} (HTTP {self.http_status}): {self.message}"]
        hint = _hint_for(self.code) or self.hint
        if hint:
            parts.append(hint)
        if self.request_id:
            parts.append(f"RequestId {self.request_id}")
        if self.recommend:
            parts.append(f"see {self.recommend}")
        return ". ".join(part.rstrip(".") for part in parts) + "."

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep keyword-only attributes through pickling (Airflow may pickle exceptions).
        return (
            _rebuild_api_error,
            (
                type(self),
                self.code,
                self.message,
                {
                    "request_id": self.request_id,
                    "http_status": self.http_status,
                    "recommend": self.recommend,
                    "action": self.action,
                    "retry_after": self.retry_after,
                },
            ),
        )


def _rebuild_api_error(
    cls: type[IceApiError], code: str, message: str, kwargs: dict[str, Any]
) -> IceApiError:
    return cls(code, message, **kwargs)


class IceThrottlingError(IceApiError):
    """ICE throttled the call (``Throttling*``). Retried with backoff."""

    hint = "Too many requests: lower the parallelism (an Airflow pool or max_active_tasks)"


class IceServerError(IceApiError):
    """ICE failed on its side (HTTP 5xx). Queries are retried; submits are not after a 500."""

    hint = "ICE had a server-side error; it is usually transient"


class IceAuthError(IceApiError):
    """Authentication or permission failed. Never retried."""

    hint = "Check the connection's AccessKey ID and Secret"


class IceNotFoundError(IceApiError):
    """The job (or API) does not exist. Never retried."""

    hint = "Check the job id and that the connection points at the region where the job was submitted"


class IceInvalidParameterError(IceApiError):
    """ICE rejected a parameter. Never retried."""


_HINTS: tuple[tuple[str, str], ...] = (
    ("InvalidAccessKeyId", "Check the AccessKey ID in the connection (login field): ICE does not know it"),
    ("SignatureDoesNotMatch", "Check the AccessKey Secret in the connection (password field)"),
    ("IncompleteSignature", "Check the AccessKey Secret and the signature algorithm of the connection"),
    ("InvalidTimeStamp", "The machine's clock is more than 15 minutes off: check NTP and that it keeps UTC"),
    ("SignatureNonceUsed", "A signature nonce was reused: a request was replayed"),
    (
        "InvalidSecurityToken",
        "The STS security token is invalid or expired: refresh the temporary credentials",
    ),
    ("Forbidden", "The RAM user or role lacks permission for this action: grant it the ice:<Action> policy"),
    (
        "NoPermission",
        "The RAM user or role lacks permission for this action: grant it the ice:<Action> policy",
    ),
)


def _hint_for(code: str) -> str:
    for prefix, hint in _HINTS:
        if code.startswith(prefix):
            return hint
    return ""


def error_class_for(code: str, http_status: int | None) -> type[IceApiError]:
    """Map an ICE error code and HTTP status to the error class that says how to handle it."""
    if code.startswith("Throttling") or http_status == 429:
        return IceThrottlingError
    if any(code.startswith(prefix) for prefix, _ in _HINTS):
        return IceAuthError
    if code.startswith("InvalidApi") or "NotFound" in code or "NotExist" in code or http_status == 404:
        return IceNotFoundError
    if http_status is not None and http_status >= 500:
        return IceServerError
    if http_status in (401, 403):
        return IceAuthError
    return IceInvalidParameterError


def api_error_from_response(
    body: Mapping[str, Any] | None,
    http_status: int,
    *,
    action: str | None = None,
    retry_after: float | None = None,
) -> IceApiError:
    """Build the typed error for an ICE error body (``RequestId, HostId, Code, Message, Recommend``)."""
    body = body or {}
    code = str(body.get("Code") or body.get("code") or f"HTTP{http_status}")
    message = str(body.get("Message") or body.get("message") or "no message")
    request_id = body.get("RequestId") or body.get("requestId")
    recommend = body.get("Recommend")
    cls = error_class_for(code, http_status)
    return cls(
        code,
        message,
        request_id=str(request_id) if request_id else None,
        http_status=http_status,
        recommend=str(recommend) if recommend else None,
        action=action,
        retry_after=retry_after,
    )
