"""Webhooks: endpoint administration, publishing into the outbox, dispatch, delivery and replay.

`publish` runs inside the caller's unit of work, so an event exists exactly when the change it
announces commits. `OutboxDispatcher` hands due deliveries to the queue (after each commit that
wrote some, and on a periodic sweep); `DeliverWebhook` makes one signed attempt per message and
schedules the next with exponential backoff, or dead-letters the delivery (ADR 0025).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.domain.errors import NotFound
from core.domain.records import AuditEvent
from core.domain.tenants import ANY_TENANT, AnyTenant, tenant_filter
from core.domain.webhook_signature import HEADER, signature_header
from core.domain.webhooks import (
    DECISAO_AUTOMATICA,
    Attempt,
    Delivery,
    DeliveryState,
    WebhookEndpoint,
    WebhookEvent,
    after_attempt,
    check_event_types,
    check_url,
    delivery_id_for,
    envelope,
    is_success,
    replayed,
    retry_delay,
)
from core.ports.clock import Clock
from core.ports.id_generator import IdGenerator
from core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from core.usecases.webhook_destinations import DestinationCheck
from core.ports.webhook_delivery import DeliveryQueue, WebhookMetrics, WebhookSender

CHUNK = 500


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def new_event_id() -> str:
    return "evt_" + uuid.uuid4().hex


def publish(
    uow: UnitOfWork,
    tenant_id: str,
    event_type: str,
    payload: dict[str, Any],
    *,
    now: dt.datetime | None = None,
    event_id: str | None = None,
) -> list[str]:
    """Write `event_type` with `payload` (its `data`) into the outbox of the caller's unit of
    work, one delivery per active endpoint of the tenant subscribed to it; nothing when none is.

    Call it before `uow.commit()`: the event commits (or rolls back) with the change it
    announces. Returns the delivery ids; the process hands them to the queue after the commit
    (and the sweep does, should it crash first)."""
    endpoints = uow.webhooks.subscribed(tenant_id, event_type)
    if not endpoints:
        return []
    now = now or dt.datetime.now(dt.timezone.utc)
    event_id = event_id or new_event_id()
    event = WebhookEvent(event_id, tenant_id, event_type, now, envelope(event_id, event_type, tenant_id, now, payload))
    deliveries = [
        Delivery(delivery_id_for(event_id, e.endpoint_id), tenant_id, event_id, e.endpoint_id,
                 DeliveryState.PENDENTE, now, now, event_type=event_type)
        for e in endpoints
    ]
    uow.webhooks.add_event(event, deliveries)
    return [d.delivery_id for d in deliveries]


def publish_automatic(uow: UnitOfWork, tenant_id: str, request_id: str, decisao: str, score: float, now: dt.datetime) -> list[str]:
    """An automatic DEFERIDO/INDEFERIDO is final when stored: `decisao.automatica`, only to the
    endpoints that subscribe to it (decisao.final announces decisions people made)."""
    data = {"request_id": request_id, "decisao_final": decisao, "como": "automatica", "score": score}
    return publish(uow, tenant_id, DECISAO_AUTOMATICA, data, now=now)


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """Attempts per round, backoff between them, and how long a handed-out delivery is leased
    before the sweep assumes its message was lost (longer than one attempt's timeout)."""

    max_attempts: int = 8
    backoff: dt.timedelta = dt.timedelta(seconds=10)
    backoff_cap: dt.timedelta = dt.timedelta(hours=1)
    lease: dt.timedelta = dt.timedelta(minutes=5)


class WebhookAdmin:
    """Endpoints of a tenant: add (the secret is shown once), list, disable, rotate the secret.
    Every change is an audit event (never with the secret). `destinations` decides which hosts
    may be added (ADR 0049)."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        ids: IdGenerator,
        destinations: DestinationCheck,
        secret: Callable[[], str] = new_secret,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._destinations = destinations
        self._secret = secret

    def add(self, tenant_id: str, url: str, event_types: list[str], actor: str) -> WebhookEndpoint:
        url, types = check_url(url), check_event_types(event_types)
        self._destinations.check(url)  # may resolve the host: before the unit of work opens
        now = self._clock.now()
        endpoint = WebhookEndpoint(tenant_id, f"wh_{self._ids.new_id()}", url, self._secret(), types, True, now, now)
        with self._uow_factory() as uow:
            if uow.tenants.get(tenant_id) is None:
                raise NotFound(f"tenant '{tenant_id}' not found")
            uow.webhooks.add_endpoint(endpoint)
            uow.audit.append(AuditEvent(tenant_id, "webhook.endpoint_added", {**endpoint.public(), "by": actor}, now))
            uow.commit()
        return endpoint

    def endpoints(self, tenant_id: str | AnyTenant) -> list[WebhookEndpoint]:
        with self._uow_factory.reading() as uow:
            return uow.webhooks.list_endpoints(tenant_filter(tenant_id))

    def disable(self, tenant_id: str | AnyTenant, endpoint_id: str, actor: str) -> WebhookEndpoint:
        return self._change(tenant_id, endpoint_id, actor, "webhook.endpoint_disabled", active=False)

    def rotate_secret(self, tenant_id: str | AnyTenant, endpoint_id: str, actor: str) -> WebhookEndpoint:
        """A new secret, effective for the next attempt; the old one stops signing at once."""
        return self._change(tenant_id, endpoint_id, actor, "webhook.secret_rotated", secret=self._secret())

    def outbox_lag(self) -> float:
        """Seconds since the oldest still-pending delivery of any tenant was created (0 when none
        is): the gauge `eqv_webhook_outbox_lag_seconds` (ADR 0025)."""
        with self._uow_factory.reading() as uow:
            oldest = uow.webhooks.oldest_pending()
        return 0.0 if oldest is None else max(0.0, (self._clock.now() - oldest).total_seconds())

    def _change(self, tenant_id: str | AnyTenant, endpoint_id: str, actor: str, event: str, **changes: Any) -> WebhookEndpoint:
        now = self._clock.now()
        with self._uow_factory() as uow:
            endpoint = _endpoint(uow, tenant_id, endpoint_id)
            updated = dataclasses.replace(endpoint, updated_at=now, **changes)
            uow.webhooks.update_endpoint(updated)
            uow.audit.append(AuditEvent(endpoint.tenant_id, event, {**updated.public(), "by": actor}, now))
            uow.commit()
        return updated


def _endpoint(uow: UnitOfWork, tenant_id: str | AnyTenant, endpoint_id: str) -> WebhookEndpoint:
    """The endpoint, of any tenant with ANY_TENANT (the CLI); another tenant's is missing."""
    found = [e for e in uow.webhooks.list_endpoints(tenant_filter(tenant_id)) if e.endpoint_id == endpoint_id]
    if not found:
        raise NotFound(f"webhook endpoint '{endpoint_id}' not found")
    return found[0]


class OutboxDispatcher:
    """Hands due deliveries to the queue: leased first (committed), then enqueued, so a crash in
    between only delays them until the lease runs out and the sweep takes them again."""

    def __init__(self, uow_factory: UnitOfWorkFactory, queue: DeliveryQueue, clock: Clock, policy: DeliveryPolicy) -> None:
        self._uow_factory = uow_factory
        self._queue = queue
        self._clock = clock
        self._policy = policy

    def dispatch(self, delivery_ids: list[str]) -> int:
        """Right after the commit that wrote these deliveries."""
        return self._claim_and_enqueue(delivery_ids) if delivery_ids else 0

    def sweep(self) -> int:
        """Every pending delivery not leased (never handed out, or its message was lost)."""
        total = 0
        while (sent := self._claim_and_enqueue(None)) == CHUNK:
            total += sent
        return total + sent

    def _claim_and_enqueue(self, delivery_ids: list[str] | None) -> int:
        now = self._clock.now()
        with self._uow_factory() as uow:
            claimed = uow.webhooks.claim_due(now, now + self._policy.lease, CHUNK, delivery_ids)
            uow.commit()
        for delivery_id in claimed:
            self._queue.enqueue(delivery_id)
        return len(claimed)


class DeliverWebhook:
    """One attempt at one delivery (the queue's actor calls it with the delivery id).

    A delivery no longer pending (delivered, dead, or gone) is left alone: a repeated message
    costs nothing. The attempt is logged with its status code, error and duration."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        sender: WebhookSender,
        queue: DeliveryQueue,
        clock: Clock,
        policy: DeliveryPolicy,
        metrics: WebhookMetrics | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._sender = sender
        self._queue = queue
        self._clock = clock
        self._policy = policy
        self._metrics = metrics

    def __call__(self, delivery_id: str) -> DeliveryState | None:
        with self._uow_factory.reading() as uow:
            found = uow.webhooks.to_send(delivery_id)
        if found is None or found[0].state is not DeliveryState.PENDENTE:
            return None
        delivery, endpoint, event = found
        if endpoint.active:
            body = event.body.encode("utf-8")
            timestamp = int(self._clock.now().timestamp())
            result = self._sender.send(endpoint.url, body, _headers(endpoint.secret, timestamp, body, event))
            ok, status, error, duration = is_success(result.status_code), result.status_code, result.error, result.duration_ms
            if not ok and error is None:
                error = f"HTTP {status}"
        else:
            ok, status, error, duration = False, None, "endpoint desativado", 0.0
        return self._record(delivery_id, ok, status, error, duration, endpoint.active)

    def _record(self, delivery_id: str, ok: bool, status: int | None, error: str | None, duration: float, active: bool) -> DeliveryState | None:
        now = self._clock.now()
        with self._uow_factory() as uow:
            current = uow.webhooks.get_delivery(delivery_id)
            if current is None or current.state is not DeliveryState.PENDENTE:
                return None  # another message of the same delivery got there first
            max_attempts = self._policy.max_attempts if active else current.attempts + 1
            updated = after_attempt(current, ok, status, error, now, max_attempts)
            delay = retry_delay(updated.attempts, self._policy.backoff, self._policy.backoff_cap)
            if updated.state is DeliveryState.PENDENTE:  # leased until well after the retry is due
                updated = dataclasses.replace(updated, lease_until=now + delay + self._policy.lease)
            uow.webhooks.add_attempt(Attempt(delivery_id, updated.attempts, now, status, error, duration))
            uow.webhooks.update_delivery(updated)
            uow.commit()
        if self._metrics is not None:
            outcome = {DeliveryState.ENTREGUE: "entregue", DeliveryState.MORTA: "morta"}.get(updated.state, "falhou")
            self._metrics.webhook_attempt(outcome)
        if updated.state is DeliveryState.PENDENTE:
            self._queue.enqueue(delivery_id, int(delay.total_seconds() * 1000))
        return updated.state


def _headers(secret: str, timestamp: int, body: bytes, event: WebhookEvent) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        HEADER: signature_header(secret, timestamp, body),
        "Equivalence-Event-Id": event.event_id,
        "Equivalence-Event-Type": event.event_type,
    }


@dataclass(frozen=True, slots=True)
class DeliveryQuery:
    state: DeliveryState | None = None
    limit: int = 50
    after: str | None = None


class WebhookDeliveries:
    """Deliveries for admins: list (by state), one with its attempt log, replay dead ones."""

    def __init__(self, uow_factory: UnitOfWorkFactory, dispatcher: OutboxDispatcher | None, clock: Clock) -> None:
        """Without a dispatcher (a CLI process with no queue of its own), replayed deliveries wait
        for the sweep of a running server or worker."""
        self._uow_factory = uow_factory
        self._dispatcher = dispatcher
        self._clock = clock

    def page(self, tenant_id: str | AnyTenant, query: DeliveryQuery) -> list[Delivery]:
        with self._uow_factory.reading() as uow:
            return uow.webhooks.list_deliveries(tenant_filter(tenant_id), query.state, query.limit, query.after)

    def show(self, tenant_id: str | AnyTenant, delivery_id: str) -> tuple[Delivery, list[Attempt]]:
        with self._uow_factory.reading() as uow:
            delivery = uow.webhooks.get_delivery(delivery_id)
            if delivery is None or (tenant_id is not ANY_TENANT and delivery.tenant_id != tenant_id):
                raise NotFound(f"webhook delivery '{delivery_id}' not found")
            return delivery, uow.webhooks.attempts(delivery_id)

    def replay(self, tenant_id: str | AnyTenant, delivery_id: str | None, actor: str) -> list[str]:
        """Send one dead delivery (or, with None, every dead one) again: same event, same id,
        a new round of attempts. Raises NotFound, or InvalidTransition for one not dead."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            if delivery_id is not None:
                delivery = uow.webhooks.get_delivery(delivery_id)
                if delivery is None or (tenant_id is not ANY_TENANT and delivery.tenant_id != tenant_id):
                    raise NotFound(f"webhook delivery '{delivery_id}' not found")
                dead = [delivery]
            else:
                dead = _all_dead(uow, tenant_id)
            for delivery in dead:
                uow.webhooks.update_delivery(replayed(delivery, now))
                uow.audit.append(AuditEvent(delivery.tenant_id, "webhook.replayed", {
                    "delivery_id": delivery.delivery_id, "event_id": delivery.event_id, "by": actor}, now))
            uow.commit()
        ids = [d.delivery_id for d in dead]
        if self._dispatcher is not None:
            for start in range(0, len(ids), CHUNK):
                self._dispatcher.dispatch(ids[start : start + CHUNK])
        return ids


def _all_dead(uow: UnitOfWork, tenant_id: str | AnyTenant) -> list[Delivery]:
    dead: list[Delivery] = []
    after: str | None = None
    while page := uow.webhooks.list_deliveries(tenant_filter(tenant_id), DeliveryState.MORTA, CHUNK, after):
        dead.extend(page)
        if len(page) < CHUNK:
            break
        after = page[-1].delivery_id
    return dead
