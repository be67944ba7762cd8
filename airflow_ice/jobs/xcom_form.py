"""A parsed job's XCom form: what is stored (XCom, trigger events) and shown (links, asset extras,
OpenLineage, exceptions, logs). The one place both rules are applied, for every job family:

- **No credentials.** Every URL loses its signature and token parameters
  (:func:`~airflow_ice.client.redaction.unsigned_url`: scheme, host and path kept), and each
  presigned OSS URL gets its object's ``oss://bucket/key`` beside it, under the key's name plus
  ``_oss`` (``output_urls`` -> ``output_urls_oss``, a list with None for a URL that is not OSS). With
  ``keep_presigned_urls`` the stored form keeps the presigned URLs (for downstream tasks that
  download with them); what is shown never does. The connection's own secrets never get this far:
  the client removes them from every answer (:meth:`~airflow_ice.client.redaction.Scrubber.in_json_value`).
- **Strict JSON that Airflow's encoders accept.** NaN and the infinities, integers outside 64 bits
  and text with lone surrogates cannot be stored (XCom is posted as strict JSON; the triggerer's
  msgpack encoder refuses big integers and lone surrogates, then cancels the trigger and the wait
  is lost). Each is kept as text instead (``"NaN"``, ``"123456789012345678901234567890"``, the
  surrogate as ``\\udc80``), and named in one warning per job.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from airflow_ice.assets.oss import OssObject
from airflow_ice.client.redaction import unsigned_url, unsigned_urls_in

OSS_SIBLING_SUFFIX = "_oss"
"""The key beside a presigned URL's (``output_url`` -> ``output_url_oss``) that gives its ``oss://bucket/key``."""

# Integers every store on the way accepts: the triggerer's msgpack encoder and JSON readers
# elsewhere (64-bit signed).
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
# Most values named in the warning; more are counted.
_NAMED_IN_WARNING = 10


@dataclass(frozen=True)
class XComForm:
    """A job's XCom form and what had to be changed to make it strict JSON.

    :param value: the form: strict JSON, URLs unsigned unless kept, ``*_oss`` keys beside presigned
        OSS URLs.
    :param kept_as_text: each value kept as text, with where it is, e.g. ``result.score (NaN)``.
    """

    value: dict[str, Any]
    kept_as_text: tuple[str, ...] = ()


def xcom_form(
    job: Mapping[str, Any], *, keep_presigned_urls: bool = False, warn: Callable[..., object] | None = None
) -> XComForm:
    """The form of ``job`` (a model's ``to_xcom()``, or a form made earlier: applying it again
    changes nothing) that may be stored or, without ``keep_presigned_urls``, shown.

    :param job: the job's XCom form.
    :param keep_presigned_urls: leave presigned URLs as ICE gave them (the task's opt-in).
    :param warn: a logger's ``warning``, told of the values kept as text (once per job, in
        ``%s`` style).
    """
    walk = _Walk(unsign=not keep_presigned_urls)
    value = walk.mapping(job, "")
    form = XComForm(value, tuple(walk.kept))
    if form.kept_as_text and warn is not None:
        named = ", ".join(form.kept_as_text[:_NAMED_IN_WARNING])
        more = len(form.kept_as_text) - _NAMED_IN_WARNING
        warn(
            "Job %s: kept as text in XCom, since Airflow cannot store them as they are: %s%s",
            value.get("job_id"),
            named,
            f" and {more} more" if more > 0 else "",
        )
    return form


def shown_text(text: str | None) -> str | None:
    """Text from or about a job (a status, a message), as it may be logged or raised: URLs unsigned.

    :param text: the text, or None.
    """
    return None if text is None else unsigned_urls_in(text)


def oss_uri_of(url: str) -> str | None:
    """``oss://bucket/key`` of an OSS HTTP(S) URL (signed or not), else None."""
    if not url.startswith(("https://", "http://")):
        return None
    target = OssObject.from_location(url)
    return None if target is None else target.uri


class _Walk:
    """One pass over a job's form; collects what it kept as text."""

    def __init__(self, *, unsign: bool) -> None:
        self.unsign = unsign
        self.kept: list[str] = []

    def mapping(self, data: Mapping[Any, Any], path: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for raw_key, raw_value in data.items():
            key = self.key(raw_key, path)
            where = f"{path}.{key}" if path else key
            value = self.value(raw_value, where)
            out[key] = value
            sibling = key + OSS_SIBLING_SUFFIX
            if sibling in data or sibling in out:
                continue
            uris = _oss_uris(raw_value) if _is_presigned(raw_value) else None
            if uris is not None:
                out[sibling] = uris
        return out

    def key(self, key: Any, path: str) -> str:
        if isinstance(key, str):
            # A key is stored and shown as much as a value is (results keyed by a URL, say).
            shown = unsigned_urls_in(key) if self.unsign else key
            return self.text(shown, f"{path}[key {shown!r}]" if path else f"[key {shown!r}]")
        text = str(key)
        self.kept.append(f"{path}[key {text}] ({type(key).__name__} key)")
        return self.text(text, path)

    def value(self, value: Any, where: str) -> Any:
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str):
            return self.text(unsigned_urls_in(value) if self.unsign else value, where)
        if isinstance(value, int):
            if _INT_MIN <= value <= _INT_MAX:
                return value
            self.kept.append(f"{where} (integer over 64 bits)")
            return str(value)
        if isinstance(value, float):
            if math.isfinite(value):
                return value
            text = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
            self.kept.append(f"{where} ({text})")
            return text
        if isinstance(value, Mapping):
            return self.mapping(value, where)
        if isinstance(value, list | tuple):
            return [self.value(item, f"{where}[{index}]") for index, item in enumerate(value)]
        self.kept.append(f"{where} ({type(value).__name__})")
        return self.text(str(value), where)

    def text(self, text: str, where: str) -> str:
        if text.isascii():
            return text
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            self.kept.append(f"{where} (lone surrogate)")
            # Each lone surrogate becomes the six characters of its escape, e.g. \udc80.
            return text.encode("utf-8", "backslashreplace").decode("utf-8")
        return text


def _is_presigned(value: Any) -> bool:
    """Whether ``value`` is a URL with signature or token parameters, or a list holding one."""
    if isinstance(value, str):
        return "?" in value and value.startswith(("https://", "http://")) and unsigned_url(value) != value
    return isinstance(value, list | tuple) and any(_is_presigned(item) for item in value)


def _oss_uris(value: Any) -> str | list[str | None] | None:
    """The ``*_oss`` value beside ``value``: a URL's object, or a list's objects; None when it names none."""
    if isinstance(value, str):
        return oss_uri_of(value)
    if isinstance(value, list | tuple) and value and all(isinstance(item, str) for item in value):
        uris = [oss_uri_of(item) for item in value]
        return uris if any(uri is not None for uri in uris) else None
    return None
