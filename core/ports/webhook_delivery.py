"""What delivering a webhook needs besides the database: the HTTP sender, the queue, counters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SendResult:
    """One POST: the status code (None when no answer came), the error, how long it took."""

    status_code: int | None
    error: str | None
    duration_ms: float


class WebhookSender(Protocol):
    def send(self, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
        """POST `body`; never raises for a network failure or timeout (the result says so)."""


class DeliveryQueue(Protocol):
    def enqueue(self, delivery_id: str, delay_ms: int = 0) -> None:
        """Hand a delivery to a worker, now or after `delay_ms` (at least once)."""


class WebhookMetrics(Protocol):
    def webhook_attempt(self, outcome: str) -> None:
        """One attempt: `entregue`, `falhou` (retried later) or `morta` (dead letter)."""
