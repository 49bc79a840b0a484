"""Webhooks: per-tenant endpoints, the events they subscribe to and each delivery's life.

    pendente --2xx--> entregue
    pendente --failure, attempts left--> pendente (again after an exponential backoff)
    pendente --failure, last attempt (or endpoint disabled)--> morta --replay--> pendente

An event is written in the transaction of the change it announces (the outbox), with one
delivery per subscribed active endpoint; delivery is at least once, and every event carries
a unique `id` the receiver dedupes by (docs/adr/0025-webhooks.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
from typing import Any
from urllib.parse import urlsplit

from core.domain.errors import InvalidInput, InvalidTransition

DECISAO_FINAL = "decisao.final"  # a review item homologated: the human decision is final
DECISAO_AUTOMATICA = "decisao.automatica"  # an automatic DEFERIDO/INDEFERIDO (final at once)
CASO_CONCLUIDO = "caso.concluido"  # a case completed (published by the cases use case)
EVENT_TYPES = (DECISAO_FINAL, DECISAO_AUTOMATICA, CASO_CONCLUIDO)
URL_MAX = 2_000


class DeliveryState(str, enum.Enum):
    PENDENTE = "pendente"
    ENTREGUE = "entregue"
    MORTA = "morta"


@dataclasses.dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    tenant_id: str
    endpoint_id: str
    url: str
    secret: str
    event_types: tuple[str, ...]
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    def public(self) -> dict[str, Any]:
        """What the audit log and listings may show: everything but the secret."""
        return {"endpoint_id": self.endpoint_id, "url": self.url, "event_types": list(self.event_types), "active": self.active}


@dataclasses.dataclass(frozen=True, slots=True)
class WebhookEvent:
    event_id: str
    tenant_id: str
    event_type: str
    created_at: dt.datetime
    body: str  # the JSON envelope, serialized once: every attempt sends (and signs) the same bytes


@dataclasses.dataclass(frozen=True, slots=True)
class Delivery:
    delivery_id: str
    tenant_id: str
    event_id: str
    endpoint_id: str
    state: DeliveryState
    created_at: dt.datetime
    updated_at: dt.datetime
    attempts: int = 0  # in the current round (a replay starts a new one)
    lease_until: dt.datetime | None = None  # None or past: due to be handed to the queue
    delivered_at: dt.datetime | None = None
    last_status: int | None = None
    last_error: str | None = None
    event_type: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class Attempt:
    delivery_id: str
    number: int
    at: dt.datetime
    status_code: int | None
    error: str | None
    duration_ms: float


def check_url(url: str) -> str:
    """An endpoint is an absolute http(s) URL with a host: anything else could never be delivered."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("url deve ser uma URL http:// ou https:// com host", field="url")
    if len(url) > URL_MAX:
        raise InvalidInput(f"url com mais de {URL_MAX} caracteres", field="url")
    return url.strip()


def check_event_types(event_types: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """At least one known event type; duplicates dropped, order kept."""
    unknown = [t for t in event_types if t not in EVENT_TYPES]
    if unknown or not event_types:
        raise InvalidInput(f"event_types deve listar um ou mais de: {', '.join(EVENT_TYPES)}", field="event_types")
    return tuple(dict.fromkeys(event_types))


def envelope(event_id: str, event_type: str, tenant_id: str, created_at: dt.datetime, data: dict[str, Any]) -> str:
    """The body every delivery of an event sends: id (dedupe by it), type, created_at, tenant, data."""
    document = {
        "id": event_id,
        "type": event_type,
        "created_at": created_at.astimezone(dt.timezone.utc).isoformat(),
        "tenant_id": tenant_id,
        "data": data,
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def delivery_id_for(event_id: str, endpoint_id: str) -> str:
    """One delivery per (event, endpoint): the same pair always names the same delivery."""
    return "dlv_" + hashlib.sha256(f"{event_id}\x00{endpoint_id}".encode()).hexdigest()[:24]


def retry_delay(attempt: int, base: dt.timedelta, cap: dt.timedelta) -> dt.timedelta:
    """Exponential backoff: base, 2·base, 4·base… after attempt 1, 2, 3…, never above `cap`."""
    factor: int = 2 ** min(max(attempt - 1, 0), 30)
    return min(cap, base * factor)


def after_attempt(
    delivery: Delivery, ok: bool, status: int | None, error: str | None, now: dt.datetime, max_attempts: int
) -> Delivery:
    """The delivery after one attempt: entregue on success, morta after the last failure,
    else still pendente (the caller schedules the next attempt and renews the lease)."""
    attempts = delivery.attempts + 1
    if ok:
        state, delivered_at = DeliveryState.ENTREGUE, now
    else:
        state, delivered_at = (DeliveryState.MORTA if attempts >= max_attempts else DeliveryState.PENDENTE), None
    return dataclasses.replace(
        delivery, state=state, attempts=attempts, updated_at=now, delivered_at=delivered_at,
        last_status=status, last_error=None if ok else error,
    )


def replayed(delivery: Delivery, now: dt.datetime) -> Delivery:
    """A dead delivery sent again: a new round of attempts, due now, with the same event (id)."""
    if delivery.state is not DeliveryState.MORTA:
        raise InvalidTransition(f"só uma entrega morta pode ser reenviada (esta está {delivery.state.value})")
    return dataclasses.replace(delivery, state=DeliveryState.PENDENTE, attempts=0, lease_until=None, updated_at=now)


def is_success(status: int | None) -> bool:
    return status is not None and 200 <= status < 300
