"""The settings an ICE client needs, validated from a connection's fields and extras.

Pure: it reads the connection's fields and extras (already fetched by the hook, sync or async)
and validates them, so that a bad connection fails with a message naming the field to fix.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from airflow_ice.client.connection_type import CONN_TYPE, DEFAULT_CONN_ID
from airflow_ice.client.credential_settings import CredentialSettings, credential_settings_from_extras
from airflow_ice.client.endpoint import base_url_of
from airflow_ice.client.signing import ACS3_HMAC_SHA256, SIGNATURE_ALGORITHMS, Credentials
from airflow_ice.errors import IceConfigurationError

ICE_API_VERSION = "2020-11-09"
DEFAULT_REGION = "cn-shanghai"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 5
# ICE answers are small JSON documents (a job with its result: a few KB); anything far larger is
# not an ICE answer, and reading it whole could exhaust a triggerer's memory.
DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024
# The ranges a connection's numbers must fall in: beyond them a value is a mistake (a timeout of
# 1e10 s overflows the sockets' timers at every call) or would defeat the setting's purpose.
TIMEOUT_RANGE = (0.0, 3600.0)
"""``timeout``: seconds per HTTP request, above the first and at most the second."""
MAX_RETRIES_RANGE = (0, 50)
"""``max_retries``: the least and the most retries after the first attempt."""
MAX_RESPONSE_BYTES_RANGE = (1024, 1024 * 1024 * 1024)
"""``max_response_bytes``: the least and the most bytes of one answer read."""

ICE_REGIONS = frozenset(
    {
        # Documented ICE regions.
        "cn-beijing",
        "cn-hangzhou",
        "cn-shanghai",
        "cn-shenzhen",
        "ap-southeast-1",
        "us-west-1",
        # Public regions the official SDK's endpoint map names for ICE.
        "ap-northeast-1",
        "ap-south-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-5",
        "cn-chengdu",
        "cn-fujian",
        "cn-hongkong",
        "cn-huhehaote",
        "cn-qingdao",
        "cn-wuhan",
        "cn-wulanchabu",
        "cn-zhangbei",
        "cn-zhangjiakou",
        "eu-central-1",
        "eu-west-1",
        "me-east-1",
        "us-east-1",
    }
)
"""Region ids ICE is known in; a connection whose endpoint comes from its region must name one."""

_REGION_RE = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+$")
_TRUE_WORDS = frozenset({"true", "yes", "1", "on"})
_FALSE_WORDS = frozenset({"false", "no", "0", "off"})

NO_STORED_KEY = Credentials("", "")
"""The ``credentials`` of a connection that stores no AccessKey (it is never sent: the hook signs
with its credentials provider's credentials)."""


@dataclass(frozen=True)
class IceConnectionConfig:
    """Validated settings of one ICE connection.

    :param credentials: the AccessKey pair (and optional STS token) stored in the connection, or
        :data:`NO_STORED_KEY` when the credentials come from another source (see
        ``credential_settings``); the hook signs each attempt with what its credentials provider gives.
    :param region: the region id, e.g. ``cn-shanghai``.
    :param base_url: scheme and host the calls go to, e.g. ``https://ice.cn-shanghai.aliyuncs.com``.
    :param signature_algorithm: ``ACS3-HMAC-SHA256`` or ``HMAC-SHA1``.
    :param timeout: seconds allowed for one HTTP request.
    :param max_retries: retries after the first attempt, for the calls that may be retried.
    :param verify: whether to verify the server's TLS certificate (turn off only for tests).
    :param ca_bundle: CA certificates to trust instead of the system's: a path to a PEM file, or
        the PEM text itself (for endpoints behind a corporate proxy or a private CA).
    :param max_requests_per_second: cap on the calls of all hooks of this process that share
        the endpoint and credentials (a token bucket); None for no cap.
    :param credential_settings: where credentials come from (environment, RAM role, RRSA/OIDC,
        ECS RAM role) when not, or not only, from the stored AccessKey.
    :param max_response_bytes: the largest answer read (after decompression); a larger one is
        refused without being read whole.
    :param conn_id: the connection these settings came from, named in errors.
    :param explicit_endpoint: whether the endpoint was set (extra or host) rather than derived
        from the region.
    """

    credentials: Credentials = field(repr=False)
    region: str = DEFAULT_REGION
    base_url: str = f"https://ice.{DEFAULT_REGION}.aliyuncs.com"
    signature_algorithm: str = ACS3_HMAC_SHA256
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    verify: bool = True
    ca_bundle: str | None = field(default=None, repr=False)
    max_requests_per_second: float | None = None
    credential_settings: CredentialSettings = field(default_factory=CredentialSettings)
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    conn_id: str = DEFAULT_CONN_ID
    explicit_endpoint: bool = False

    @property
    def stored_credentials(self) -> Credentials | None:
        """The AccessKey stored in the connection, None if it holds none."""
        return None if self.credentials is NO_STORED_KEY else self.credentials

    @property
    def host(self) -> str:
        """The ``Host`` header value (host and port, as the server sees it)."""
        return urlsplit(self.base_url).netloc

    def transport_warnings(self) -> list[str]:
        """What is unsafe about how this connection reaches ICE (TLS off, keys over plain HTTP)."""
        warnings = []
        if not self.verify and self.base_url.startswith("https://"):
            warnings.append(
                f"Connection {self.conn_id!r}: TLS certificate verification is off (verify=false) for "
                f"{self.base_url}; anyone on the path can read and change ICE calls. Use ca_bundle to "
                "trust a private CA instead."
            )
        if self.base_url.startswith("http://") and not is_loopback(urlsplit(self.base_url).hostname):
            warnings.append(
                f"Connection {self.conn_id!r}: credentials are sent over plain HTTP to {self.base_url}, "
                "which is not a loopback address; use https:// (plain HTTP is meant for a local emulator)."
            )
        return warnings


def is_loopback(hostname: str | None) -> bool:
    """Whether ``hostname`` is this machine (``localhost`` or a loopback address)."""
    if not hostname:
        return False
    if hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def nearest_region(region: str) -> str | None:
    """The known ICE region closest in spelling to ``region``, if any is close."""
    matches = difflib.get_close_matches(region, sorted(ICE_REGIONS), n=1, cutoff=0.75)
    return matches[0] if matches else None


def check_region(conn_id: str, region: str) -> None:
    """Refuse a region ICE is not known in (its endpoint would not resolve), naming the nearest one.

    :raises IceConfigurationError: ``region`` is not in :data:`ICE_REGIONS`.
    """
    if region in ICE_REGIONS:
        return
    nearest = nearest_region(region)
    guess = f"did you mean {nearest!r}? " if nearest else ""
    raise IceConfigurationError(
        f"Connection {conn_id!r}: region {region!r} is not an ICE region; {guess}Known regions: "
        f"{', '.join(sorted(ICE_REGIONS))}. For a region not listed here, set the endpoint extra "
        "(e.g. 'ice.<region>.aliyuncs.com') explicitly."
    )


def _extra_value(extra: Mapping[str, Any], name: str) -> Any:
    """Read an extra by its plain name or the ``extra__alibaba_ice__`` prefixed form of older UIs."""
    for key in (name, f"extra__{CONN_TYPE}__{name}"):
        value = extra.get(key)
        if value not in (None, ""):
            return value
    return None


def resolve_endpoint(endpoint: object, region: str, host: str | None = None, port: int | None = None) -> str:
    """The base URL: an explicit endpoint (host or URL) wins, then the connection host, then the region's.

    :raises IceConfigurationError: the endpoint (or host) is not a host or an http(s) URL without
        user, password, path, query or fragment; the message names the field, never a password.
    """
    try:
        if endpoint not in (None, ""):
            return base_url_of("endpoint", endpoint, default_scheme="https")
        if host:
            netloc = f"{host}:{port}" if port else host
            return base_url_of("host", netloc, default_scheme="https")
    except ValueError as exc:
        raise IceConfigurationError(str(exc)) from None
    return f"https://ice.{region}.aliyuncs.com"


def extras_of(conn_id: str, extra: Mapping[str, Any] | str | None) -> Mapping[str, Any]:
    """The connection's extras: its extra field's JSON object (or a mapping already decoded).

    Airflow's own reading of the field logs a field that is not JSON and gives ``{}``: every
    setting would silently take its default, and calls would go to the default region's ICE.

    :param conn_id: the connection id, named in errors.
    :param extra: the connection's extra field as stored (JSON text), or its decoded mapping.
    :raises IceConfigurationError: the field is not a JSON object (its text is never quoted: it
        may hold secrets).
    """
    if extra is None:
        return {}
    if isinstance(extra, str):
        if not extra.strip():
            return {}
        try:
            extra = json.loads(extra)
        except ValueError as exc:
            where = (
                f" ({exc.msg} at line {exc.lineno} column {exc.colno})"
                if isinstance(exc, json.JSONDecodeError)
                else ""
            )
            raise IceConfigurationError(
                f"Connection {conn_id!r}: its extra is not valid JSON{where}. Give the extras as a JSON "
                'object, e.g. {"region": "cn-shanghai"}; nothing is sent until it is fixed.'
            ) from None
    if not isinstance(extra, Mapping):
        raise IceConfigurationError(
            f"Connection {conn_id!r}: its extra must be a JSON object of settings, e.g. "
            f'{{"region": "cn-shanghai"}}; got a {_json_kind(extra)}.'
        )
    return extra


def _json_kind(value: object) -> str:
    kinds = {
        list: "JSON list",
        str: "JSON string",
        bool: "JSON boolean",
        int: "JSON number",
        float: "JSON number",
    }
    return "JSON null" if value is None else kinds.get(type(value), type(value).__name__)


def config_from_connection(
    *,
    conn_id: str,
    login: str | None,
    password: str | None,
    extra: Mapping[str, Any] | str | None,
    host: str | None = None,
    port: int | None = None,
) -> IceConnectionConfig:
    """Validate an ``alibaba_ice`` (or ``alibaba_cloud``) connection's fields into a config.

    :param conn_id: the connection id, named in errors.
    :param login: the AccessKey ID field.
    :param password: the AccessKey Secret field.
    :param extra: the connection's extra field as stored (JSON text of an object), or its decoded
        mapping: the extras (``region``, ``endpoint``, ``security_token``,
        ``signature_algorithm``, ``timeout``, ``max_retries``, ``verify``, ``ca_bundle``,
        ``max_requests_per_second``, the credential-source extras of
        :func:`~airflow_ice.client.credential_settings.credential_settings_from_extras`; ``alibaba_cloud``
        connections give ``access_key_id``, ``access_key_secret`` and ``region`` here).
    :param host: the connection's host field, used as the endpoint when no ``endpoint`` extra is set.
    :param port: the connection's port field.
    :raises IceConfigurationError: a field or extra is malformed or out of range (the message names
        the connection, the field and what is allowed); nothing is replaced by a default.
    """
    extra = extras_of(conn_id, extra)
    access_key_id = login or _extra_value(extra, "access_key_id")
    access_key_secret = password or _extra_value(extra, "access_key_secret")
    if bool(access_key_id) != bool(access_key_secret):
        # Without any key, credentials come from the credential source; half a key is a mistake.
        missing = "AccessKey ID (login)" if not access_key_id else "AccessKey Secret (password)"
        raise IceConfigurationError(
            f"Connection {conn_id!r} has no {missing}. Set login/password on the connection "
            "(or access_key_id/access_key_secret in its extras for an alibaba_cloud connection), "
            "or leave both empty to use another credential source."
        )
    token = _extra_value(extra, "security_token")

    region = str(_extra_value(extra, "region") or DEFAULT_REGION).strip()
    if not _REGION_RE.match(region):
        raise IceConfigurationError(
            f"Connection {conn_id!r}: region {region!r} is not a region id such as 'cn-shanghai'."
        )

    algorithm = str(_extra_value(extra, "signature_algorithm") or ACS3_HMAC_SHA256).strip().upper()
    if algorithm not in SIGNATURE_ALGORITHMS:
        raise IceConfigurationError(
            f"Connection {conn_id!r}: signature_algorithm {algorithm!r} is not supported; "
            f"allowed: {', '.join(SIGNATURE_ALGORITHMS)}."
        )

    timeout = _number(conn_id, "timeout", _extra_value(extra, "timeout"), DEFAULT_TIMEOUT, float)
    if not TIMEOUT_RANGE[0] < timeout <= TIMEOUT_RANGE[1]:
        raise IceConfigurationError(
            f"Connection {conn_id!r}: timeout must be a number of seconds above {TIMEOUT_RANGE[0]:g} and at "
            f"most {TIMEOUT_RANGE[1]:g}, got {timeout!r} (it bounds one HTTP request)."
        )
    endpoint = _extra_value(extra, "endpoint")
    if not endpoint and not host:
        check_region(conn_id, region)
    max_response_bytes = _number(
        conn_id,
        "max_response_bytes",
        _extra_value(extra, "max_response_bytes"),
        DEFAULT_MAX_RESPONSE_BYTES,
        int,
    )
    low, high = MAX_RESPONSE_BYTES_RANGE
    if not low <= max_response_bytes <= high:
        raise IceConfigurationError(
            f"Connection {conn_id!r}: max_response_bytes must be a whole number of bytes from {low} to "
            f"{high}, got {max_response_bytes!r}."
        )
    max_retries = _number(
        conn_id, "max_retries", _extra_value(extra, "max_retries"), DEFAULT_MAX_RETRIES, int
    )
    low, high = MAX_RETRIES_RANGE
    if not low <= max_retries <= high:
        raise IceConfigurationError(
            f"Connection {conn_id!r}: max_retries must be a whole number from {low} to {high}, got {max_retries!r}."
        )
    if token is not None and not isinstance(token, str):
        raise IceConfigurationError(
            f"Connection {conn_id!r}: security_token must be text (the STS token), got a {type(token).__name__}."
        )
    try:
        base_url = resolve_endpoint(endpoint, region, host, port)
    except IceConfigurationError as exc:
        raise IceConfigurationError(f"Connection {conn_id!r}: {exc}") from None

    return IceConnectionConfig(
        credentials=Credentials(str(access_key_id).strip(), str(access_key_secret), token or None)
        if access_key_id
        else NO_STORED_KEY,
        region=region,
        base_url=base_url,
        signature_algorithm=algorithm,
        timeout=timeout,
        max_retries=max_retries,
        **tls_and_rate_settings(conn_id, extra),
        credential_settings=credential_settings_from_extras(conn_id, lambda name: _extra_value(extra, name)),
        max_response_bytes=max_response_bytes,
        conn_id=conn_id,
        explicit_endpoint=bool(endpoint or host),
    )


def tls_and_rate_settings(conn_id: str, extra: Mapping[str, Any]) -> dict[str, Any]:
    """The ``verify``, ``ca_bundle`` and ``max_requests_per_second`` extras, validated."""
    raw_verify = _extra_value(extra, "verify")
    if raw_verify is None or isinstance(raw_verify, bool):
        verify = raw_verify is not False
    elif str(raw_verify).strip().lower() in _TRUE_WORDS | _FALSE_WORDS:
        verify = str(raw_verify).strip().lower() in _TRUE_WORDS
    else:
        raise IceConfigurationError(
            f"Connection {conn_id!r}: verify must be true or false, got {raw_verify!r}; "
            "to trust a private CA, give its PEM file in the ca_bundle extra."
        )
    ca_bundle = _extra_value(extra, "ca_bundle")
    if ca_bundle is not None and (not isinstance(ca_bundle, str) or not ca_bundle.strip()):
        raise IceConfigurationError(
            f"Connection {conn_id!r}: ca_bundle must be the path of a PEM file or PEM text."
        )
    rate = _number(
        conn_id, "max_requests_per_second", _extra_value(extra, "max_requests_per_second"), None, float
    )
    if rate is not None and rate <= 0:
        raise IceConfigurationError(
            f"Connection {conn_id!r}: max_requests_per_second must be a positive number (or unset for no cap)."
        )
    return {
        "verify": verify,
        "ca_bundle": ca_bundle.strip() if ca_bundle else None,
        "max_requests_per_second": rate,
    }


def _number(conn_id: str, name: str, raw: Any, default: Any, kind: type) -> Any:
    """A finite number (a whole one for ``int``) from a JSON number or its text; ``default`` when unset.

    Booleans, infinities, NaN and fractions for whole numbers are refused rather than converted
    (``int(2.7)`` would silently be 2, ``int(inf)`` raises ``OverflowError``).
    """
    if raw is None:
        return default
    what = "whole number" if kind is int else "number"
    try:
        if isinstance(raw, bool):
            raise TypeError
        value = float(raw.strip() if isinstance(raw, str) else raw)
        if not math.isfinite(value) or (kind is int and not value.is_integer()):
            raise ValueError
    except (TypeError, ValueError):
        raise IceConfigurationError(
            f"Connection {conn_id!r}: {name} must be a finite {what}, got {raw!r:.40}."
        ) from None
    return int(value) if kind is int else value
