"""HTTP calls to the credential services (STS, the ECS metadata service), with short retries.

Credential refreshes are rare (about once per credential lifetime per process), so each call uses
a short-lived httpx client. Transient failures (network errors, 5xx, 429) are retried a few times
with a short backoff; the async path sleeps with ``asyncio.sleep`` and builds TLS contexts, which
read CA files, in a worker thread.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from airflow_ice.client.redaction import install_log_redaction
from airflow_ice.errors import IceCredentialsUnavailableError

SslContextFactory = Callable[[], ssl.SSLContext]
"""Builds (or returns a cached) TLS context; may block, so the async path calls it in a thread."""
RequestFactory = Callable[[], httpx.Request]
"""Builds the request afresh for each attempt (a new signature nonce and timestamp)."""

STS_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
METADATA_TIMEOUT = httpx.Timeout(1.0)


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """The system's verifying TLS context, built once per process (reads the CA bundle)."""
    return httpx.create_ssl_context()


@functools.cache
def plaintext_context() -> ssl.SSLContext:
    """A context for ``http://`` URLs, where none is used (httpx wants one anyway)."""
    return httpx.create_ssl_context(verify=False)


@dataclass(frozen=True)
class HttpSettings:
    """How a credential service is called.

    :param timeout: httpx timeouts of one attempt.
    :param attempts: attempts in all (transient failures only are retried).
    :param backoff: the first wait between attempts, in seconds (doubles each time).
    :param trust_env: whether proxy variables apply (never for the link-local metadata service).
    :param ssl_context_factory: the TLS context for ``https://`` URLs.
    """

    timeout: httpx.Timeout = field(default_factory=lambda: STS_TIMEOUT)
    attempts: int = 3
    backoff: float = 0.2
    trust_env: bool = True
    ssl_context_factory: SslContextFactory = field(default=default_ssl_context, compare=False)


def is_transient(response: httpx.Response) -> bool:
    """Whether an answer is worth another attempt (server errors and throttling)."""
    return response.status_code >= 500 or response.status_code == 429


class ServiceCaller:
    """Sends requests to one credential service, retrying transient failures.

    :param settings: timeouts, attempts and TLS.
    :param source: the credential source, named in errors.
    :param service: the service's name for messages, e.g. ``STS``.
    """

    def __init__(self, settings: HttpSettings, source: str, service: str) -> None:
        # httpx logs every URL; AssumeRole's carries a V1 Signature (and SecurityToken).
        install_log_redaction()
        self.settings = settings
        self.source = source
        self.service = service

    def send(self, make_request: RequestFactory) -> httpx.Response:
        """The service's answer (possibly an error status after the last attempt).

        :raises IceCredentialsError: the service could not be reached.
        """
        settings = self.settings
        last_error: tuple[httpx.URL, httpx.TransportError] | None = None
        for attempt in range(settings.attempts):
            if attempt:
                time.sleep(settings.backoff * 2 ** (attempt - 1))
            request = make_request()
            context = settings.ssl_context_factory() if request.url.scheme == "https" else plaintext_context()
            try:
                with httpx.Client(
                    timeout=settings.timeout, verify=context, trust_env=settings.trust_env
                ) as client:
                    response = client.send(request)
            except httpx.TransportError as exc:
                last_error = (request.url, exc)
                continue
            if not is_transient(response) or attempt == settings.attempts - 1:
                return response
        raise self._unreachable(last_error)

    async def asend(self, make_request: RequestFactory) -> httpx.Response:
        """Async :meth:`send`, never blocking the event loop."""
        settings = self.settings
        last_error: tuple[httpx.URL, httpx.TransportError] | None = None
        for attempt in range(settings.attempts):
            if attempt:
                await asyncio.sleep(settings.backoff * 2 ** (attempt - 1))
            request = make_request()
            factory = settings.ssl_context_factory if request.url.scheme == "https" else plaintext_context
            context = await asyncio.to_thread(factory)
            try:
                async with httpx.AsyncClient(
                    timeout=settings.timeout, verify=context, trust_env=settings.trust_env
                ) as client:
                    response = await client.send(request)
            except httpx.TransportError as exc:
                last_error = (request.url, exc)
                continue
            if not is_transient(response) or attempt == settings.attempts - 1:
                return response
        raise self._unreachable(last_error)

    def _unreachable(
        self, failure: tuple[httpx.URL, httpx.TransportError] | None
    ) -> IceCredentialsUnavailableError:
        if failure is None:  # only with attempts < 1
            return IceCredentialsUnavailableError(
                self.source, f"{self.service} was not called (no attempts allowed)."
            )
        url, error = failure
        # The query may hold a V1 signature: name the service by scheme, host and path only.
        where = str(url.copy_with(query=None))
        cause = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        return IceCredentialsUnavailableError(
            self.source,
            f"{self.service} at {where} could not be reached after {self.settings.attempts} "
            f"attempt(s) ({cause}).",
        )
