"""The signatures and STS tokens of authentic requests, kept so a test can search its logs and
databases for them (``GET /_emulator/seen-secrets``): a client that logs a request's signature or
token leaks something an attacker can replay within its validity."""

from __future__ import annotations

import threading

from airflow_ice.emulator.request import IncomingRequest

# Enough for a deployment test's ~20,000 requests; beyond it new signatures are not kept.
DEFAULT_CAPACITY = 200_000


def request_signature(request: IncomingRequest) -> str | None:
    """The signature a request carries: V3's ``Signature=`` of the Authorization header, or V1's
    ``Signature`` query parameter."""
    authorization = request.headers.get("authorization", "")
    _, found, rest = authorization.partition("Signature=")
    if found:
        return rest.split(",", 1)[0].strip() or None
    return request.query.get("Signature") or None


def request_security_token(request: IncomingRequest) -> str | None:
    """The STS token a request carries (V3 header or V1 ``SecurityToken`` parameter)."""
    return request.headers.get("x-acs-security-token") or request.query.get("SecurityToken") or None


class SeenSecrets:
    """Signatures and STS tokens of authentic requests; thread-safe, bounded.

    :param capacity: the most signatures kept.
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._capacity = capacity
        self._lock = threading.Lock()
        self._signatures: set[str] = set()
        self._tokens: set[str] = set()

    def add(self, request: IncomingRequest) -> None:
        """Keep what an authentic ``request`` carried."""
        signature, token = request_signature(request), request_security_token(request)
        with self._lock:
            if signature and len(self._signatures) < self._capacity:
                self._signatures.add(signature)
            if token:
                self._tokens.add(token)

    def snapshot(self) -> dict[str, list[str]]:
        """``{"signatures": [...], "security_tokens": [...]}``, sorted."""
        with self._lock:
            return {"signatures": sorted(self._signatures), "security_tokens": sorted(self._tokens)}

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._signatures.clear()
            self._tokens.clear()
