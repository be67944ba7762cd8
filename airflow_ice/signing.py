"""Request signing, now :mod:`airflow_ice.client.signing`.

This module keeps the old import path working.
"""

from __future__ import annotations

from airflow_ice.client.signing import (
    ACS3_HMAC_SHA256,
    EMPTY_SHA256,
    FORM_CONTENT_TYPE,
    HMAC_SHA1,
    REDACTED_QUERY_PARAMETERS,
    SIGNATURE_ALGORITHMS,
    TIMESTAMP_FORMAT,
    Credentials,
    SignatureAlgorithm,
    SignedRequest,
    canonical_headers,
    canonical_query_string,
    encode_form,
    format_timestamp,
    new_nonce,
    percent_encode,
    redact_query,
    sha256_hex,
    sign_request,
    v1_signature,
    v1_string_to_sign,
    v3_authorization,
    v3_canonical_request,
    v3_signature,
)

__all__ = [
    "ACS3_HMAC_SHA256",
    "EMPTY_SHA256",
    "FORM_CONTENT_TYPE",
    "HMAC_SHA1",
    "REDACTED_QUERY_PARAMETERS",
    "SIGNATURE_ALGORITHMS",
    "TIMESTAMP_FORMAT",
    "Credentials",
    "SignatureAlgorithm",
    "SignedRequest",
    "canonical_headers",
    "canonical_query_string",
    "encode_form",
    "format_timestamp",
    "new_nonce",
    "percent_encode",
    "redact_query",
    "sha256_hex",
    "sign_request",
    "v1_signature",
    "v1_string_to_sign",
    "v3_authorization",
    "v3_canonical_request",
    "v3_signature",
]
