"""Every form a secret can take once written somewhere: raw, a middle slice, base64 (standard and
URL-safe, at each alignment inside a longer text), hex (pg_dump writes ``bytea`` as hex),
URL-encoded and JSON-escaped; and the request signatures the emulator saw, found by their shape."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from urllib.parse import quote, quote_plus

# A middle slice of a secret is searched too, to catch a secret that was cut or wrapped.
FRAGMENT_LENGTH = 16
# What signatures look like: ACS3-HMAC-SHA256 is 64 hex digits; HMAC-SHA1 (V1) is 28 base64 chars.
SIGNATURE_SHAPES = (re.compile(rb"[0-9a-f]{64}"), re.compile(rb"[A-Za-z0-9+/]{27}="))


def _base64_forms(data: bytes) -> list[bytes]:
    """The base64 text that ``data`` produces wherever it sits in a longer input: at each of the
    three alignments, the characters that depend on ``data`` alone (edges dropped)."""
    forms = []
    for offset in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(b"\0" * offset + data)
            start = (offset * 4 + 2) // 3 + 1  # past the characters that mix in the padding bytes
            core = text[start:].rstrip(b"=")[:-2]  # the last characters depend on what follows
            if len(core) >= 12:
                forms.append(core)
    return forms


def secret_needles(secret: str) -> list[bytes]:
    """Every form of ``secret`` to search for."""
    raw = secret.encode()
    forms = [raw, raw.hex().encode(), raw.hex().upper().encode()]
    forms += [quote(secret, safe="").encode(), quote_plus(secret).encode()]
    escaped = json.dumps(secret)[1:-1]
    forms += [escaped.encode(), escaped.replace("/", "\\/").encode()]
    forms += _base64_forms(raw)
    if len(secret) >= 2 * FRAGMENT_LENGTH:
        start = len(secret) // 2 - FRAGMENT_LENGTH // 2
        forms.append(secret[start : start + FRAGMENT_LENGTH].encode())
    return list(dict.fromkeys(forms))


class SecretSearch:
    """What must never be written, in every form.

    :param secrets: name -> value (the AccessKey Secret, STS tokens).
    :param signatures: request signatures the emulator saw.
    """

    def __init__(self, secrets: Mapping[str, str], signatures: frozenset[str] = frozenset()) -> None:
        self.secrets = dict(secrets)
        self.signatures = signatures
        self._needles = {name: secret_needles(value) for name, value in self.secrets.items()}

    def describe(self) -> str:
        """What is searched for, for a proof's detail."""
        forms = "raw, middle slice, base64, hex, URL-encoded, JSON-escaped"
        text = f"{', '.join(self.secrets)} ({forms})"
        if self.signatures:
            text += f" and {len(self.signatures):,} request signatures the emulator saw"
        return text

    def hits(self, data: bytes) -> list[str]:
        """Names of what ``data`` holds (a signature counts as ``request signature``)."""
        found = [name for name, needles in self._needles.items() if any(n in data for n in needles)]
        if self.signatures and any(
            match.decode() in self.signatures for shape in SIGNATURE_SHAPES for match in shape.findall(data)
        ):
            found.append("request signature")
        return found
