"""The credentials provider interface, and temporary credentials with their expiry."""

from __future__ import annotations

import abc
from collections.abc import Hashable
from dataclasses import dataclass

from airflow_ice.client.signing import Credentials

# Refresh when this share of the lifetime is left (at most REFRESH_MARGIN_MAX seconds before expiry).
REFRESH_SHARE = 1 / 3
REFRESH_MARGIN_MAX = 15 * 60.0
# Stop using credentials this close to their expiry (the request must still arrive in time).
EXPIRY_SHARE = 1 / 10
EXPIRY_MARGIN_MAX = 60.0


@dataclass(frozen=True)
class TemporaryCredentials:
    """Credentials that expire, as STS or the metadata service issued them.

    :param credentials: the temporary AccessKey pair and its STS token.
    :param expiration: when they expire, in seconds since the epoch.
    :param obtained_at: when they were received, in seconds since the epoch (by the local clock).
    """

    credentials: Credentials
    expiration: float
    obtained_at: float

    @property
    def lifetime(self) -> float:
        """Seconds between receipt and expiry."""
        return max(0.0, self.expiration - self.obtained_at)

    @property
    def refresh_at(self) -> float:
        """From then on, the next caller refreshes them (the others keep using them meanwhile)."""
        return self.expiration - min(REFRESH_MARGIN_MAX, self.lifetime * REFRESH_SHARE)

    @property
    def usable_until(self) -> float:
        """From then on, nobody uses them: callers wait for fresh ones."""
        return self.expiration - min(EXPIRY_MARGIN_MAX, self.lifetime * EXPIRY_SHARE)


class CredentialsProvider(abc.ABC):
    """Gives the credentials to sign the next request with; cheap to call before every attempt.

    Implementations never block the event loop in :meth:`aget_credentials` and never put a
    secret in their ``repr``, their :meth:`describe` text or their errors.
    """

    source: str = ""
    """The credential source's name, as in the connection's ``credential_source``."""

    @abc.abstractmethod
    def describe(self) -> str:
        """Where the credentials come from, for messages (no secrets)."""

    @abc.abstractmethod
    def get_credentials(self) -> Credentials:
        """The credentials to sign with now (may block: sync callers only).

        :raises IceCredentialsError: the source cannot give credentials.
        """

    @abc.abstractmethod
    async def aget_credentials(self) -> Credentials:
        """Async :meth:`get_credentials`, never blocking the event loop."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()})"


class CredentialsFetcher(abc.ABC):
    """Obtains fresh temporary credentials from a service (STS, the ECS metadata service).

    A :class:`~airflow_ice.credentials.refreshing.RefreshingCredentialsProvider` calls it only
    when its process-wide cache needs new credentials.
    """

    source: str = ""
    """The credential source's name, as in the connection's ``credential_source``."""

    @abc.abstractmethod
    def describe(self) -> str:
        """Where the credentials come from, for messages (no secrets)."""

    @property
    @abc.abstractmethod
    def cache_key(self) -> Hashable:
        """What identifies the credentials it gets: fetchers with equal keys share one cache."""

    @abc.abstractmethod
    def fetch(self) -> TemporaryCredentials:
        """Ask the service for new credentials (blocking).

        :raises IceCredentialsError: the service refused, failed or could not be reached.
        """

    @abc.abstractmethod
    async def afetch(self) -> TemporaryCredentials:
        """Async :meth:`fetch`, never blocking the event loop."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()})"
