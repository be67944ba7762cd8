"""Thread-safe counters of what the emulator saw and did, so tests can prove, e.g., that a submit
was not sent twice."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CounterSnapshot:
    """A copy of the counters at one moment. Missing keys read as 0 (they are ``Counter`` objects).

    :param requests: API requests received, per action (faulted and rejected ones included).
    :param answered: of those, the ones the action processed and answered HTTP 200, per action (an
        answer then lost or garbled by a fault included: the action ran).
    :param jobs_submitted: jobs created, per submit action.
    :param faults: injected faults, per kind (``unavailable``, ``throttling``, ``drop``,
        ``lose_response``, ``internal_error``, ``latency``, ``qps_limited``).
    :param signatures: accepted authentications, per signature algorithm.
    :param auth_failures: rejected authentications, per ICE error code.
    :param errors: other ICE errors answered (parameter errors, unknown jobs or actions), per code.
    :param unexpected_errors: exceptions inside the emulator, answered as ``InternalError``.
    """

    requests: Counter[str] = field(default_factory=Counter)
    answered: Counter[str] = field(default_factory=Counter)
    jobs_submitted: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    signatures: Counter[str] = field(default_factory=Counter)
    auth_failures: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    unexpected_errors: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        return {
            "requests": dict(self.requests),
            "answered": dict(self.answered),
            "jobs_submitted": dict(self.jobs_submitted),
            "faults": dict(self.faults),
            "signatures": dict(self.signatures),
            "auth_failures": dict(self.auth_failures),
            "errors": dict(self.errors),
            "unexpected_errors": self.unexpected_errors,
        }


class EmulatorCounters:
    """The live counters; every method is thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._answered: Counter[str] = Counter()
        self._jobs: Counter[str] = Counter()
        self._faults: Counter[str] = Counter()
        self._signatures: Counter[str] = Counter()
        self._auth: Counter[str] = Counter()
        self._errors: Counter[str] = Counter()
        self._unexpected = 0

    def request(self, action: str) -> None:
        """Count one API request for ``action``."""
        with self._lock:
            self._requests[action] += 1

    def answered(self, action: str) -> None:
        """Count one request for ``action`` that the action processed and answered HTTP 200."""
        with self._lock:
            self._answered[action] += 1

    def job_submitted(self, action: str) -> None:
        """Count one job created by ``action``."""
        with self._lock:
            self._jobs[action] += 1

    def fault(self, kind: str) -> None:
        """Count one injected fault of ``kind``."""
        with self._lock:
            self._faults[kind] += 1

    def authenticated(self, algorithm: str) -> None:
        """Count one accepted authentication with ``algorithm``."""
        with self._lock:
            self._signatures[algorithm] += 1

    def auth_failure(self, code: str) -> None:
        """Count one rejected authentication."""
        with self._lock:
            self._auth[code] += 1

    def error(self, code: str) -> None:
        """Count one ICE error answered (not injected, not authentication)."""
        with self._lock:
            self._errors[code] += 1

    def unexpected_error(self) -> None:
        """Count one unexpected exception."""
        with self._lock:
            self._unexpected += 1

    def snapshot(self) -> CounterSnapshot:
        """A consistent copy of every counter."""
        with self._lock:
            return CounterSnapshot(
                requests=Counter(self._requests),
                answered=Counter(self._answered),
                jobs_submitted=Counter(self._jobs),
                faults=Counter(self._faults),
                signatures=Counter(self._signatures),
                auth_failures=Counter(self._auth),
                errors=Counter(self._errors),
                unexpected_errors=self._unexpected,
            )

    def clear(self) -> None:
        """Set every counter back to zero."""
        with self._lock:
            for counter in (
                self._requests,
                self._answered,
                self._jobs,
                self._faults,
                self._signatures,
                self._auth,
                self._errors,
            ):
                counter.clear()
            self._unexpected = 0
