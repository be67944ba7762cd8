"""Temporary credentials the emulator issues (STS AssumeRole/AssumeRoleWithOIDC, the ECS metadata
service), and the settings of those services.

Issued keys are accepted by the ICE actions until they expire by the emulator's clock (the one
that drives job lifecycles, so a test can step past an expiry without sleeping); after that ICE
answers ``InvalidSecurityToken.Expired``.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

DEFAULT_ACCOUNT_ID = "1234567890123456"
DEFAULT_ROLE_ARN = f"acs:ram::{DEFAULT_ACCOUNT_ID}:role/ice-runner"
DEFAULT_OIDC_PROVIDER_ARN = f"acs:ram::{DEFAULT_ACCOUNT_ID}:oidc-provider/ack-rrsa-emulator"
DEFAULT_OIDC_TOKEN = "emulator-oidc-token"
DEFAULT_ECS_ROLE_NAME = "EcsRamRoleForIce"
DEFAULT_TOKEN_SECONDS = 3600.0
# Expired keys are remembered this long (to answer "expired" rather than "unknown key").
EXPIRED_KEY_MEMORY_SECONDS = 3600.0
PRUNE_ABOVE = 50_000


@dataclass(frozen=True)
class StsSettings:
    """What the emulated STS and metadata service accept and issue.

    :param role_arns: the roles AssumeRole and AssumeRoleWithOIDC may assume.
    :param oidc_provider_arn: the one registered OIDC provider.
    :param oidc_tokens: the OIDC tokens AssumeRoleWithOIDC accepts.
    :param token_seconds: lifetime of issued credentials (AssumeRole gives the smaller of this and
        the requested ``DurationSeconds``).
    :param ecs_role_name: the RAM role attached to the emulated ECS instance.
    :param metadata_token_required: the metadata service answers reads only with an IMDSv2
        session token (hardened mode).
    """

    role_arns: tuple[str, ...] = (DEFAULT_ROLE_ARN,)
    oidc_provider_arn: str = DEFAULT_OIDC_PROVIDER_ARN
    oidc_tokens: tuple[str, ...] = field(default=(DEFAULT_OIDC_TOKEN,), repr=False)
    token_seconds: float = DEFAULT_TOKEN_SECONDS
    ecs_role_name: str = DEFAULT_ECS_ROLE_NAME
    metadata_token_required: bool = False

    def __post_init__(self) -> None:
        if self.token_seconds <= 0:
            raise ValueError("token_seconds must be positive")


def as_tuple(values: str | Iterable[str]) -> tuple[str, ...]:
    """One string or several, as a tuple."""
    return (values,) if isinstance(values, str) else tuple(values)


@dataclass(frozen=True)
class IssuedKey:
    """One set of temporary credentials.

    :param access_key_id: ``STS.`` followed by random characters.
    :param access_key_secret: the secret.
    :param security_token: the STS token that must accompany the key.
    :param expiration: expiry, in seconds since the epoch (emulator clock).
    :param principal: who got it (the assumed role and session, or the ECS role).
    """

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str = field(repr=False)
    expiration: float
    principal: str


class TemporaryKeyStore:
    """The issued temporary keys, thread-safe.

    :param clock: seconds since the epoch (the emulator's job clock).
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._keys: dict[str, IssuedKey] = {}
        self._lock = threading.Lock()

    def issue(self, lifetime: float, principal: str) -> IssuedKey:
        """New temporary credentials valid for ``lifetime`` seconds."""
        key = IssuedKey(
            access_key_id=f"STS.{secrets.token_urlsafe(18)}",
            access_key_secret=secrets.token_urlsafe(30),
            security_token=f"CAIS{secrets.token_urlsafe(96)}",
            expiration=self.clock() + lifetime,
            principal=principal,
        )
        with self._lock:
            if len(self._keys) >= PRUNE_ABOVE:
                self._prune()
            self._keys[key.access_key_id] = key
        return key

    def lookup(self, access_key_id: str) -> IssuedKey | None:
        """The issued key with this id, expired or not; None if never issued (or long forgotten)."""
        return self._keys.get(access_key_id)

    def issued(self) -> list[IssuedKey]:
        """Every key issued and remembered, oldest first."""
        with self._lock:
            return list(self._keys.values())

    def is_expired(self, key: IssuedKey) -> bool:
        """Whether ``key`` has expired by the emulator's clock."""
        return self.clock() >= key.expiration

    def __len__(self) -> int:
        return len(self._keys)

    def clear(self) -> None:
        """Forget every issued key."""
        with self._lock:
            self._keys.clear()

    def _prune(self) -> None:
        horizon = self.clock() - EXPIRED_KEY_MEMORY_SECONDS
        for key_id in [key_id for key_id, key in self._keys.items() if key.expiration < horizon]:
            del self._keys[key_id]
