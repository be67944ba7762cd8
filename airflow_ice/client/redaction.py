"""Keeping secrets out of what is kept: answers that echo the request, and the URLs httpx logs.

Some gateways answer an error with the request they received (headers, query string) in the
body. Such a body is kept in exceptions, trigger events and from there the metadata DB, so it
is scrubbed of the AccessKey secret, the STS token and the signature, in every form they can
take in a body (as sent, URL-encoded, JSON-escaped), before anything else reads it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

from airflow_ice.client.signing import redact_query

REDACTED = "***"


class Scrubber:
    """Replaces the given secret values, in each form they can be echoed in, with ``***``.

    :param secrets: the values to remove (empty ones are ignored).
    """

    __slots__ = ("_forms", "_secrets")

    def __init__(self, secrets: Iterable[str | None]) -> None:
        # Kept as given: the forms are worked out only when text is scrubbed (an error path),
        # not for every request that is signed.
        self._secrets = tuple(secret for secret in secrets if secret)
        self._forms: tuple[str, ...] | None = None

    def __repr__(self) -> str:
        return f"Scrubber({len(self._secrets)} secrets)"

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


NO_SECRETS = Scrubber(())
"""A scrubber with nothing to remove."""


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


__all__ = ["NO_SECRETS", "REDACTED", "RedactSignedUrls", "Scrubber", "install_log_redaction"]
