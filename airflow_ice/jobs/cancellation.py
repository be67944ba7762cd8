"""What a best-effort cancel of an ICE job came to: a typed value, not a sentence to compare."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class CancelOutcome(enum.Enum):
    """How a cancel ended."""

    CANCELLED = "the job was cancelled"
    NOT_CANCELLABLE = "the job keeps running (ICE cannot cancel it)"
    FAILED = "cancelling it failed"


@dataclass(frozen=True)
class Cancellation:
    """A cancel's outcome and, when it failed, why.

    :param outcome: cancelled, not cancellable, or failed.
    :param detail: the error, when it failed.
    """

    outcome: CancelOutcome
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.outcome.value}: {self.detail}" if self.detail else self.outcome.value
