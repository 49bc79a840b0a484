"""The webhook use cases over fakes: a seeded tenant, its endpoints, a scripted receiver, a queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.usecases.reviews import Reviews
from core.usecases.webhook_destinations import PublicDestinationsOnly
from core.usecases.webhooks import DeliverWebhook, DeliveryPolicy, OutboxDispatcher, WebhookAdmin, WebhookDeliveries
from tests.fakes import FakeUnitOfWorkFactory, FixedClock, SequentialIds
from tests.fakes.webhooks import PUBLIC_ADDRESS, FakeDeliveryQueue, FakeHostResolver, RecordingWebhookMetrics, ScriptedSender
from tests.support.evaluate_world import World as EvaluateWorld, world as evaluate_world

POLICY = DeliveryPolicy(
    max_attempts=3, backoff=dt.timedelta(seconds=10), backoff_cap=dt.timedelta(minutes=1), lease=dt.timedelta(minutes=5)
)


@dataclass
class WebhookWorld:
    evaluate: EvaluateWorld
    uows: FakeUnitOfWorkFactory
    clock: FixedClock
    queue: FakeDeliveryQueue
    sender: ScriptedSender
    metrics: RecordingWebhookMetrics
    resolver: FakeHostResolver  # the admin's: receiver.example is public, anything else does not resolve
    admin: WebhookAdmin
    dispatcher: OutboxDispatcher
    deliver: DeliverWebhook
    deliveries: WebhookDeliveries

    @property
    def reviews(self) -> Reviews:
        return Reviews(self.uows, self.clock)

    def run_queue(self) -> None:
        """A worker taking every message (delays are not waited for: the fake clock is the test's)."""
        while messages := self.queue.take_all():
            for delivery_id, _delay in messages:
                self.deliver(delivery_id)


def webhook_world(sender: ScriptedSender | None = None) -> WebhookWorld:
    ew = evaluate_world()
    uows, clock = ew.uows, ew.clock
    queue, metrics = FakeDeliveryQueue(), RecordingWebhookMetrics()
    sender = sender or ScriptedSender()
    secrets = iter(f"whsec_test_{n}" for n in range(1, 1000))
    dispatcher = OutboxDispatcher(uows, queue, clock, POLICY)
    resolver = FakeHostResolver({"receiver.example": [PUBLIC_ADDRESS]})
    return WebhookWorld(
        ew, uows, clock, queue, sender, metrics, resolver,
        WebhookAdmin(uows, clock, SequentialIds("ep-"), PublicDestinationsOnly(resolver), secret=lambda: next(secrets)),
        dispatcher,
        DeliverWebhook(uows, sender, queue, clock, POLICY, metrics),
        WebhookDeliveries(uows, dispatcher, clock),
    )
