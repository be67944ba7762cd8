"""JSON carried inside strings, as ICE sends it, and JSON written the way the API expects it."""

from __future__ import annotations

import json
import math
from typing import Any

from airflow_ice.client.json_numbers import integer_or_digits

# Max characters of a value quoted in a warning or error message.
_REPR_LIMIT = 120

MAX_NESTING = 64
"""The deepest a value read from an answer may nest to be taken as it is (ICE's answers nest a few
levels). pydantic (about 255 levels), ``json.dumps``, ``repr`` and Airflow's serializers recurse
once per level: a deeper value would make one field cost the whole answer, so it is kept as its
JSON text instead (:func:`json_safe`) and JSON text nesting deeper does not decode."""


def compact_json(value: Any) -> str:
    """Serialise ``value`` as the API expects nested objects: no spaces, non-ASCII kept as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; letting them through would make XCom values unserialisable.
    raise ValueError(f"{name} is not a JSON number")


def _loads(text: str) -> Any:
    try:
        try:
            value = json.loads(text, parse_constant=_reject_constant)
        except ValueError:
            # Decoded again only on failure: an integer over Python's digit limit stays its digits.
            value = json.loads(text, parse_constant=_reject_constant, parse_int=integer_or_digits)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if nests_deeper_than(value, MAX_NESTING):
        raise ValueError(f"JSON nested deeper than {MAX_NESTING} levels")
    return value


def decode_json_text(text: str) -> Any:
    """Decode JSON carried in a string, tolerating the two extra encodings ICE has been seen to use.

    Besides plain JSON text (``["st_1"]``) this accepts JSON escaped once more without its outer
    quotes (``[\\"st_1\\"]``, as in the published GetYikeStoryboardJob example) and JSON encoded
    twice (``"[\\"st_1\\"]"``, a JSON string holding JSON text).

    :param text: the string to decode.
    :raises ValueError: when the text is none of these, or nests deeper than :data:`MAX_NESTING`.
    """
    try:
        value = _loads(text)
    except ValueError:
        if '\\"' not in text:
            raise
        # Read the text as the body of a JSON string literal to remove the extra escaping.
        value = _loads(_loads(f'"{text}"'))
    if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
        try:
            return _loads(value)
        except ValueError:
            return value
    return value


# What JSON decodes to (a Mapping of another kind is not walked: isinstance on the ABC is slow).
_CONTAINERS = (dict, list, tuple)


def nests_deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` has objects or arrays nested more than ``limit`` levels (``[]`` is one
    level, a scalar none). Walked without recursion, so any depth is measured."""
    if not isinstance(value, _CONTAINERS):
        return False
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > limit:
            return True
        for child in item.values() if isinstance(item, dict) else item:
            if isinstance(child, _CONTAINERS):
                pending.append((child, depth + 1))
    return False


def is_json_safe(value: Any) -> bool:
    """Whether ``json.dumps(value, allow_nan=False)`` succeeds."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return False
    return True


def json_safe(value: Any) -> Any:
    """Return ``value`` if it is plain JSON nesting at most :data:`MAX_NESTING` levels; else a
    deeper value as its compact JSON text, anything else as its (truncated) repr: dumps never fail."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if nests_deeper_than(value, MAX_NESTING):
        try:
            return compact_json(value)
        except (TypeError, ValueError, RecursionError):
            return short_repr(value)
    return value if is_json_safe(value) else short_repr(value)


def short_repr(value: Any) -> str:
    """A repr of ``value`` cut to a length that fits in a message (never raises)."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        # An int past Python's digit limit, or a value nested past the recursion limit.
        size = f"{value.bit_length()} bits" if isinstance(value, int) else "too deeply nested"
        text = f"<{type(value).__name__}: {size}, not shown>"
    return text if len(text) <= _REPR_LIMIT else text[: _REPR_LIMIT - 3] + "..."


def body_text(body: object) -> str:
    """A response body as text for an error message (JSON when possible)."""
    try:
        return json.dumps(body, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return short_repr(body)
