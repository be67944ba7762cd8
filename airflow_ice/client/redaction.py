"""Keeping secrets out of what is kept: answers that echo the request, signed URLs, the URLs httpx logs.

Some gateways answer an error with the request they received (headers, query string) in the
body, and an answer may echo the caller's STS token (e.g. in a URL presigned with it). Every
answer is kept somewhere (a parsed job in XCom and trigger events, an error body in exceptions),
so each is scrubbed of the request's AccessKey secret, STS token and signature, in every form
they can take in a body (as sent, URL-encoded, JSON-escaped), before anything else reads it
(:class:`Scrubber`).

ICE's answers also carry URLs presigned for OSS objects, whose signature and token let anyone
read the object until they expire: :func:`unsigned_url` and :func:`unsigned_urls_in` remove
those parameters (:data:`SIGNED_URL_PARAMETERS`), keeping scheme, host and path.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus, unquote

from airflow_ice.client.signing import Credentials, redact_query

REDACTED = "***"
# Characters that every form of a secret (URL-encoded either way, JSON-escaped) keeps as they are.
_KEPT_BY_EVERY_FORM = re.compile(r"[A-Za-z0-9_.~-]{8,}")


def _secret_core(secret: str) -> str:
    """The longest part of ``secret`` that every form of it (as sent, URL-encoded either way,
    JSON-escaped) keeps as it is, "" when it has none (very short, or mostly symbols)."""
    if len(secret) >= 8 and secret.isascii() and secret.isalnum():
        return secret  # the commonest (a hex signature, most secrets), told by str methods
    parts = _KEPT_BY_EVERY_FORM.findall(secret)
    return max(parts, key=len) if parts else ""


class Scrubber:
    """Replaces the given secret values, in each form they can be echoed in, with ``***``.

    :param secrets: the values to remove (empty ones are ignored).
    """

    __slots__ = ("_byte_cores", "_cores", "_forms", "_secrets")

    def __init__(self, secrets: Iterable[str | None]) -> None:
        # Kept as given: the forms are worked out only when text is scrubbed (an error path),
        # not for every request that is signed.
        self._secrets = tuple(filter(None, secrets))
        self._forms: tuple[str, ...] | None = None
        self._cores: tuple[str, ...] | None = None
        self._byte_cores: tuple[bytes, ...] | None = None

    def __repr__(self) -> str:
        return f"Scrubber({len(self._secrets)} secrets)"

    def with_secret(self, secret: str) -> Scrubber:
        """This scrubber with ``secret`` besides (a request's signature beside its credentials'
        secrets, :func:`credentials_scrubber`): what is worked out of these is not again."""
        return _SecretBeside(self, secret) if secret else self

    def _all_forms(self) -> tuple[str, ...]:
        if self._forms is None:
            forms: set[str] = set()
            for secret in self._secrets:
                forms.update(
                    {secret, quote(secret, safe=""), quote_plus(secret, safe=""), json.dumps(secret)[1:-1]}
                )
            # Longest first, so that no form is cut by a shorter one it contains.
            self._forms = tuple(sorted(forms, key=len, reverse=True))
        return self._forms

    def __call__(self, text: str) -> str:
        """``text`` without any of the secrets."""
        for form in self._all_forms():
            if form in text:
                text = text.replace(form, REDACTED)
        return text

    def shown(self, text: str) -> str:
        """``text`` of an error answer as errors and logs show it: without the secrets, and with every
        URL in it unsigned (:func:`unsigned_urls_in`), as a job's own text is shown."""
        return unsigned_urls_in(self(text))

    def in_json_value(self, value: Any, source: bytes | None = None) -> Any:
        """A decoded JSON value (an answer) with the secrets removed from every string and key in it.

        Returned as it is (the same object) when none of them occurs, which is the rule: the JSON
        text of the whole value is searched once before any string is visited.

        :param value: the decoded value.
        :param source: the bytes ``value`` was decoded from straight as JSON text, when known: if
            they escape nothing and hold no secret's core, no string of ``value`` holds a secret,
            and they are searched instead of encoding ``value`` again (once per poll).
        """
        if not self._secrets:
            return value
        if source is not None and self.vouches_for(source):
            return value
        try:
            text = json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError):
            text = None
        # A secret inside a string is found in the JSON text in its JSON-escaped form, one of the forms.
        if text is not None and not self._may_hold_a_secret(text):
            return value
        return self._walk(value)

    def _secret_cores(self) -> tuple[str, ...]:
        """Each secret's longest part that every form of it keeps as it is ("" when it has none)."""
        if self._cores is None:
            self._cores = tuple(map(_secret_core, self._secrets))
        return self._cores

    def _may_hold_a_secret(self, text: str) -> bool:
        """Whether a form of a secret may be in ``text``: first by each secret's longest part that
        every form keeps (a few searches, checked once per answer), then by the forms themselves."""
        if all(core and core not in text for core in self._secret_cores()):
            return False
        return any(form in text for form in self._all_forms())

    def vouches_for(self, source: bytes) -> bool:
        """Whether no string decoded from the JSON text ``source`` can hold a secret.

        Without a zero byte it is UTF-8 (UTF-16/32 write one in every ASCII character). Of JSON's
        escapes only ``\\uXXXX`` can write a letter, a digit or ``_.~-`` (``\\"``, ``\\\\``,
        ``\\/`` and the control ones write none), so without one each such character of a decoded
        string or key is its own byte in ``source``, in the same order: a form of a secret in
        one would put the secret's core (a run of those characters) in ``source`` as it is.
        Answers that carry JSON text (``JobParams``, ``Result``) escape their quotes, and are
        vouched for all the same."""
        if not self._secrets:
            return True
        return b"\\u" not in source and b"\x00" not in source and self._cores_absent(source)

    def _cores_absent(self, source: bytes) -> bool:
        for core in self._secret_byte_cores():  # noqa: SIM110 (no generator: this runs on every answer)
            if not core or core in source:
                return False
        return True

    def _secret_byte_cores(self) -> tuple[bytes, ...]:
        # The cores are ASCII (letters, digits and "_.~-"): their bytes are found in a UTF-8 body.
        if self._byte_cores is None:
            self._byte_cores = tuple(core.encode("ascii") for core in self._secret_cores())
        return self._byte_cores

    def _walk(self, value: Any) -> Any:
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {self._walk(key): self._walk(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self._walk(item) for item in value]
        return value


class _SecretBeside(Scrubber):
    """The secrets of ``base`` and ``secret``: a request's signature beside its credentials' secrets,
    made per request with nothing worked out. An answer is vouched for (:meth:`Scrubber.vouches_for`)
    by ``base``'s cores (worked out once) and the core of ``secret``; the rest is worked out when
    first needed, as by a :class:`Scrubber` of them all."""

    __slots__ = ("_base", "_secret")

    def __init__(self, base: Scrubber, secret: str) -> None:
        # Not Scrubber.__init__: its secrets are known to be given, and nothing is looked at yet.
        self._base, self._secret = base, secret
        self._secrets = (*base._secrets, secret)
        self._forms = self._cores = self._byte_cores = None

    def _cores_absent(self, source: bytes) -> bool:
        core = _secret_core(self._secret).encode("ascii")
        return bool(core) and core not in source and self._base._cores_absent(source)

    def _secret_cores(self) -> tuple[str, ...]:
        if self._cores is None:
            self._cores = (*self._base._secret_cores(), _secret_core(self._secret))
        return self._cores


NO_SECRETS = Scrubber(())
"""A scrubber with nothing to remove."""


def credentials_scrubber(credentials: Credentials) -> Scrubber:
    """The scrubber of ``credentials``' secret and STS token, made once per credentials (each
    request adds its signature: :meth:`Scrubber.with_secret`)."""
    return _scrubber_of(credentials.access_key_secret, credentials.security_token)


@functools.lru_cache(maxsize=16)
def _scrubber_of(secret: str, token: str | None) -> Scrubber:
    # Keyed by the strings, not the Credentials: their hash and equality run in C.
    return Scrubber((secret, token))


SIGNED_URL_PARAMETERS = frozenset(
    {
        # OSS signature V1 presigned URLs
        "ossaccesskeyid",
        "signature",
        "expires",
        # STS tokens (OSS V1 and V4; ICE's own signature 1.0 requests)
        "security-token",
        "x-oss-security-token",
        "securitytoken",
        # OSS signature V4 presigned URLs
        "x-oss-signature-version",
        "x-oss-credential",
        "x-oss-date",
        "x-oss-expires",
        "x-oss-signature",
        "x-oss-additional-headers",
        # Alibaba Cloud CDN URL authentication (the playback URLs of media assets)
        "auth_key",
        # S3-compatible presigned URLs (OSS accepts them too)
        "x-amz-algorithm",
        "x-amz-credential",
        "x-amz-date",
        "x-amz-expires",
        "x-amz-signedheaders",
        "x-amz-signature",
        "x-amz-security-token",
    }
)
"""Query parameters that sign a URL or carry a token (compared in lower case): removed by :func:`unsigned_url`."""

# A URL inside text: a scheme, ://, then up to a character that ends it in text, HTML or JSON
# (JSON text written by some encoders escapes "&" as \u0026: that does not end it).
_URL_IN_TEXT = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://(?:[^\s\"'<>\\`{}|^]|\\u0026)+")
_ESCAPED_AMPERSAND = "\\u0026"


def _is_signing_parameter(pair: str) -> bool:
    name = unquote(pair.partition("=")[0]).strip().lower()
    # "&amp;" in HTML or XML text leaves "amp;" before the name.
    return name.removeprefix("amp;") in SIGNED_URL_PARAMETERS


def _unsigned_pair(pair: str) -> str:
    """A kept parameter; a URL given as its value (a redirect target) is unsigned too."""
    name, sep, value = pair.partition("=")
    if "%3A%2F%2F" not in value.upper() and "://" not in value:
        return pair
    decoded = unquote(value)
    unsigned = unsigned_urls_in(decoded)
    return pair if unsigned == decoded else f"{name}{sep}{quote(unsigned, safe='')}"


def unsigned_url(url: str) -> str:
    """``url`` without its signature and token parameters (:data:`SIGNED_URL_PARAMETERS`).

    Scheme, host, path, the other parameters and the fragment are kept, so the URL still names its
    object; a URL without a query is returned as it is.

    :param url: one URL.
    """
    base, sep, rest = url.partition("?")
    if not sep:
        return url
    query, hash_sep, fragment = rest.partition("#")
    kept = [_unsigned_pair(pair) for pair in query.split("&") if pair and not _is_signing_parameter(pair)]
    return base + (f"?{'&'.join(kept)}" if kept else "") + (f"#{fragment}" if hash_sep else "")


def unsigned_urls_in(text: str) -> str:
    """``text`` with every URL in it unsigned (:func:`unsigned_url`): messages, raw answers, JSON text.

    :param text: any text.
    """
    if "://" not in text or "?" not in text:
        return text
    return _URL_IN_TEXT.sub(_unsigned_match, text)


def _unsigned_match(match: re.Match[str]) -> str:
    found = match.group(0)
    # Punctuation after a URL in a sentence ends the sentence, not the URL.
    url = found.rstrip(".,;:!?)]")
    tail = found[len(url) :]
    if _ESCAPED_AMPERSAND in url:
        return unsigned_url(url.replace(_ESCAPED_AMPERSAND, "&")).replace("&", _ESCAPED_AMPERSAND) + tail
    return unsigned_url(url) + tail


class RedactSignedUrls(logging.Filter):
    """Mask V1 ``Signature`` and ``SecurityToken`` in the URLs httpx logs for every request.

    httpx logs ``HTTP Request: POST <url> "HTTP/1.1 200 OK"`` with the URL as an argument; the
    argument is matched by its text, so this module needs no httpx import.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(_is_signed_url(arg) for arg in record.args):
            record.args = tuple(_redacted(str(arg)) if _is_signed_url(arg) else arg for arg in record.args)
        return True


def _is_signed_url(arg: object) -> bool:
    if isinstance(arg, (int, float)):
        return False
    text = str(arg)
    return "?" in text and ("Signature=" in text or "SecurityToken=" in text)


def _redacted(text: str) -> str:
    base, sep, query = text.partition("?")
    return f"{base}{sep}{redact_query(query)}" if sep else text


def install_log_redaction() -> None:
    """Attach :class:`RedactSignedUrls` to httpx's logger once per process."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(existing, RedactSignedUrls) for existing in logger.filters):
        logger.addFilter(RedactSignedUrls())


__all__ = [
    "NO_SECRETS",
    "REDACTED",
    "SIGNED_URL_PARAMETERS",
    "RedactSignedUrls",
    "Scrubber",
    "credentials_scrubber",
    "install_log_redaction",
    "unsigned_url",
    "unsigned_urls_in",
]
