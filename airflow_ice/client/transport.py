"""What the engine asks of a transport, and the two ways a send can fail.

A transport sends one :class:`~airflow_ice.client.wire.WireRequest` and returns the whole
answer within :class:`AnswerLimits`: one deadline for connect, headers and body together, and a
size cap enforced while reading. It says how a send failed with :class:`TransportFailure`, whose
:class:`FailureKind` is what the retry rules depend on: whether the request can have reached ICE.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from airflow_ice.client.wire import WireRequest, WireResponse

# Seconds allowed for opening a connection (the request timeout may be longer).
MAX_CONNECT_TIMEOUT = 10.0
# Bytes read from the socket at a time when the length of an answer is not known in advance.
READ_CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class AnswerLimits:
    """The bounds of one attempt.

    :param timeout: seconds for the whole answer: connecting, sending, headers and body.
    :param max_bytes: the largest body read; a larger one is refused before it is read whole.
    """

    timeout: float
    max_bytes: int

    @property
    def connect_timeout(self) -> float:
        """Seconds allowed for opening a connection (within :attr:`timeout`)."""
        return min(self.timeout, MAX_CONNECT_TIMEOUT)


class FailureKind(enum.Enum):
    """How a send failed."""

    NOT_SENT = "not sent"
    """No connection was made (refused, DNS, TLS handshake, connect timeout): nothing reached ICE."""
    LOST = "lost"
    """The request was (or may have been) sent, and no whole answer came in time."""
    TOO_LARGE = "too large"
    """The answer is larger than :attr:`AnswerLimits.max_bytes`."""


class TransportFailure(Exception):
    """A send that did not produce a whole answer.

    :param kind: whether the request can have reached ICE.
    :param detail: what happened, e.g. ``ConnectError: [Errno 111] Connection refused``.
    """

    def __init__(self, kind: FailureKind, detail: str) -> None:
        self.kind = kind
        self.detail = detail
        super().__init__(f"{kind.value}: {detail}")


class AsyncTransport(Protocol):
    """Sends signed requests from an event loop (one per shared client)."""

    async def send(self, request: WireRequest, limits: AnswerLimits) -> WireResponse:
        """Send ``request`` and return its whole answer within ``limits``.

        :raises TransportFailure: no whole answer (its kind says whether ICE can have acted).
        """
        ...

    async def aclose(self) -> None:
        """Close the connections."""
        ...


class SyncTransport(Protocol):
    """Sends signed requests from a thread (one per hook)."""

    def send(self, request: WireRequest, limits: AnswerLimits) -> WireResponse:
        """Send ``request`` and return its whole answer within ``limits``.

        :raises TransportFailure: no whole answer (its kind says whether ICE can have acted).
        """
        ...

    def close(self) -> None:
        """Close the connections."""
        ...


def describe_exception(exc: BaseException) -> str:
    """``Type: message`` of a library's exception, for :attr:`TransportFailure.detail`."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def too_large(max_bytes: int, length: int | None = None) -> TransportFailure:
    """The failure for an answer over the cap (``length`` when announced by Content-Length)."""
    said = f"announced {length} bytes" if length is not None else "sent more bytes"
    return TransportFailure(
        FailureKind.TOO_LARGE,
        f"the answer {said}, over max_response_bytes={max_bytes}; it was not read whole",
    )


__all__ = [
    "MAX_CONNECT_TIMEOUT",
    "READ_CHUNK_BYTES",
    "AnswerLimits",
    "AsyncTransport",
    "FailureKind",
    "SyncTransport",
    "TransportFailure",
    "describe_exception",
    "too_large",
]
