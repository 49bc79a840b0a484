"""Webhooks in SQL: endpoints, the outbox (events and deliveries) and the attempt log.

`claim_due` leases with one conditional UPDATE per batch, so concurrent dispatchers (every
process's sweep, the after-commit dispatch) never both take a delivery. When a unit of work
that wrote deliveries commits, `on_commit` (if given) is told their ids: the process hands
them to the queue at once instead of waiting for the sweep (ADR 0025).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import bindparam, event, func, or_, select, update
from sqlalchemy.orm import Session

from adapters.persistence.sqla_models import (
    WebhookAttemptRow,
    WebhookDeliveryRow,
    WebhookEndpointRow,
    WebhookEventRow,
)
from core.domain.webhooks import Attempt, Delivery, DeliveryState, WebhookEndpoint, WebhookEvent

log = logging.getLogger(__name__)
OnCommit = Callable[[list[str]], None]
_ENDPOINTS = WebhookEndpointRow.__table__
_DELIVERIES = WebhookDeliveryRow.__table__
_ACTIVE = select(_ENDPOINTS).where(_ENDPOINTS.c.tenant_id == bindparam("tenant_id"), _ENDPOINTS.c.active.is_(True))


class EndpointCache(Protocol):
    """A tenant's active endpoints kept in process (pg_key_cache.ListeningKeyCache, ADR 0033)."""

    def endpoints_of(self, tenant_id: str, read: Callable[[], tuple[Any, ...]]) -> tuple[Any, ...]: ...


class SqlaWebhookRepository:
    def __init__(self, session: Session, on_commit: OnCommit | None = None, cache: EndpointCache | None = None) -> None:
        self._session = session
        self._on_commit = on_commit
        self._cache = cache
        self._written: list[str] = []

    # --- endpoints ---
    def add_endpoint(self, endpoint: WebhookEndpoint) -> None:
        self._session.execute(_ENDPOINTS.insert().values(**_endpoint_row(endpoint)))

    def get_endpoint(self, tenant_id: str, endpoint_id: str) -> WebhookEndpoint | None:
        row = self._session.get(WebhookEndpointRow, endpoint_id)
        return None if row is None or row.tenant_id != tenant_id else _endpoint(row)

    def list_endpoints(self, tenant_id: str | None) -> list[WebhookEndpoint]:
        statement = select(WebhookEndpointRow).order_by(WebhookEndpointRow.created_at, WebhookEndpointRow.endpoint_id)
        if tenant_id is not None:
            statement = statement.where(WebhookEndpointRow.tenant_id == tenant_id)
        return [_endpoint(row) for row in self._session.scalars(statement)]

    def update_endpoint(self, endpoint: WebhookEndpoint) -> None:
        values = {k: v for k, v in _endpoint_row(endpoint).items() if k != "endpoint_id"}
        self._session.execute(update(_ENDPOINTS).where(_ENDPOINTS.c.endpoint_id == endpoint.endpoint_id).values(**values))

    def subscribed(self, tenant_id: str, event_type: str) -> list[WebhookEndpoint]:
        """Every stored automatic decision asks this: served from the process's cache when it has one."""
        endpoints = self._active(tenant_id) if self._cache is None else self._cache.endpoints_of(
            tenant_id, lambda: self._active(tenant_id)
        )
        return [e for e in endpoints if event_type in e.event_types]

    def _active(self, tenant_id: str) -> tuple[WebhookEndpoint, ...]:
        rows = self._session.connection().execute(_ACTIVE, {"tenant_id": tenant_id})
        return tuple(_endpoint(row) for row in rows)

    # --- the outbox ---
    def add_event(self, event_: WebhookEvent, deliveries: list[Delivery]) -> None:
        self._session.execute(
            WebhookEventRow.__table__.insert().values(
                event_id=event_.event_id, tenant_id=event_.tenant_id, event_type=event_.event_type,
                created_at=event_.created_at, body=event_.body,
            )
        )
        if deliveries:
            self._session.execute(_DELIVERIES.insert(), [_delivery_row(d) for d in deliveries])
        self._announce([d.delivery_id for d in deliveries])

    def _announce(self, delivery_ids: list[str]) -> None:
        if self._on_commit is None or not delivery_ids:
            return
        if not self._written:
            event.listen(self._session, "after_commit", self._committed, once=True)
        self._written.extend(delivery_ids)

    def _committed(self, _session: Session) -> None:
        written, self._written = self._written, []
        if self._on_commit is None:
            return
        try:
            self._on_commit(written)
        except Exception as exc:  # noqa: BLE001 - the commit stands; the sweep hands them out later
            log.warning("webhook deliveries not enqueued after commit; the sweep will: %s", type(exc).__name__)

    def get_delivery(self, delivery_id: str) -> Delivery | None:
        row = self._session.get(WebhookDeliveryRow, delivery_id, populate_existing=True)
        return None if row is None else _delivery(row)

    def to_send(self, delivery_id: str) -> tuple[Delivery, WebhookEndpoint, WebhookEvent] | None:
        statement = (
            select(WebhookDeliveryRow, WebhookEndpointRow, WebhookEventRow)
            .join(WebhookEndpointRow, WebhookEndpointRow.endpoint_id == WebhookDeliveryRow.endpoint_id)
            .join(WebhookEventRow, WebhookEventRow.event_id == WebhookDeliveryRow.event_id)
            .where(WebhookDeliveryRow.delivery_id == delivery_id)
        )
        found = self._session.execute(statement).first()
        if found is None:
            return None
        d, e, ev = found
        return _delivery(d), _endpoint(e), WebhookEvent(ev.event_id, ev.tenant_id, ev.event_type, ev.created_at, ev.body)

    def update_delivery(self, delivery: Delivery) -> None:
        values = {k: v for k, v in _delivery_row(delivery).items() if k != "delivery_id"}
        self._session.execute(update(_DELIVERIES).where(_DELIVERIES.c.delivery_id == delivery.delivery_id).values(**values))

    def add_attempt(self, attempt: Attempt) -> None:
        self._session.execute(
            WebhookAttemptRow.__table__.insert().values(
                delivery_id=attempt.delivery_id, number=attempt.number, at=attempt.at,
                status_code=attempt.status_code, error=attempt.error, duration_ms=attempt.duration_ms,
            )
        )

    def attempts(self, delivery_id: str) -> list[Attempt]:
        statement = select(WebhookAttemptRow).where(WebhookAttemptRow.delivery_id == delivery_id).order_by(WebhookAttemptRow.id)
        return [
            Attempt(r.delivery_id, r.number, r.at, r.status_code, r.error, r.duration_ms)
            for r in self._session.scalars(statement)
        ]

    def list_deliveries(
        self, tenant_id: str | None, state: DeliveryState | None, limit: int, after: str | None = None
    ) -> list[Delivery]:
        order = (WebhookDeliveryRow.created_at.desc(), WebhookDeliveryRow.delivery_id.desc())
        statement = select(WebhookDeliveryRow).order_by(*order).limit(limit)
        if tenant_id is not None:
            statement = statement.where(WebhookDeliveryRow.tenant_id == tenant_id)
        if state is not None:
            statement = statement.where(WebhookDeliveryRow.state == state.value)
        if after is not None:
            mark = self._session.get(WebhookDeliveryRow, after)
            if mark is None:
                return []
            statement = statement.where(
                or_(
                    WebhookDeliveryRow.created_at < mark.created_at,
                    (WebhookDeliveryRow.created_at == mark.created_at) & (WebhookDeliveryRow.delivery_id < mark.delivery_id),
                )
            )
        return [_delivery(row) for row in self._session.scalars(statement)]

    def claim_due(
        self, now: dt.datetime, lease_until: dt.datetime, limit: int, delivery_ids: list[str] | None = None
    ) -> list[str]:
        due = (
            _DELIVERIES.c.state == DeliveryState.PENDENTE.value,
            or_(_DELIVERIES.c.lease_until.is_(None), _DELIVERIES.c.lease_until < now),
        )
        candidates = select(_DELIVERIES.c.delivery_id).where(*due).order_by(_DELIVERIES.c.created_at).limit(limit)
        if delivery_ids is not None:
            candidates = candidates.where(_DELIVERIES.c.delivery_id.in_(delivery_ids))
        ids = list(self._session.scalars(candidates))
        if not ids:
            return []
        # The condition again in the UPDATE: a row another dispatcher leased meanwhile is skipped.
        statement = (
            update(_DELIVERIES)
            .where(_DELIVERIES.c.delivery_id.in_(ids), *due)
            .values(lease_until=lease_until)
            .returning(_DELIVERIES.c.delivery_id)
        )
        return list(self._session.scalars(statement))

    def oldest_pending(self) -> dt.datetime | None:
        statement = select(func.min(WebhookDeliveryRow.created_at)).where(WebhookDeliveryRow.state == DeliveryState.PENDENTE.value)
        value = self._session.scalar(statement)
        if value is not None and value.tzinfo is None:  # min() skips the column type's conversion on SQLite
            value = dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.timezone.utc)
        return value


def _endpoint_row(e: WebhookEndpoint) -> dict[str, Any]:
    return {
        "endpoint_id": e.endpoint_id, "tenant_id": e.tenant_id, "url": e.url, "secret": e.secret,
        "event_types": list(e.event_types), "active": e.active, "created_at": e.created_at, "updated_at": e.updated_at,
    }


def _endpoint(row: Any) -> WebhookEndpoint:  # an ORM row or a Core row
    return WebhookEndpoint(
        row.tenant_id, row.endpoint_id, row.url, row.secret, tuple(row.event_types), row.active, row.created_at, row.updated_at
    )


def _delivery_row(d: Delivery) -> dict[str, Any]:
    return {
        "delivery_id": d.delivery_id, "tenant_id": d.tenant_id, "event_id": d.event_id, "endpoint_id": d.endpoint_id,
        "event_type": d.event_type, "state": d.state.value, "attempts": d.attempts, "lease_until": d.lease_until,
        "delivered_at": d.delivered_at, "last_status": d.last_status, "last_error": d.last_error,
        "created_at": d.created_at, "updated_at": d.updated_at,
    }


def _delivery(row: WebhookDeliveryRow) -> Delivery:
    return Delivery(
        row.delivery_id, row.tenant_id, row.event_id, row.endpoint_id, DeliveryState(row.state), row.created_at,
        row.updated_at, row.attempts, row.lease_until, row.delivered_at, row.last_status, row.last_error, row.event_type,
    )
