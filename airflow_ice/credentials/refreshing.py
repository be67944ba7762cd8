"""A provider of temporary credentials: a fetcher behind the process-wide single-flight cache."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from airflow_ice.client.signing import Credentials
from airflow_ice.credentials.base import CredentialsFetcher, CredentialsProvider, TemporaryCredentials
from airflow_ice.credentials.cache import CredentialsCache, shared_cache

NewCredentialsCallback = Callable[[Credentials], None]
"""Called once per refresh with the new credentials (e.g. to register them with a log masker);
it may block, so the async path runs it in a worker thread."""


class RefreshingCredentialsProvider(CredentialsProvider):
    """Temporary credentials from ``fetcher``, cached per process and refreshed before they expire.

    :param fetcher: asks STS or the metadata service.
    :param cache: the cache to use; default: the process-wide one for the fetcher's ``cache_key``.
    :param on_new_credentials: called once per refresh with the new credentials.
    """

    def __init__(
        self,
        fetcher: CredentialsFetcher,
        cache: CredentialsCache | None = None,
        on_new_credentials: NewCredentialsCallback | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.source = fetcher.source
        self.cache = cache or shared_cache(fetcher.cache_key, fetcher.source)
        self._on_new = on_new_credentials

    def describe(self) -> str:
        return self.fetcher.describe()

    def get_credentials(self) -> Credentials:
        return self.cache.get(self._fetch)

    async def aget_credentials(self) -> Credentials:
        return await self.cache.aget(self._afetch)

    def invalidate(self) -> None:
        """Forget the cached credentials (e.g. after the service rejected them): the next call refreshes."""
        self.cache.invalidate()

    def _fetch(self) -> TemporaryCredentials:
        result = self.fetcher.fetch()
        if self._on_new is not None:
            self._on_new(result.credentials)
        return result

    async def _afetch(self) -> TemporaryCredentials:
        result = await self.fetcher.afetch()
        if self._on_new is not None:
            await asyncio.to_thread(self._on_new, result.credentials)
        return result
