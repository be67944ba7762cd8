"""Where calls go: a host or an http(s) URL, checked into ``scheme://host[:port]``.

One rule for every endpoint a connection names (ICE's, STS's, the metadata service's): a value
that would send calls somewhere other than it says, or carry a password in the ``Host`` header, is
refused, and the error never repeats a value that may hold a password.
"""

from __future__ import annotations

from urllib.parse import urlsplit

ALLOWED_FORMS = (
    "a host such as 'ice.cn-shanghai.aliyuncs.com' or a URL 'http(s)://host[:port]', "
    "with no user name, password, path, query or fragment"
)
"""What an endpoint may be, for error messages."""


def base_url_of(name: str, value: object, *, default_scheme: str) -> str:
    """``scheme://host[:port]`` from a host (``default_scheme`` is used) or an http(s) URL.

    :param name: the setting, named in errors (e.g. ``endpoint``).
    :param value: the setting's value as the connection holds it.
    :param default_scheme: the scheme of a bare host (``https`` for ICE and STS).
    :raises ValueError: ``value`` is not one of :data:`ALLOWED_FORMS`; the message names ``name``
        and never quotes a value holding ``@`` (it may carry a password).
    """
    if not isinstance(value, str):
        raise ValueError(f"{name} must be text, {ALLOWED_FORMS}; got a {type(value).__name__}.")
    text = value.strip()
    if "@" in text:
        raise ValueError(
            f"{name} must not hold a user name or password ('user:password@'): calls are signed with "
            f"the connection's credentials, and the endpoint is sent in every request. Give {ALLOWED_FORMS}."
        )
    shown = f"{name} {text!r}"
    if not text or any(char.isspace() or not char.isprintable() for char in text):
        raise ValueError(f"{shown} is not usable: give {ALLOWED_FORMS}.")
    if "?" in text or "#" in text:
        raise ValueError(
            f"{shown} must not have a query or fragment (it would be dropped): give {ALLOWED_FORMS}."
        )
    parts = urlsplit(text if "://" in text else f"{default_scheme}://{text}")
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError(
            f"{shown} has scheme {parts.scheme!r}; only http and https are allowed: give {ALLOWED_FORMS}."
        )
    if not parts.hostname:
        raise ValueError(f"{shown} has no host: give {ALLOWED_FORMS}.")
    try:
        port = parts.port
    except ValueError:  # not a number, or above 65535
        port = 0
    if port == 0 or parts.netloc.endswith(":"):
        raise ValueError(f"{shown} has no valid port (1 to 65535): give {ALLOWED_FORMS}.")
    if parts.path not in ("", "/"):
        raise ValueError(f"{shown} must not have a path (ICE is served at '/'): give {ALLOWED_FORMS}.")
    return f"{scheme}://{parts.netloc}"


__all__ = ["ALLOWED_FORMS", "base_url_of"]
