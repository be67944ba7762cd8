"""JSON integers longer than Python converts, kept as their digits (shared by the wire and the models)."""

from __future__ import annotations


def integer_or_digits(digits: str) -> int | str:
    """A JSON integer as an ``int``, or as its digits when Python refuses to convert one that long
    (``sys.get_int_max_str_digits()``, 4,300 digits by default): the value stays readable, as text,
    and the rest of the JSON around it is not lost. For ``json.loads(parse_int=...)``."""
    try:
        return int(digits)
    except ValueError:
        return digits
