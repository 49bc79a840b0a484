"""Webhook deliveries on Dramatiq: the `deliver_webhook` actor on the batch's broker (Redis, or
in process for the embedded runtime), the DeliveryQueue adapter and the outbox bell.

The actor carries only a delivery id; the database holds everything else, so a repeated or lost
message costs a repeated POST (receivers dedupe by event id) or a wait for the sweep (ADR 0025).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import dramatiq
import structlog


QUEUE_NAME = "webhooks"
ACTOR_NAME = "deliver_webhook"
log = structlog.get_logger("equivalence.webhooks")


def declare_webhook_actor(broker: dramatiq.Broker, deliver: Callable[[str], object]) -> dramatiq.Actor:
    """`deliver_webhook(delivery_id)`: one attempt; an exception (database down) is retried by
    Dramatiq's Retries middleware, and the sweep takes the delivery again after its lease."""
    if ACTOR_NAME in broker.actors:
        return broker.get_actor(ACTOR_NAME)

    def deliver_webhook(delivery_id: str) -> None:
        deliver(delivery_id)

    return dramatiq.actor(broker=broker, actor_name=ACTOR_NAME, queue_name=QUEUE_NAME, time_limit=120_000)(deliver_webhook)


class DramatiqDeliveryQueue:
    """The DeliveryQueue port: `enqueue(id, delay_ms)` sends one message (delayed for a retry)."""

    def __init__(self, actor: dramatiq.Actor) -> None:
        self._actor = actor

    def enqueue(self, delivery_id: str, delay_ms: int = 0) -> None:
        self._actor.send_with_options(args=(delivery_id,), delay=delay_ms or None)


class OutboxBell:
    """Told the delivery ids each commit wrote; rings the dispatcher once it is connected.

    The unit of work is built before the queue (which needs the unit of work): the bell breaks
    that cycle. Unconnected (a CLI process with no queue), it does nothing and the sweep of a
    worker hands the deliveries out."""

    def __init__(self) -> None:
        self._ring: Callable[[list[str]], object] | None = None
        self._lock = threading.Lock()

    def connect(self, ring: Callable[[list[str]], object]) -> None:
        with self._lock:
            self._ring = ring

    def __call__(self, delivery_ids: list[str]) -> None:
        ring = self._ring
        if ring is not None:
            ring(delivery_ids)


def sweep_quietly(sweep: Callable[[], int]) -> Callable[[], int]:
    """The sweep for a timer: a failed round (database or broker down) is logged, tried next round."""

    def run() -> int:
        try:
            return sweep()
        except Exception as exc:  # noqa: BLE001 - try again next round
            log.warning("webhook sweep failed", error_type=type(exc).__name__)
            return 0

    return run



