"""/admin/webhooks over HTTP (real stack with its in-process worker, SQLite and PostgreSQL):
endpoint admin, a homologated review notified to a real local receiver that verifies the
signature, dead deliveries listed and replayed (ADR 0025)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from entrypoints.container import Container
from tests.fakes.webhooks import PUBLIC_ADDRESS, FakeHostResolver
from tests.support.http_api import DESTINO, KEYS, ORIGEM, make_client, unique_id
from tests.support.waiting import wait_until
from tests.support.webhook_receiver import WebhookReceiver

UNKNOWN_APPROVAL = {k: v for k, v in ORIGEM.items() if k != "aprovado"}  # the default policy sends it to a person
PARECER = {"decisao": "INDEFERIDO", "motivo": "conteudo_insuficiente", "parecer": "Faltam tópicos críticos."}


def call(client: TestClient, method: str, path: str, key: str = "admin", **kwargs: Any) -> Any:
    return client.request(method, path, headers={"X-API-Key": KEYS[key]}, **kwargs)


def disable_all(test_client: TestClient) -> None:
    """The default tenant is shared by the session's tests: leave no endpoint of ours active."""
    for endpoint in call(test_client, "GET", "/admin/webhooks").json():
        if endpoint["active"]:
            call(test_client, "POST", f"/admin/webhooks/{endpoint['endpoint_id']}/disable")


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    # webhooks.max_attempts=1: the first failure is the last, dead at once; allow_private: the
    # receiver listens on 127.0.0.1 (and example.org needs no DNS) — ADR 0049
    for test_client in make_client(db_url, tmp_path, webhooks={"max_attempts": 1, "allow_private": True}):
        yield test_client
        disable_all(test_client)


@pytest.fixture
def checked(db_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, FakeHostResolver]]:
    """The default settings (public destinations only), the resolver port swapped for a fake."""
    containers: list[Container] = []
    for test_client in make_client(db_url, tmp_path, containers=containers):
        resolver = FakeHostResolver({"localhost": ["127.0.0.1", "::1"], "hooks.example": [PUBLIC_ADDRESS]})
        containers[0].adapters.host_resolver.override(resolver)
        yield test_client, resolver
        disable_all(test_client)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hooks", "http://169.254.169.254/latest", "http://[::1]/h", "http://localhost:9/h",
    "https://10.0.0.8/h", "https://not-resolving.example/h",
])
def test_by_default_a_non_public_destination_is_422_naming_url(checked: tuple[TestClient, FakeHostResolver], url: str) -> None:
    client, _ = checked
    answer = call(client, "POST", "/admin/webhooks", json={"url": url, "event_types": ["decisao.final"]})
    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["extra"]
    assert problem["field"] == "url" and "url recusada: o host" in problem["message"], problem


def test_by_default_a_public_destination_is_added_after_resolving_it(checked: tuple[TestClient, FakeHostResolver]) -> None:
    client, resolver = checked
    answer = call(client, "POST", "/admin/webhooks", json={"url": "https://hooks.example/h", "event_types": ["decisao.final"]})
    assert answer.status_code == 201, answer.text
    assert resolver.asked == ["hooks.example"]


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    yield receiver
    receiver.down()


@pytest.mark.parametrize("url", ["ftp://example.org/hook", "javascript:alert(1)", "http://", "example.org/hook"])
def test_a_url_that_is_not_http_or_https_is_422_naming_url(client: TestClient, url: str) -> None:
    answer = call(client, "POST", "/admin/webhooks", json={"url": url, "event_types": ["decisao.final"]})
    assert answer.status_code == 422, answer.text
    assert answer.json()["extra"][0]["field"] == "url"


def test_unknown_event_types_and_unknown_fields_are_422(client: TestClient) -> None:
    for body in (
        {"url": "https://example.org/h", "event_types": ["decisao.outra"]},
        {"url": "https://example.org/h", "event_types": []},
        {"url": "https://example.org/h", "event_types": ["decisao.final"], "secret": "mine"},
    ):
        assert call(client, "POST", "/admin/webhooks", json=body).status_code == 422


def test_create_shows_the_secret_once_then_list_disable_and_rotate(client: TestClient) -> None:
    created = call(client, "POST", "/admin/webhooks", json={"url": "https://example.org/h", "event_types": ["caso.concluido"]})
    assert created.status_code == 201 and created.headers["cache-control"] == "no-store"
    endpoint = created.json()
    assert endpoint["secret"].startswith("whsec_") and endpoint["active"] is True
    listed = [e for e in call(client, "GET", "/admin/webhooks").json() if e["endpoint_id"] == endpoint["endpoint_id"]]
    assert listed and "secret" not in listed[0]
    rotated = call(client, "POST", f"/admin/webhooks/{endpoint['endpoint_id']}/rotate_secret").json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != endpoint["secret"]
    disabled = call(client, "POST", f"/admin/webhooks/{endpoint['endpoint_id']}/disable")
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert call(client, "POST", f"/admin/webhooks/{endpoint['endpoint_id']}/disable", "other").status_code == 404
    for event_type in ("webhook.endpoint_added", "webhook.secret_rotated", "webhook.endpoint_disabled"):
        events = call(client, "GET", f"/admin/audit?event_type={event_type}&limit=500").json()["events"]
        mine = [e["payload"] for e in events if e["payload"]["endpoint_id"] == endpoint["endpoint_id"]]
        assert len(mine) == 1 and "secret" not in mine[0] and mine[0]["by"], event_type


def _review(client: TestClient) -> tuple[str, str]:
    request_id = unique_id("wh-review")
    body = {"request_id": request_id, "origem": UNKNOWN_APPROVAL, "destino": DESTINO}
    answer = call(client, "POST", "/v1/equivalences/evaluate", "client", json=body)
    assert answer.status_code == 200 and answer.json()["decisao"] == "ANALISE_HUMANA", answer.text
    return request_id, str(call(client, "GET", f"/v1/equivalences/{request_id}").json()["revisao"]["review_id"])


def test_a_homologated_review_reaches_a_real_receiver_signed(client: TestClient, receiver: WebhookReceiver) -> None:
    receiver.up()
    created = call(client, "POST", "/admin/webhooks", json={"url": receiver.url, "event_types": ["decisao.final"]}).json()
    receiver.secret = created["secret"]
    request_id, review_id = _review(client)
    assert call(client, "POST", f"/v1/reviews/{review_id}/claim", "reviewer").status_code == 200
    assert call(client, "POST", f"/v1/reviews/{review_id}/decide", "reviewer", json=PARECER).status_code == 200
    assert receiver.received == []  # a parecer is not final
    assert call(client, "POST", f"/v1/reviews/{review_id}/homologate", "coordinator").status_code == 200
    [got] = receiver.wait_for(1)
    assert got.verified
    assert got.event["type"] == "decisao.final" and got.event["data"]["request_id"] == request_id
    assert got.event["data"]["decisao_final"] == "INDEFERIDO" and got.event["data"]["como"] == "revisao"

    def delivered() -> dict | None:
        page = call(client, "GET", "/admin/webhooks/deliveries?state=entregue&limit=200").json()["items"]
        return next((d for d in page if d["event_id"] == got.event["id"]), None)

    delivery = wait_until(delivered, what="the delivery is recorded as entregue")
    detail = call(client, "GET", f"/admin/webhooks/deliveries/{delivery['delivery_id']}").json()
    assert [(a["number"], a["status_code"]) for a in detail["attempt_log"]] == [(1, 200)]
    assert call(client, "GET", f"/admin/webhooks/deliveries/{delivery['delivery_id']}", "other").status_code == 404
    metrics = client.get("/metrics").text
    assert 'eqv_webhook_deliveries_total{outcome="entregue"}' in metrics and "eqv_webhook_outbox_lag_seconds" in metrics


def test_a_dead_delivery_is_listed_and_replayed_with_the_same_event_id(client: TestClient, receiver: WebhookReceiver) -> None:
    created = call(client, "POST", "/admin/webhooks", json={"url": receiver.url, "event_types": ["decisao.automatica"]}).json()
    receiver.secret = created["secret"]
    request_id = unique_id("wh-auto")
    answer = call(client, "POST", "/v1/equivalences/evaluate", "client", json={"request_id": request_id, "origem": ORIGEM, "destino": DESTINO})
    assert answer.json()["decisao"] in ("DEFERIDO", "INDEFERIDO"), answer.text

    def dead() -> dict | None:
        page = call(client, "GET", "/admin/webhooks/deliveries?state=morta&limit=200").json()["items"]
        return next((d for d in page if d["endpoint_id"] == created["endpoint_id"]), None)

    delivery = wait_until(dead, what="the delivery to a closed port dies")  # one attempt (EQV_WEBHOOK_MAX_ATTEMPTS=1)
    assert delivery["last_status"] is None and delivery["last_error"]
    metrics = client.get("/metrics").text
    assert 'eqv_webhook_deliveries_total{outcome="morta"}' in metrics and "eqv_webhook_dead_letters_total" in metrics
    assert call(client, "POST", "/admin/webhooks/deliveries/replay", json={}).status_code == 422
    assert call(client, "POST", "/admin/webhooks/deliveries/replay", "other", json={"delivery_id": delivery["delivery_id"]}).status_code == 404

    receiver.up()
    replayed = call(client, "POST", "/admin/webhooks/deliveries/replay", json={"delivery_id": delivery["delivery_id"]})
    assert replayed.status_code == 200 and replayed.json() == {"replayed": [delivery["delivery_id"]]}
    [got] = receiver.wait_for(1)
    assert got.verified and got.event["id"] == delivery["event_id"] and got.event["data"]["request_id"] == request_id

    def entregue() -> bool:
        detail = call(client, "GET", f"/admin/webhooks/deliveries/{delivery['delivery_id']}").json()
        return bool(detail["state"] == "entregue")

    wait_until(entregue, what="the replayed delivery is recorded as entregue")
    again = call(client, "POST", "/admin/webhooks/deliveries/replay", json={"delivery_id": delivery["delivery_id"]})
    assert again.status_code == 409  # delivered: nothing to replay
    assert len(receiver.received) == 1
