"""TLS contexts: how a client checks ICE's certificate, built once per settings and process.

Building a context reads CA certificates from disk, so callers on an event loop build it in a
worker thread (see :class:`~airflow_ice.client.pool.AsyncClientPool`).
"""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from airflow_ice.errors import IceConfigurationError

if TYPE_CHECKING:
    from airflow_ice.client.config import IceConnectionConfig

PEM_MARKER = "-----BEGIN"


@dataclass(frozen=True)
class TlsSettings:
    """How a client checks the server's certificate.

    :param verify: whether to verify it at all.
    :param ca_bundle: the CAs to trust instead of the default ones: a PEM file path or PEM text.
    """

    verify: bool = True
    ca_bundle: str | None = field(default=None, repr=False)

    @classmethod
    def of(cls, config: IceConnectionConfig) -> TlsSettings:
        """The TLS settings of a connection."""
        return cls(verify=config.verify, ca_bundle=config.ca_bundle if config.verify else None)


_contexts: dict[TlsSettings, ssl.SSLContext] = {}
_contexts_lock = threading.Lock()


def cached_ssl_context(tls: TlsSettings) -> ssl.SSLContext | None:
    """The TLS context already built for ``tls``, or None (never does I/O)."""
    return _contexts.get(tls)


def ssl_context_for(tls: TlsSettings) -> ssl.SSLContext:
    """The TLS context for ``tls``, built once per process (blocking: reads CA files).

    :raises IceConfigurationError: the CA bundle cannot be read or holds no certificate.
    """
    context = _contexts.get(tls)
    if context is not None:
        return context
    with _contexts_lock:
        context = _contexts.get(tls)
        if context is None:
            context = build_ssl_context(tls)
            _contexts[tls] = context
    return context


def forget_ssl_contexts() -> None:
    """Drop every cached context (for tests that count builds)."""
    with _contexts_lock:
        _contexts.clear()


def build_ssl_context(tls: TlsSettings) -> ssl.SSLContext:
    """A new TLS context for ``tls`` (blocking: reads CA files); :func:`ssl_context_for` caches it.

    :raises IceConfigurationError: the CA bundle cannot be read or holds no certificate.
    """
    # httpx's contexts trust certifi's CAs, as every ICE call has so far; imported here, on the
    # first call, not when a DAG file imports an operator.
    import httpx

    if not tls.verify:
        return httpx.create_ssl_context(verify=False)
    if tls.ca_bundle is None:
        return httpx.create_ssl_context()
    is_pem_text = tls.ca_bundle.lstrip().startswith(PEM_MARKER)
    try:
        if is_pem_text:
            return ssl.create_default_context(cadata=tls.ca_bundle)
        return ssl.create_default_context(cafile=tls.ca_bundle)
    except (OSError, ssl.SSLError, ValueError) as exc:
        where = "the PEM text in ca_bundle" if is_pem_text else f"ca_bundle {tls.ca_bundle!r}"
        raise IceConfigurationError(
            f"Cannot load CA certificates from {where}: {exc}. Give the path of a readable PEM file "
            "(or the PEM text) holding the certificate of the CA that signed the endpoint's certificate."
        ) from None


__all__ = ["TlsSettings", "build_ssl_context", "cached_ssl_context", "forget_ssl_contexts", "ssl_context_for"]
