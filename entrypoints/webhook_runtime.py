"""Wiring of webhook delivery for one process: the actor on the process's broker, the queue, the
dispatcher (rung by the outbox bell after each commit) and the use cases (ADR 0025)."""

from __future__ import annotations

from dataclasses import dataclass

import dramatiq

from adapters.queue.webhook_queue import DramatiqDeliveryQueue, OutboxBell, declare_webhook_actor
from core.ports.clock import Clock
from core.ports.unit_of_work import UnitOfWorkFactory
from core.ports.webhook_delivery import WebhookMetrics, WebhookSender
from core.usecases.webhooks import DeliverWebhook, DeliveryPolicy, OutboxDispatcher, WebhookDeliveries


@dataclass(frozen=True, slots=True)
class WebhookRuntime:
    actor: dramatiq.Actor
    dispatcher: OutboxDispatcher
    deliver: DeliverWebhook
    deliveries: WebhookDeliveries


def build_webhook_runtime(
    broker: dramatiq.Broker,
    uow_factory: UnitOfWorkFactory,
    sender: WebhookSender,
    clock: Clock,
    policy: DeliveryPolicy,
    bell: OutboxBell,
    metrics: WebhookMetrics | None = None,
) -> WebhookRuntime:
    late: list[DeliverWebhook] = []  # the actor exists before the use case that needs its queue
    actor = declare_webhook_actor(broker, lambda delivery_id: late[0](delivery_id))
    queue = DramatiqDeliveryQueue(actor)
    deliver = DeliverWebhook(uow_factory, sender, queue, clock, policy, metrics)
    late.append(deliver)
    dispatcher = OutboxDispatcher(uow_factory, queue, clock, policy)
    bell.connect(dispatcher.dispatch)
    return WebhookRuntime(actor, dispatcher, deliver, WebhookDeliveries(uow_factory, dispatcher, clock))
