"""/admin/webhooks (role admin): the tenant's webhook endpoints and their deliveries (ADR 0025).

The secret appears only in the 201 of create and the answer of rotate_secret (no-store);
lists and audit events never carry it. A URL that is not http(s) is 422 naming `url`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Response
from adapters.http.threaded import get, post
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import JSONBody, QueryParameter
from msgspec import Meta

from adapters.http.auth import ADMIN_ONLY
from adapters.http.error_table import AUTH, BODY, INVALID, responses
from adapters.http.routes_equivalences import ResourceId
from core.domain.errors import InvalidInput, InvalidTransition, NotFound
from core.domain.records import Principal
from core.domain.webhooks import URL_MAX, Attempt, Delivery, DeliveryState, WebhookEndpoint
from core.usecases.webhooks import DeliveryQuery, WebhookAdmin, WebhookDeliveries

NO_STORE = {"Cache-Control": "no-store"}
EventType = Literal["decisao.final", "decisao.automatica", "caso.concluido"]
ID_ERRORS = responses(AUTH, NotFound, INVALID)


class EndpointIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    url: Annotated[str, Meta(min_length=1, max_length=URL_MAX, description="an http:// or https:// URL")]
    event_types: Annotated[list[EventType], Meta(min_length=1, max_length=3, description="event types to receive")]


class EndpointOut(msgspec.Struct, kw_only=True):
    endpoint_id: str
    url: str
    event_types: list[str]
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class EndpointWithSecretOut(EndpointOut, kw_only=True):
    secret: str
    """Signs every delivery (HMAC-SHA256): shown in this answer only, store it now."""


class AttemptOut(msgspec.Struct, kw_only=True):
    number: int
    at: dt.datetime
    status_code: int | None
    error: str | None
    duration_ms: float


class DeliveryOut(msgspec.Struct, kw_only=True):
    delivery_id: str
    event_id: str
    event_type: str
    endpoint_id: str
    state: Literal["pendente", "entregue", "morta"]
    attempts: int
    created_at: dt.datetime
    updated_at: dt.datetime
    delivered_at: dt.datetime | None
    last_status: int | None
    last_error: str | None


class DeliveryDetailOut(DeliveryOut, kw_only=True):
    attempt_log: list[AttemptOut]


class DeliveryPageOut(msgspec.Struct, kw_only=True):
    items: list[DeliveryOut]
    next_after: str | None


class ReplayIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    delivery_id: Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_]+$")] | None = None
    all: bool = False


class ReplayOut(msgspec.Struct, kw_only=True):
    replayed: list[str]


def _endpoint_fields(e: WebhookEndpoint) -> dict[str, Any]:
    return {"endpoint_id": e.endpoint_id, "url": e.url, "event_types": list(e.event_types), "active": e.active,
            "created_at": e.created_at, "updated_at": e.updated_at}


def _delivery_fields(d: Delivery) -> dict[str, Any]:
    return {"delivery_id": d.delivery_id, "event_id": d.event_id, "event_type": d.event_type, "endpoint_id": d.endpoint_id,
            "state": d.state.value, "attempts": d.attempts, "created_at": d.created_at, "updated_at": d.updated_at,
            "delivered_at": d.delivered_at, "last_status": d.last_status, "last_error": d.last_error}


def _attempt(a: Attempt) -> AttemptOut:
    return AttemptOut(number=a.number, at=a.at, status_code=a.status_code, error=a.error, duration_ms=a.duration_ms)


class WebhookAdminController(Controller):
    path = "/admin/webhooks"
    tags = ["admin"]
    opt = {"roles": ADMIN_ONLY}

    @post("/", operation_id="createWebhookEndpoint", status_code=201,
          responses=responses(AUTH, BODY, InvalidInput))
    def create(
        self, data: JSONBody[EndpointIn], principal: NamedDependency[Principal], webhook_admin: NamedDependency[WebhookAdmin]
    ) -> Response[EndpointWithSecretOut]:
        """A new endpoint of the caller's tenant; its signing `secret` is in this answer only."""
        endpoint = webhook_admin.add(principal.tenant_id, data.url, list(data.event_types), principal.key_id)
        body = EndpointWithSecretOut(**_endpoint_fields(endpoint), secret=endpoint.secret)
        return Response(body, status_code=201, headers=NO_STORE)

    @get("/", operation_id="listWebhookEndpoints", responses=responses(AUTH))
    def list_endpoints(self, principal: NamedDependency[Principal], webhook_admin: NamedDependency[WebhookAdmin]) -> list[EndpointOut]:
        """The tenant's endpoints (never their secrets)."""
        return [EndpointOut(**_endpoint_fields(e)) for e in webhook_admin.endpoints(principal.tenant_id)]

    @post("/{endpoint_id:str}/disable", operation_id="disableWebhookEndpoint", status_code=200,
          responses=ID_ERRORS)
    def disable(
        self, endpoint_id: ResourceId, principal: NamedDependency[Principal], webhook_admin: NamedDependency[WebhookAdmin]
    ) -> EndpointOut:
        """Stop delivering to this endpoint: its pending deliveries die (replayable once re-created)."""
        return EndpointOut(**_endpoint_fields(webhook_admin.disable(principal.tenant_id, endpoint_id, principal.key_id)))

    @post("/{endpoint_id:str}/rotate_secret", operation_id="rotateWebhookSecret", status_code=200,
          responses=ID_ERRORS)
    def rotate_secret(
        self, endpoint_id: ResourceId, principal: NamedDependency[Principal], webhook_admin: NamedDependency[WebhookAdmin]
    ) -> Response[EndpointWithSecretOut]:
        """A new signing secret, used from the next attempt on; shown in this answer only."""
        endpoint = webhook_admin.rotate_secret(principal.tenant_id, endpoint_id, principal.key_id)
        return Response(EndpointWithSecretOut(**_endpoint_fields(endpoint), secret=endpoint.secret), headers=NO_STORE)

    @get("/deliveries", operation_id="listWebhookDeliveries",
         responses=responses(AUTH, INVALID))
    def deliveries(
        self,
        principal: NamedDependency[Principal],
        webhook_deliveries: NamedDependency[WebhookDeliveries],
        delivery_state: Annotated[Literal["pendente", "entregue", "morta"] | None, QueryParameter(name="state", description="only deliveries in this state")] = None,
        after: Annotated[str | None, QueryParameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_]+$", description="`next_after` of the previous page")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200, description="deliveries per page")] = 50,
    ) -> DeliveryPageOut:
        """The tenant's deliveries, newest first, by state (morta: the dead letters)."""
        state = None if delivery_state is None else DeliveryState(delivery_state)
        items = webhook_deliveries.page(principal.tenant_id, DeliveryQuery(state, limit, after))
        next_after = items[-1].delivery_id if len(items) == limit else None
        return DeliveryPageOut(items=[DeliveryOut(**_delivery_fields(d)) for d in items], next_after=next_after)

    @get("/deliveries/{delivery_id:str}", operation_id="getWebhookDelivery",
         responses=ID_ERRORS)
    def delivery(
        self, delivery_id: ResourceId, principal: NamedDependency[Principal], webhook_deliveries: NamedDependency[WebhookDeliveries]
    ) -> DeliveryDetailOut:
        """One delivery with its attempt log (status code, error, duration of each POST)."""
        delivery, attempts = webhook_deliveries.show(principal.tenant_id, delivery_id)
        return DeliveryDetailOut(**_delivery_fields(delivery), attempt_log=[_attempt(a) for a in attempts])

    @post("/deliveries/replay", operation_id="replayWebhookDeliveries", status_code=200,
          responses=responses(AUTH, BODY, NotFound, InvalidTransition))
    def replay(
        self, data: JSONBody[ReplayIn], principal: NamedDependency[Principal], webhook_deliveries: NamedDependency[WebhookDeliveries]
    ) -> ReplayOut:
        """Send one dead delivery, or every dead one, again: same event and event id, new attempts."""
        if (data.delivery_id is None) == (not data.all):
            raise ValidationException(
                detail="Validation failed",
                extra=[{"key": "delivery_id", "message": "give either `delivery_id` or `all: true`", "source": "body"}],
            )
        return ReplayOut(replayed=webhook_deliveries.replay(principal.tenant_id, data.delivery_id, principal.key_id))
