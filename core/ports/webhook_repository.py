"""Webhook endpoints, the event outbox, deliveries and their attempt log (one tenant's rows each)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from core.domain.webhooks import Attempt, Delivery, DeliveryState, WebhookEndpoint, WebhookEvent


class WebhookRepository(Protocol):
    def add_endpoint(self, endpoint: WebhookEndpoint) -> None: ...

    def get_endpoint(self, tenant_id: str, endpoint_id: str) -> WebhookEndpoint | None: ...

    def list_endpoints(self, tenant_id: str | None) -> list[WebhookEndpoint]:
        """Every endpoint of the tenant (of all tenants with None), oldest first."""

    def update_endpoint(self, endpoint: WebhookEndpoint) -> None: ...

    def subscribed(self, tenant_id: str, event_type: str) -> list[WebhookEndpoint]:
        """The tenant's active endpoints subscribed to `event_type`."""

    def add_event(self, event: WebhookEvent, deliveries: list[Delivery]) -> None:
        """Write the event and its deliveries in this unit of work (the outbox)."""

    def get_delivery(self, delivery_id: str) -> Delivery | None: ...

    def to_send(self, delivery_id: str) -> tuple[Delivery, WebhookEndpoint, WebhookEvent] | None:
        """A delivery with its endpoint and event: what one attempt needs."""

    def update_delivery(self, delivery: Delivery) -> None: ...

    def add_attempt(self, attempt: Attempt) -> None: ...

    def attempts(self, delivery_id: str) -> list[Attempt]: ...

    def list_deliveries(
        self, tenant_id: str | None, state: DeliveryState | None, limit: int, after: str | None = None
    ) -> list[Delivery]:
        """Deliveries newest first (keyset on (created_at, delivery_id) via `after`)."""

    def claim_due(
        self, now: dt.datetime, lease_until: dt.datetime, limit: int, delivery_ids: list[str] | None = None
    ) -> list[str]:
        """Atomically lease pending deliveries whose lease is missing or past (only `delivery_ids`
        when given) until `lease_until`, and name them: two dispatchers never both take one."""

    def oldest_pending(self) -> dt.datetime | None:
        """When the oldest delivery still pending was created (outbox lag)."""
