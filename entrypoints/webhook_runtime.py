"""Wiring of webhook delivery for one process: the actor on the process's broker, the queue, the
dispatcher (rung by the outbox bell after each commit) and the use cases (ADR 0025)."""

from __future__ import annotations

from dataclasses import dataclass

import dramatiq

from adapters.queue.webhook_queue import DramatiqDeliveryQueue, OutboxBell, declare_webhook_actor
from adapters.webhooks.httpx_sender import HttpxWebhookSender
from core.domain.webhook_destinations import refusal
from core.ports.clock import Clock
from core.ports.host_resolver import HostResolver
from core.ports.unit_of_work import UnitOfWorkFactory
from core.ports.webhook_delivery import WebhookMetrics, WebhookSender
from core.usecases.webhook_destinations import AnyDestination, DestinationCheck, PublicDestinationsOnly
from core.usecases.webhooks import DeliverWebhook, DeliveryPolicy, OutboxDispatcher, WebhookDeliveries
from entrypoints.settings import WebhookSettings


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


def webhook_sender(settings: WebhookSettings, resolver: HostResolver) -> HttpxWebhookSender:
    """Every connection checked against the destination rule, unless private targets are allowed (ADR 0049)."""
    if settings.allow_private:
        return HttpxWebhookSender.unchecked(settings.timeout_s)
    return HttpxWebhookSender.checked(settings.timeout_s, resolver, refusal)


def destination_check(settings: WebhookSettings, resolver: HostResolver) -> DestinationCheck:
    """What registering an endpoint checks of its URL's host (ADR 0049)."""
    return AnyDestination() if settings.allow_private else PublicDestinationsOnly(resolver)
