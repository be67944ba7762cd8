"""What an attempt's answer (or its failure) means: the one place every call's outcome is decided.

Every attempt ends in one of three outcomes:

- **refused**: ICE surely did not act. A well-formed ICE error answer (a JSON object with a
  ``Code``; a 5xx one also with a ``RequestId``), any 4xx, or a failure before a byte was sent
  (no connection, credentials unavailable). Retried when asking again can succeed: throttling,
  ``ServiceUnavailable`` (503), no connection.
- **done**: a 2xx JSON object that passes the action's check (a submit's ``JobId``); for a read
  with an :data:`AnswerReader`, also a 2xx answer whose bytes that reader makes into its result.
- **unknown**: anything else once the request may have reached ICE: read timeout, dropped
  connection, an answer over the size cap, a 5xx without a well-formed ICE body (or any 5xx but
  503: ICE failed while handling it), a 2xx that is unreadable or fails the check, and whatever
  reading, decoding or checking an answer raises (JSON nested past the decoder's recursion limit,
  memory, the check itself failing): :func:`judge_answer` never raises. Retried only for
  idempotent actions; for the others it becomes :class:`~airflow_ice.errors.IceOutcomeUnknownError`,
  which nothing retries.

Text kept from an answer (messages, raw bodies) is scrubbed of the request's secrets and its URLs unsigned
first (:meth:`~airflow_ice.client.redaction.Scrubber.shown`).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from airflow_ice.client.redaction import Scrubber
from airflow_ice.client.transport import FailureKind, TransportFailure
from airflow_ice.client.wire import (
    BodyTooLarge,
    TooDeepBody,
    UnreadableBody,
    WireResponse,
    body_text,
    decoded_content,
    json_body,
    retry_after_seconds,
)
from airflow_ice.errors import (
    IceAnswerLostError,
    IceConnectError,
    IceError,
    IceOutcomeUnknownError,
    IceResponseError,
    IceResponseTooLargeError,
    IceThrottlingError,
    api_error_from_response,
)

AnswerCheck = Callable[[Mapping[str, Any]], "str | None"]
"""What is wrong with a 2xx JSON answer for its action (e.g. ``the answer has no JobId``), or None."""

ReadT = TypeVar("ReadT")
AnswerReader = Callable[[bytes], "ReadT | None"]
"""Makes a 2xx answer's JSON bytes into what the caller wants (a job model) in one strict pass, or
declines with None: the answer is then decoded and judged as any other. A reader takes only a JSON
object that the decoded path would call done too, and makes of it what the caller would have
made of the decoded object (see :meth:`~airflow_ice.models.lenient.FieldReadJobModel.read_answer`)."""

# Characters of an unusable body kept in an error.
RAW_CHARS = 500
_DNS_FAILURES = ("name or service not known", "nodename nor servname", "getaddrinfo", "name resolution")


class Outcome(enum.Enum):
    """What an attempt says about the request."""

    REFUSED = "refused"
    """ICE surely did not act on it."""
    DONE = "done"
    """ICE acted on it and its answer validates."""
    UNKNOWN = "unknown"
    """ICE may have acted on it; the answer is lost or unusable."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where a call goes, for messages.

    :param base_url: the endpoint.
    :param conn_id: the Airflow connection.
    :param region: the connection's region.
    :param explicit: whether the endpoint was set explicitly (else it comes from the region).
    """

    base_url: str
    conn_id: str
    region: str
    explicit: bool


class Verdict(NamedTuple):
    """One attempt's outcome (made once per attempt: a named tuple, quicker to make than a frozen
    dataclass).

    :param outcome: refused, done or unknown.
    :param answer: the JSON answer (done only).
    :param error: what went wrong (refused and unknown).
    :param retryable: for refused: whether asking again can succeed.
    :param throttled: ICE throttled the call (its adaptive pace slows down; see
        :mod:`airflow_ice.client.adaptive_rate`).
    :param source: for done: the body the answer was decoded from straight as JSON text (None when
        it was read through a declared charset), which tells the scrubber whether to look further
        (:meth:`~airflow_ice.client.redaction.Scrubber.in_json_value`).
    :param made: for done: what the call's :data:`AnswerReader` made of the answer's bytes (then
        ``answer`` is None: nothing was decoded).
    """

    outcome: Outcome
    answer: dict[str, Any] | None = None
    error: IceError | None = None
    retryable: bool = False
    throttled: bool = False
    source: bytes | None = None
    made: Any = None

    def may_retry(self, idempotent: bool) -> bool:
        """Whether another attempt is allowed: a retryable refusal, or an unknown idempotent call."""
        if self.outcome is Outcome.REFUSED:
            return self.retryable
        return self.outcome is Outcome.UNKNOWN and idempotent

    def error_for(self, action: str, idempotent: bool, tag: str | None) -> IceError:
        """The error the caller gets once no attempt is left (outcome unknown for a submit)."""
        assert self.error is not None, "a done verdict has no error"
        if self.outcome is Outcome.UNKNOWN and not idempotent:
            return IceOutcomeUnknownError(action, tag, str(self.error))
        return self.error


def refused(error: IceError, *, retryable: bool) -> Verdict:
    """A refusal (e.g. credentials unavailable before anything was sent)."""
    return Verdict(Outcome.REFUSED, error=error, retryable=retryable)


def throttled(error: IceThrottlingError) -> Verdict:
    """ICE throttled the call: refused, and worth asking again once its pace allows."""
    return Verdict(Outcome.REFUSED, error=error, retryable=True, throttled=True)


def judge_answer(
    action: str,
    response: WireResponse,
    scrub: Scrubber,
    max_bytes: int,
    check: AnswerCheck | None,
    read: AnswerReader[Any] | None = None,
) -> Verdict:
    """The outcome of an attempt that got a whole HTTP answer. Never raises: the request reached
    ICE, so an answer that cannot be read or judged, whatever the exception, is unknown.

    :param read: for a call without a check: makes a 2xx answer's bytes into its result, when they
        hold nothing to scrub (:meth:`~airflow_ice.client.redaction.Scrubber.vouches_for`).
    """
    try:
        return _judged_answer(action, response, scrub, max_bytes, check, read)
    except Exception as exc:  # the one place where any failure to judge an answer becomes unknown
        detail = scrub.shown(f"the answer could not be read or checked ({type(exc).__name__}: {exc})")
        return Verdict(Outcome.UNKNOWN, error=IceResponseError(action, detail[:RAW_CHARS]))


def _judged_answer(
    action: str,
    response: WireResponse,
    scrub: Scrubber,
    max_bytes: int,
    check: AnswerCheck | None,
    read: AnswerReader[Any] | None,
) -> Verdict:
    try:
        content = decoded_content(response, max_bytes)
    except BodyTooLarge as exc:
        return Verdict(Outcome.UNKNOWN, error=IceResponseTooLargeError(action, str(exc)))
    except UnreadableBody as exc:
        return Verdict(Outcome.UNKNOWN, error=IceResponseError(action, str(exc)))
    status = response.status_code
    if read is not None and check is None and 200 <= status < 300 and scrub.vouches_for(content):
        # The commonest answer, a job read in one strict pass with nothing decoded here: it is a
        # JSON object that this function would call done, and none of its strings holds a secret.
        made = read(content)
        if made is not None:
            return Verdict(Outcome.DONE, made=made)
    content_type = response.headers.get("content-type")
    unreadable: str | None = None
    try:
        data, straight = json_body(content, content_type)
    except TooDeepBody as exc:
        data, straight, unreadable = None, False, str(exc)
    if status >= 400:
        return _judge_error_answer(
            action, response, data, scrub.shown(body_text(content, content_type)), scrub
        )
    if not 200 <= status < 300:
        detail = f"HTTP {status} {response.reason_phrase} is not an ICE answer; check the endpoint"
        return _unusable(action, detail, scrub.shown(body_text(content, content_type)))
    if not isinstance(data, dict):
        what = "an empty body" if not content else f"{type(data).__name__ if data is not None else 'no JSON'}"
        detail = f"expected a JSON object, got {unreadable or what} (HTTP {status})"
        return _unusable(action, detail, scrub.shown(body_text(content, content_type)))
    problem = check(data) if check is not None else None
    if problem is not None:
        # The text as received: the decoded object may nest too deeply to encode again.
        return _unusable(action, problem, scrub.shown(body_text(content, content_type)))
    return Verdict(Outcome.DONE, answer=data, source=content if straight else None)


def _unusable(action: str, detail: str, raw: str) -> Verdict:
    return Verdict(Outcome.UNKNOWN, error=IceResponseError(action, detail, raw[:RAW_CHARS]))


def _judge_error_answer(
    action: str, response: WireResponse, data: Any, text: str, scrub: Scrubber
) -> Verdict:
    status = response.status_code
    retry_after = retry_after_seconds(response.headers)
    is_ice_error = isinstance(data, dict) and isinstance(data.get("Code") or data.get("code"), str)
    if is_ice_error:
        # Scrubbed in its JSON text, where a secret echoed in any field is found in one pass.
        body = json.loads(scrub.shown(json.dumps(data, ensure_ascii=False)))
    else:
        body = {"Message": text[:RAW_CHARS] or response.reason_phrase}
    error = api_error_from_response(body, status, action=action, retry_after=retry_after)
    is_throttling = isinstance(error, IceThrottlingError)
    if status < 500:
        # The server (ICE or a gateway in front of it) refused the request.
        return throttled(error) if isinstance(error, IceThrottlingError) else refused(error, retryable=False)
    well_formed = is_ice_error and bool(body.get("RequestId") or body.get("requestId"))
    if status == 503 and well_formed:
        return Verdict(Outcome.REFUSED, error=error, retryable=True, throttled=is_throttling)
    # ICE failed while handling it, or something else answered: it may have acted. (A Throttling
    # code still slows the action's pace.)
    return Verdict(Outcome.UNKNOWN, error=error, throttled=is_throttling)


def judge_failure(action: str, failure: TransportFailure, endpoint: Endpoint) -> Verdict:
    """The outcome of an attempt that got no whole answer."""
    if failure.kind is FailureKind.NOT_SENT:
        error = IceConnectError(
            endpoint.base_url, endpoint.conn_id, failure.detail, _connect_hint(failure, endpoint)
        )
        return refused(error, retryable=True)
    if failure.kind is FailureKind.TOO_LARGE:
        return Verdict(Outcome.UNKNOWN, error=IceResponseTooLargeError(action, failure.detail))
    hint = f"The connection's timeout bounds each attempt's whole answer; ICE may have received {action}."
    return Verdict(
        Outcome.UNKNOWN, error=IceAnswerLostError(endpoint.base_url, endpoint.conn_id, failure.detail, hint)
    )


def _connect_hint(failure: TransportFailure, endpoint: Endpoint) -> str:
    where = "the endpoint extra" if endpoint.explicit else f"the region ({endpoint.region!r})"
    if "certificate" in failure.detail.lower():
        return (
            "The server's TLS certificate is not trusted: give the CA that signed it in the connection's "
            "ca_bundle extra (verify=false only for a local test emulator)."
        )
    if any(marker in failure.detail.lower() for marker in _DNS_FAILURES):
        return (
            f"The host name does not resolve: check {where} of the connection, and this machine's DNS "
            "(a VPC endpoint 'ice-vpc.<region>.aliyuncs.com' resolves only inside Alibaba Cloud)."
        )
    return (
        f"Check {where} of the connection, that this machine can reach it (proxy variables, firewall), "
        "and for a local emulator that it is running on that port."
    )


__all__ = [
    "AnswerCheck",
    "AnswerReader",
    "Endpoint",
    "Outcome",
    "Verdict",
    "judge_answer",
    "judge_failure",
    "refused",
    "throttled",
]
