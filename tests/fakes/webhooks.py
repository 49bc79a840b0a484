"""Fake webhook repository: endpoints, events, deliveries and attempts in one staged table."""

from __future__ import annotations

import dataclasses
import datetime as dt

from core.domain.webhooks import Attempt, Delivery, DeliveryState, WebhookEndpoint, WebhookEvent
from tests.fakes._staged import _Staged


class FakeWebhookRepository(_Staged):
    """Rows keyed ("ep", id), ("ev", id), ("dl", id) and ("at", delivery_id, number)."""

    def _kind(self, kind: str) -> list:
        return [v for k, v in sorted(self._rows().items(), key=lambda kv: str(kv[0])) if k[0] == kind]

    def add_endpoint(self, endpoint: WebhookEndpoint) -> None:
        self._staged[("ep", endpoint.endpoint_id)] = endpoint

    def get_endpoint(self, tenant_id: str, endpoint_id: str) -> WebhookEndpoint | None:
        endpoint: WebhookEndpoint | None = self._get(("ep", endpoint_id))
        return endpoint if endpoint is not None and endpoint.tenant_id == tenant_id else None

    def list_endpoints(self, tenant_id: str | None) -> list[WebhookEndpoint]:
        endpoints = [e for e in self._kind("ep") if tenant_id is None or e.tenant_id == tenant_id]
        return sorted(endpoints, key=lambda e: (e.created_at, e.endpoint_id))

    def update_endpoint(self, endpoint: WebhookEndpoint) -> None:
        self._staged[("ep", endpoint.endpoint_id)] = endpoint

    def subscribed(self, tenant_id: str, event_type: str) -> list[WebhookEndpoint]:
        return [e for e in self.list_endpoints(tenant_id) if e.active and event_type in e.event_types]

    def add_event(self, event: WebhookEvent, deliveries: list[Delivery]) -> None:
        self._staged[("ev", event.event_id)] = event
        for delivery in deliveries:
            self._staged[("dl", delivery.delivery_id)] = delivery

    def get_delivery(self, delivery_id: str) -> Delivery | None:
        delivery: Delivery | None = self._get(("dl", delivery_id))
        return delivery

    def to_send(self, delivery_id: str) -> tuple[Delivery, WebhookEndpoint, WebhookEvent] | None:
        delivery = self.get_delivery(delivery_id)
        if delivery is None:
            return None
        return delivery, self._get(("ep", delivery.endpoint_id)), self._get(("ev", delivery.event_id))

    def update_delivery(self, delivery: Delivery) -> None:
        self._staged[("dl", delivery.delivery_id)] = delivery

    def add_attempt(self, attempt: Attempt) -> None:
        number = len(self.attempts(attempt.delivery_id)) + 1
        self._staged[("at", attempt.delivery_id, number)] = attempt

    def attempts(self, delivery_id: str) -> list[Attempt]:
        return sorted((a for a in self._kind("at") if a.delivery_id == delivery_id), key=lambda a: a.at)

    def list_deliveries(
        self, tenant_id: str | None, state: DeliveryState | None, limit: int, after: str | None = None
    ) -> list[Delivery]:
        rows = sorted(
            (d for d in self._kind("dl") if (tenant_id is None or d.tenant_id == tenant_id) and (state is None or d.state is state)),
            key=lambda d: (d.created_at, d.delivery_id),
            reverse=True,
        )
        if after is not None:
            keys = [d.delivery_id for d in rows]
            rows = rows[keys.index(after) + 1 :] if after in keys else []
        return rows[:limit]

    def claim_due(
        self, now: dt.datetime, lease_until: dt.datetime, limit: int, delivery_ids: list[str] | None = None
    ) -> list[str]:
        due = [
            d for d in self._kind("dl")
            if d.state is DeliveryState.PENDENTE
            and (d.lease_until is None or d.lease_until < now)
            and (delivery_ids is None or d.delivery_id in delivery_ids)
        ][:limit]
        for d in due:
            self._staged[("dl", d.delivery_id)] = dataclasses.replace(d, lease_until=lease_until)
        return [d.delivery_id for d in due]

    def oldest_pending(self) -> dt.datetime | None:
        return min((d.created_at for d in self._kind("dl") if d.state is DeliveryState.PENDENTE), default=None)


@dataclasses.dataclass
class FakeDeliveryQueue:
    """Records (delivery_id, delay_ms) per enqueue; `take_all` empties it like a worker would."""

    sent: list[tuple[str, int]] = dataclasses.field(default_factory=list)

    def enqueue(self, delivery_id: str, delay_ms: int = 0) -> None:
        self.sent.append((delivery_id, delay_ms))

    def take_all(self) -> list[tuple[str, int]]:
        taken, self.sent = self.sent, []
        return taken


@dataclasses.dataclass
class ScriptedSender:
    """Answers each POST with the next scripted status (None: a connection error), then `default`."""

    script: list[int | None] = dataclasses.field(default_factory=list)
    default: int | None = 200
    requests: list[tuple[str, bytes, dict[str, str]]] = dataclasses.field(default_factory=list)

    def send(self, url: str, body: bytes, headers: dict[str, str]):  # type: ignore[no-untyped-def]
        from core.ports.webhook_delivery import SendResult

        self.requests.append((url, body, dict(headers)))
        status = self.script.pop(0) if self.script else self.default
        return SendResult(status, None if status is not None else "ConnectError: connection refused", 1.5)


@dataclasses.dataclass
class RecordingWebhookMetrics:
    outcomes: list[str] = dataclasses.field(default_factory=list)

    def webhook_attempt(self, outcome: str) -> None:
        self.outcomes.append(outcome)


PUBLIC_ADDRESS = "93.184.216.34"  # a global unicast address (never connected to by the fakes)


@dataclasses.dataclass
class FakeHostResolver:
    """Answers from `table` (host -> addresses; an unknown host does not resolve) and records each
    host asked; change `table` to move a host (records changed after registration)."""

    table: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    asked: list[str] = dataclasses.field(default_factory=list)

    def addresses(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        return list(self.table.get(host, []))
