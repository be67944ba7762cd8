"""Alibaba Cloud API request signing: ACS3-HMAC-SHA256 (V3) and RPC signature 1.0 (HMAC-SHA1).

Pure functions with no I/O, shared by the hook (to sign) and the emulator (to verify).
Every attempt gets a fresh nonce and timestamp from :func:`sign_request` unless the caller
passes them (tests do, to compare with reference vectors).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Literal
from urllib.parse import quote, quote_plus, urlencode

ACS3_HMAC_SHA256 = "ACS3-HMAC-SHA256"
HMAC_SHA1 = "HMAC-SHA1"
SignatureAlgorithm = Literal["ACS3-HMAC-SHA256", "HMAC-SHA1"]
SIGNATURE_ALGORITHMS: tuple[str, ...] = (ACS3_HMAC_SHA256, HMAC_SHA1)

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
# V1 query parameters that are secret or signature material: never shown in reprs or logs.
REDACTED_QUERY_PARAMETERS = frozenset({"Signature", "SecurityToken"})


@dataclass(frozen=True)
class Credentials:
    """An AccessKey pair, optionally with an STS security token.

    The secret and token are excluded from ``repr`` so that they never reach logs by accident.

    :param access_key_id: the AccessKey ID (not secret).
    :param access_key_secret: the AccessKey Secret.
    :param security_token: the STS security token, when the key is temporary.
    """

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class SignedRequest:
    """A request ready to send: ``{method} {scheme}://{host}/?{query_string}`` with headers and body.

    :param query_string: the exact encoded query string, identical to the canonical form.
    :param headers: headers to send (the signed ones and ``authorization`` for V3).
    :param body: the form-encoded body bytes (empty when there are no body parameters).
    """

    method: str
    query_string: str
    headers: dict[str, str] = field(repr=False)
    body: bytes = field(repr=False)
    signature: str = field(default="", repr=False)
    """The signature itself (V3 ``Signature=`` of ``authorization``, V1 ``Signature``): what an
    answer that echoes the request must be scrubbed of."""

    def __repr__(self) -> str:
        return f"SignedRequest(method={self.method!r}, query_string={redact_query(self.query_string)!r})"


def redact_query(query_string: str) -> str:
    """The query string with V1 ``Signature`` and ``SecurityToken`` values replaced by ``***``."""
    pairs = (pair.partition("=") for pair in query_string.split("&"))
    return "&".join(
        f"{name}=***" if name in REDACTED_QUERY_PARAMETERS else f"{name}{sep}{value}"
        for name, sep, value in pairs
    )


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Alibaba Cloud canonicalises it: space ``%20``, ``*`` ``%2A``, ``~`` kept."""
    if _UNRESERVED.fullmatch(value):
        return value  # nothing to encode (job ids, action names): skip urllib's per-character work
    return quote(value, safe="~", encoding="utf-8")


# What quote(..., safe="~") leaves as it is.
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of ``data``, the ``x-acs-content-sha256`` header value."""
    return hashlib.sha256(data).hexdigest()


def canonical_query_string(params: Mapping[str, str]) -> str:
    """V3 canonical query: keys sorted, values percent-encoded, ``k=v`` joined by ``&``.

    Keys are ICE parameter names (ASCII); they are encoded too, which leaves them unchanged.
    """
    return "&".join(f"{percent_encode(key)}={percent_encode(params[key])}" for key in sorted(params))


def canonical_headers(headers: Mapping[str, str], signed_names: list[str]) -> str:
    """V3 canonical headers for ``signed_names`` (already lower-case and sorted).

    Names differing only in case are one header: like the official signer, their stripped values
    are sorted and joined with commas.
    """
    lowered: dict[str, str] = {}
    repeated: dict[str, list[str]] = {}  # names sent in more than one case: rare, kept apart
    for name, value in headers.items():
        key = name.lower()
        if key in lowered:
            repeated.setdefault(key, [lowered[key]]).append(value.strip())
        else:
            lowered[key] = value.strip()
    for key, values in repeated.items():
        lowered[key] = ",".join(sorted(values))
    return "".join([f"{name}:{lowered[name]}\n" for name in signed_names])


def v3_canonical_request(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    signed_names: list[str],
    payload_sha256: str,
) -> str:
    """The V3 canonical request string over the headers named in ``signed_names``."""
    return "\n".join(
        [
            method,
            path or "/",
            canonical_query_string(query),
            canonical_headers(headers, signed_names),
            ";".join(signed_names),
            payload_sha256,
        ]
    )


def v3_signature(secret: str, canonical_request: str) -> str:
    """Hex HMAC-SHA256 over ``ACS3-HMAC-SHA256\\n`` + hex SHA-256 of the canonical request."""
    string_to_sign = f"{ACS3_HMAC_SHA256}\n{sha256_hex(canonical_request.encode('utf-8'))}"
    return hmac.digest(secret.encode("utf-8"), string_to_sign.encode("utf-8"), "sha256").hex()


def v3_authorization(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    payload_sha256: str,
    access_key_id: str,
    secret: str,
) -> str:
    """The V3 ``Authorization`` header value, signing every header in ``headers``."""
    signed_names = sorted({name.lower() for name in headers})
    canonical = v3_canonical_request(method, path, query, headers, signed_names, payload_sha256)
    signature = v3_signature(secret, canonical)
    names = ";".join(signed_names)
    return f"{ACS3_HMAC_SHA256} Credential={access_key_id},SignedHeaders={names},Signature={signature}"


def v1_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """RPC 1.0 string to sign over every parameter except ``Signature``."""
    signed = sorted(key for key in params if key != "Signature")
    canonical = "&".join(f"{percent_encode(key)}={percent_encode(params[key])}" for key in signed)
    return f"{method}&%2F&{quote_plus(canonical, safe='~', encoding='utf-8')}"


def v1_signature(secret: str, method: str, params: Mapping[str, str]) -> str:
    """Base64 HMAC-SHA1 with key ``secret + "&"`` over :func:`v1_string_to_sign`."""
    string_to_sign = v1_string_to_sign(method, params)
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def new_nonce() -> str:
    """A fresh signature nonce (a random UUID, version 4)."""
    # What str(uuid.uuid4()) makes, without building a UUID object (a fifth of a signature's CPU).
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def format_timestamp(moment: datetime) -> str:
    """UTC timestamp in the ``2024-01-01T00:00:00Z`` form both algorithms use."""
    return moment.astimezone(timezone.utc).strftime(TIMESTAMP_FORMAT)


def _timestamp_now() -> str:
    # The same text as format_timestamp(datetime.now(timezone.utc)), without making datetimes.
    # time.gmtime() without an argument reads C's time(), which glibc serves from a coarse clock
    # that can still show the previous second a few ms after it ended; time.time() is exact.
    return time.strftime(TIMESTAMP_FORMAT, time.gmtime(time.time()))


def encode_form(params: Mapping[str, str]) -> bytes:
    """Form-encode body parameters (``application/x-www-form-urlencoded``)."""
    return urlencode(params, quote_via=quote, safe="~").encode("ascii")


def sign_request(
    *,
    action: str,
    version: str,
    host: str,
    credentials: Credentials,
    query: Mapping[str, str] | None = None,
    body: Mapping[str, str] | None = None,
    algorithm: str = ACS3_HMAC_SHA256,
    now: datetime | None = None,
    nonce: str | None = None,
    method: Literal["POST", "GET"] = "POST",
) -> SignedRequest:
    """Sign one RPC-style call to ``/`` (``POST``, or ``GET`` for the actions ICE serves so).

    :param action: the API action, e.g. ``QueryIProductionJob``.
    :param version: the API version, e.g. ``2020-11-09``.
    :param host: the ``Host`` header value (``ice.cn-shanghai.aliyuncs.com`` or ``127.0.0.1:8080``).
    :param credentials: the AccessKey pair and optional STS token.
    :param query: business parameters sent in the query string (already strings).
    :param body: business parameters sent form-encoded in the body (already strings).
    :param algorithm: ``ACS3-HMAC-SHA256`` (default) or ``HMAC-SHA1``.
    :param now: the signing time; defaults to the current UTC time.
    :param nonce: the signature nonce; defaults to a fresh random one.
    :param method: ``POST`` (default) or ``GET``; a GET carries no body.
    """
    if method not in ("POST", "GET"):
        raise ValueError(f"Unknown HTTP method {method!r}: ICE's RPC calls are POST or GET.")
    query = dict(query or {})
    body_params = dict(body or {})
    if method == "GET" and body_params:
        raise ValueError("A GET call has no body: send its parameters in the query.")
    moment = _timestamp_now() if now is None else format_timestamp(now)
    nonce = nonce or new_nonce()
    body_bytes = encode_form(body_params) if body_params else b""

    if algorithm == ACS3_HMAC_SHA256:
        headers = {
            "host": host,
            "x-acs-action": action,
            "x-acs-version": version,
            "x-acs-date": moment,
            "x-acs-signature-nonce": nonce,
            "x-acs-content-sha256": sha256_hex(body_bytes) if body_bytes else EMPTY_SHA256,
        }
        if body_bytes:
            headers["content-type"] = FORM_CONTENT_TYPE
        if credentials.security_token:
            headers["x-acs-security-token"] = credentials.security_token
        authorization = v3_authorization(
            method,
            "/",
            query,
            headers,
            headers["x-acs-content-sha256"],
            credentials.access_key_id,
            credentials.access_key_secret,
        )
        headers["authorization"] = authorization
        signature = authorization.rpartition("Signature=")[2]
        return SignedRequest(method, canonical_query_string(query), headers, body_bytes, signature)

    if algorithm == HMAC_SHA1:
        common = {
            "Action": action,
            "Format": "JSON",
            "Version": version,
            "Timestamp": moment,
            "SignatureMethod": HMAC_SHA1,
            "SignatureVersion": "1.0",
            "SignatureNonce": nonce,
            "AccessKeyId": credentials.access_key_id,
        }
        if credentials.security_token:
            common["SecurityToken"] = credentials.security_token
        query = {**query, **common}
        signature = v1_signature(credentials.access_key_secret, method, {**query, **body_params})
        query["Signature"] = signature
        headers = {"host": host, "content-type": FORM_CONTENT_TYPE} if body_bytes else {"host": host}
        return SignedRequest(method, canonical_query_string(query), headers, body_bytes, signature)

    raise ValueError(
        f"Unknown signature algorithm {algorithm!r}: use {ACS3_HMAC_SHA256!r} (default) or {HMAC_SHA1!r}."
    )
