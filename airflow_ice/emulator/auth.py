"""Verification of ICE request signatures (ACS3-HMAC-SHA256 and RPC 1.0 HMAC-SHA1), STS tokens,
timestamps and nonces, with the error codes ICE answers.

The signing math lives in :mod:`airflow_ice.client.signing`; this module only recomputes a signature
from what arrived and compares.
"""

from __future__ import annotations

import calendar
import hmac
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from airflow_ice.client.signing import (
    ACS3_HMAC_SHA256,
    HMAC_SHA1,
    sha256_hex,
    v1_signature,
    v3_canonical_request,
    v3_signature,
)
from airflow_ice.emulator.errors import EmulatorAuthError, missing_parameter
from airflow_ice.emulator.request import IncomingRequest
from airflow_ice.emulator.temporary_keys import IssuedKey, TemporaryKeyStore

API_VERSION = "2020-11-09"
TIMESTAMP_PATTERN = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
MAX_CLOCK_SKEW_SECONDS = 15 * 60
NONCE_TTL_SECONDS = 15 * 60
V3_REQUIRED_SIGNED_HEADERS = frozenset(
    {"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"}
)
V1_REQUIRED_PARAMETERS = (
    "AccessKeyId",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
    "Version",
)


class NonceRegistry:
    """Remembers signature nonces for :data:`NONCE_TTL_SECONDS`, in bounded memory.

    Nonces expire in insertion order (every one lives the same time), so a deque keeps them
    sorted by expiry. Past ``capacity`` the oldest are forgotten early: a replay of such a nonce
    would then pass, a deliberate trade for bounded memory under load tests.

    :param capacity: the most nonces kept.
    :param clock: seconds since the epoch (injectable for tests).
    """

    def __init__(self, capacity: int = 100_000, clock: Callable[[], float] = time.time) -> None:
        self._capacity = capacity
        self._clock = clock
        self._expiry: dict[str, float] = {}
        self._order: deque[tuple[float, str]] = deque()
        self._lock = threading.Lock()

    def use(self, nonce: str) -> bool:
        """Record ``nonce``; False if it was already used within the TTL."""
        now = self._clock()
        with self._lock:
            self._forget_expired(now)
            if nonce in self._expiry:
                return False
            expires = now + NONCE_TTL_SECONDS
            self._expiry[nonce] = expires
            self._order.append((expires, nonce))
            while len(self._order) > self._capacity:
                _, oldest = self._order.popleft()
                self._expiry.pop(oldest, None)
            return True

    def clear(self) -> None:
        """Forget every nonce."""
        with self._lock:
            self._expiry.clear()
            self._order.clear()

    def __len__(self) -> int:
        return len(self._expiry)

    def _forget_expired(self, now: float) -> None:
        while self._order and self._order[0][0] <= now:
            _, nonce = self._order.popleft()
            self._expiry.pop(nonce, None)


@dataclass(frozen=True)
class EmulatorCredentials:
    """The one AccessKey the emulator accepts.

    :param access_key_id: the accepted AccessKey ID.
    :param access_key_secret: its secret.
    :param security_token: when set, every request must carry exactly this STS token; when unset,
        a request carrying a token is rejected (a permanent key has no token).
    """

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class _Key:
    """The secret and STS token a request's AccessKey ID must be signed with and carry."""

    secret: str = field(repr=False)
    token: str | None = field(repr=False)
    issued: IssuedKey | None = None


class RequestAuthenticator:
    """Checks signatures, key id, STS token, timestamp skew and nonce reuse like ICE does.

    :param credentials: the accepted permanent key.
    :param nonces: the nonce registry (shared so that :meth:`reset` can clear it).
    :param clock: seconds since the epoch, for the timestamp check.
    :param temporary_keys: temporary keys issued by the emulated STS and metadata service,
        accepted too until they expire.
    """

    def __init__(
        self,
        credentials: EmulatorCredentials,
        nonces: NonceRegistry | None = None,
        clock: Callable[[], float] = time.time,
        temporary_keys: TemporaryKeyStore | None = None,
    ) -> None:
        self.credentials = credentials
        self.nonces = nonces or NonceRegistry(clock=clock)
        self._clock = clock
        self.temporary_keys = temporary_keys

    def verify(self, request: IncomingRequest, api_version: str = API_VERSION) -> str:
        """The signature algorithm of an authentic ``request``; else raise :class:`EmulatorAuthError`
        (or a ``Missing*`` error).

        :param request: what arrived.
        :param api_version: the API version the action belongs to (ICE's, or STS's ``2015-04-01``).
        """
        authorization = request.headers.get("authorization")
        if authorization:
            self._verify_v3(request, authorization, api_version)
            return ACS3_HMAC_SHA256
        if "Signature" in request.query:
            self._verify_v1(request, api_version)
            return HMAC_SHA1
        raise EmulatorAuthError(
            "IncompleteSignature",
            "The request carries no signature: send an ACS3-HMAC-SHA256 Authorization header "
            "or the HMAC-SHA1 Signature parameter.",
            400,
        )

    def _verify_v3(self, request: IncomingRequest, authorization: str, api_version: str) -> None:
        credential, signed_names, signature = _parse_authorization(authorization)
        headers = request.headers
        required = set(V3_REQUIRED_SIGNED_HEADERS)
        if "x-acs-security-token" in headers:
            required.add("x-acs-security-token")
        missing = sorted(required - set(signed_names))
        if missing:
            raise EmulatorAuthError(
                "IncompleteSignature", f"These headers must be signed: {', '.join(missing)}.", 400
            )
        absent = [name for name in signed_names if name not in headers]
        if absent:
            raise EmulatorAuthError(
                "IncompleteSignature",
                f"Signed headers are missing from the request: {', '.join(absent)}.",
                400,
            )
        key = self._key_for(credential)
        self._check_version(headers["x-acs-version"], api_version)
        self._check_timestamp(headers["x-acs-date"])
        content_sha256 = headers["x-acs-content-sha256"]
        if content_sha256 != sha256_hex(request.body):
            raise EmulatorAuthError(
                "IncompleteSignature", "The x-acs-content-sha256 header does not match the request body.", 400
            )
        canonical = v3_canonical_request(
            request.method, request.path, request.query, headers, signed_names, content_sha256
        )
        expected = v3_signature(key.secret, canonical)
        if not hmac.compare_digest(expected, signature):
            raise _signature_mismatch()
        self._check_security_token(headers.get("x-acs-security-token"), key)
        self._check_nonce(headers["x-acs-signature-nonce"])

    def _verify_v1(self, request: IncomingRequest, api_version: str) -> None:
        params = request.params()
        for name in V1_REQUIRED_PARAMETERS:
            if not params.get(name):
                raise missing_parameter(name)
        if params["SignatureMethod"] != HMAC_SHA1 or params["SignatureVersion"] != "1.0":
            raise EmulatorAuthError(
                "IncompleteSignature",
                f"Unsupported SignatureMethod/SignatureVersion: use {HMAC_SHA1} 1.0 or {ACS3_HMAC_SHA256}.",
                400,
            )
        key = self._key_for(params["AccessKeyId"])
        self._check_version(params["Version"], api_version)
        self._check_timestamp(params["Timestamp"])
        expected = v1_signature(key.secret, request.method, params)
        if not hmac.compare_digest(expected, request.query["Signature"]):
            raise _signature_mismatch()
        self._check_security_token(params.get("SecurityToken"), key)
        self._check_nonce(params["SignatureNonce"])

    def _key_for(self, access_key_id: str) -> _Key:
        if access_key_id == self.credentials.access_key_id:
            return _Key(self.credentials.access_key_secret, self.credentials.security_token)
        issued = self.temporary_keys.lookup(access_key_id) if self.temporary_keys is not None else None
        if issued is None:
            raise EmulatorAuthError("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)
        return _Key(issued.access_key_secret, issued.security_token, issued)

    @staticmethod
    def _check_version(version: str, expected: str = API_VERSION) -> None:
        if version != expected:
            raise EmulatorAuthError(
                "InvalidVersion", f"Specified parameter Version is not valid: use {expected}.", 400
            )

    def _check_timestamp(self, value: str) -> None:
        moment = parse_timestamp(value)
        if moment is None:
            raise EmulatorAuthError(
                "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.", 400
            )
        if abs(moment - self._clock()) > MAX_CLOCK_SKEW_SECONDS:
            raise EmulatorAuthError(
                "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.", 400
            )

    def _check_security_token(self, token: str | None, key: _Key) -> None:
        expected = key.token
        if expected is None:
            if token:
                raise EmulatorAuthError(
                    "InvalidSecurityToken.MismatchWithAccessKey",
                    "A SecurityToken was sent with an AccessKey that is not an STS key.",
                    400,
                )
            return
        if not token:
            raise EmulatorAuthError(
                "InvalidSecurityToken.Malformed", "Specified SecurityToken is malformed or missing.", 400
            )
        if not hmac.compare_digest(token.encode(), expected.encode()):
            raise EmulatorAuthError(
                "InvalidSecurityToken.Expired", "Specified SecurityToken is expired.", 400
            )
        issued, keys = key.issued, self.temporary_keys
        if issued is not None and keys is not None and keys.is_expired(issued):
            raise EmulatorAuthError(
                "InvalidSecurityToken.Expired", "Specified SecurityToken is expired.", 400
            )

    def _check_nonce(self, nonce: str) -> None:
        if not self.nonces.use(nonce):
            raise EmulatorAuthError("SignatureNonceUsed", "Specified signature nonce was used already.", 400)


def parse_timestamp(value: str) -> float | None:
    """Seconds since the epoch of a ``2024-01-01T00:00:00Z`` timestamp; None if malformed.

    Hand-parsed because ``strptime`` is the slowest step of a request.
    """
    if not TIMESTAMP_PATTERN.match(value):
        return None
    try:
        fields = (int(value[0:4]), int(value[5:7]), int(value[8:10]), int(value[11:13]), int(value[14:16]))
        # Validates the calendar fields (month 13, February 30, ...).
        datetime(*fields, int(value[17:19]), tzinfo=timezone.utc)
    except ValueError:
        return None
    return float(calendar.timegm((*fields, int(value[17:19]), 0, 0, 0)))


def _signature_mismatch() -> EmulatorAuthError:
    return EmulatorAuthError(
        "SignatureDoesNotMatch", "Specified signature does not match our calculation.", 400
    )


def _parse_authorization(value: str) -> tuple[str, list[str], str]:
    """Split ``ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..``."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ACS3_HMAC_SHA256:
        raise EmulatorAuthError(
            "IncompleteSignature", f"Unsupported signature algorithm: use {ACS3_HMAC_SHA256}.", 400
        )
    fields: dict[str, str] = {}
    for part in rest.split(","):
        key, sep, item = part.strip().partition("=")
        if sep:
            fields[key] = item
    credential = fields.get("Credential", "")
    signed = fields.get("SignedHeaders", "")
    signature = fields.get("Signature", "")
    if not (credential and signed and signature):
        raise EmulatorAuthError(
            "IncompleteSignature",
            "The Authorization header must carry Credential, SignedHeaders and Signature.",
            400,
        )
    return credential, signed.split(";"), signature
