"""Webhook use cases over the fakes: endpoints, the outbox, dispatch, attempts, dead letters, replay."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from core.domain.errors import InvalidInput, InvalidTransition, NotFound
from core.domain.records import Role
from core.domain.review import Move, ReviewAction, ReviewActor
from core.domain.webhook_signature import HEADER, verify
from core.domain.webhooks import CASO_CONCLUIDO, DECISAO_AUTOMATICA, DECISAO_FINAL, DeliveryState
from core.usecases.bootstrap import DEFAULT_TENANT
from core.usecases.webhooks import DeliveryQuery, publish
from tests.fakes.webhooks import ScriptedSender
from tests.support.evaluate_world import ORIGEM, command
from tests.support.webhook_world import POLICY, WebhookWorld, webhook_world

URL = "https://receiver.example/hooks"


def events(w: WebhookWorld, prefix: str = "webhook.") -> list[str]:
    with w.uows.reading() as uow:
        return [e.event_type for e in uow.audit.list_events(DEFAULT_TENANT, limit=1000) if e.event_type.startswith(prefix)]


def published(w: WebhookWorld, event_type: str = CASO_CONCLUIDO, data: dict | None = None) -> list[str]:
    with w.uows() as uow:
        ids = publish(uow, DEFAULT_TENANT, event_type, data or {"case_id": "c-1"}, now=w.clock.now())
        uow.commit()
    w.dispatcher.dispatch(ids)
    return ids


def state_of(w: WebhookWorld, delivery_id: str) -> DeliveryState:
    delivery, _ = w.deliveries.show(DEFAULT_TENANT, delivery_id)
    return delivery.state


@pytest.mark.parametrize("url", ["ftp://x.example/a", "javascript:alert(1)", "https://", "receiver.example/hooks", "file:///etc/passwd", ""])
def test_an_endpoint_must_be_an_http_or_https_url(url: str) -> None:
    w = webhook_world()
    with pytest.raises(InvalidInput, match="url"):
        w.admin.add(DEFAULT_TENANT, url, [DECISAO_FINAL], "k-admin")
    assert w.admin.endpoints(DEFAULT_TENANT) == [] and events(w) == []


def test_unknown_or_no_event_types_are_refused() -> None:
    w = webhook_world()
    for types in ([], ["decisao.qualquer"]):
        with pytest.raises(InvalidInput, match="event_types"):
            w.admin.add(DEFAULT_TENANT, URL, types, "k-admin")


def test_adding_disabling_and_rotating_are_audited_without_the_secret() -> None:
    w = webhook_world()
    endpoint = w.admin.add(DEFAULT_TENANT, URL, [DECISAO_FINAL, DECISAO_FINAL, CASO_CONCLUIDO], "k-admin")
    assert endpoint.secret == "whsec_test_1" and endpoint.event_types == (DECISAO_FINAL, CASO_CONCLUIDO)
    rotated = w.admin.rotate_secret(DEFAULT_TENANT, endpoint.endpoint_id, "k-admin")
    assert rotated.secret == "whsec_test_2"
    assert not w.admin.disable(DEFAULT_TENANT, endpoint.endpoint_id, "k-admin").active
    assert events(w) == ["webhook.endpoint_added", "webhook.secret_rotated", "webhook.endpoint_disabled"]
    with w.uows.reading() as uow:
        payloads = json.dumps([e.payload for e in uow.audit.list_events(DEFAULT_TENANT, limit=1000)])
    assert "whsec_" not in payloads
    with pytest.raises(NotFound):
        w.admin.disable("other-tenant", endpoint.endpoint_id, "k-admin")


def test_publish_writes_nothing_without_a_subscribed_active_endpoint() -> None:
    w = webhook_world()
    w.admin.add(DEFAULT_TENANT, URL, [DECISAO_FINAL], "k-admin")
    disabled = w.admin.add(DEFAULT_TENANT, URL + "/2", [CASO_CONCLUIDO], "k-admin")
    w.admin.disable(DEFAULT_TENANT, disabled.endpoint_id, "k-admin")
    assert published(w, CASO_CONCLUIDO) == [] and w.queue.sent == []


def test_the_event_is_written_in_the_callers_transaction_or_not_at_all() -> None:
    w = webhook_world()
    w.admin.add(DEFAULT_TENANT, URL, [CASO_CONCLUIDO], "k-admin")
    with w.uows() as uow:
        ids = publish(uow, DEFAULT_TENANT, CASO_CONCLUIDO, {"case_id": "c-1"}, now=w.clock.now())
        assert len(ids) == 1  # no commit: the change it announces rolled back, and so does the event
    assert w.deliveries.page(DEFAULT_TENANT, DeliveryQuery()) == []
    assert w.dispatcher.sweep() == 0


def test_a_published_event_is_delivered_signed_with_its_id_type_and_data() -> None:
    w = webhook_world()
    endpoint = w.admin.add(DEFAULT_TENANT, URL, [CASO_CONCLUIDO], "k-admin")
    [delivery_id] = published(w, CASO_CONCLUIDO, {"case_id": "c-9", "decisoes": 3})
    w.run_queue()
    assert state_of(w, delivery_id) is DeliveryState.ENTREGUE and w.metrics.outcomes == ["entregue"]
    [(url, body, headers)] = w.sender.requests
    assert url == URL
    assert verify(headers[HEADER], body, endpoint.secret, now=int(w.clock.now().timestamp()))
    event = json.loads(body)
    assert event["type"] == CASO_CONCLUIDO and event["tenant_id"] == DEFAULT_TENANT
    assert event["data"] == {"case_id": "c-9", "decisoes": 3} and event["id"] == headers["Equivalence-Event-Id"]
    assert event["id"].startswith("evt_") and event["created_at"] == w.clock.now().isoformat()
    _, attempts = w.deliveries.show(DEFAULT_TENANT, delivery_id)
    assert [(a.number, a.status_code, a.error) for a in attempts] == [(1, 200, None)]


def test_every_event_has_its_own_id() -> None:
    w = webhook_world()
    w.admin.add(DEFAULT_TENANT, URL, [CASO_CONCLUIDO], "k-admin")
    published(w)
    published(w)
    w.run_queue()
    ids = {json.loads(body)["id"] for _, body, _ in w.sender.requests}
    assert len(ids) == 2


def test_a_homologated_review_publishes_decisao_final_in_its_transaction() -> None:
    w = webhook_world()
    w.admin.add(DEFAULT_TENANT, URL, [DECISAO_FINAL], "k-admin")
    ew = w.evaluate
    assert ew.evaluate(command("r-rev", origem=dataclasses.replace(ORIGEM, aprovado=None))).document["decisao"] == "ANALISE_HUMANA"
    with w.uows.reading() as uow:
        item = uow.reviews.for_request(DEFAULT_TENANT, "r-rev")
    assert item is not None
    reviewer, coordinator = ReviewActor("k-rev", Role.REVIEWER), ReviewActor("k-coord", Role.COORDINATOR)
    for move, actor in (
        (Move(ReviewAction.CLAIM), reviewer),
        (Move(ReviewAction.DECIDE, decisao="DEFERIDO", motivo="conteudo_equivalente", parecer="Equivale."), reviewer),
    ):
        w.reviews.move(DEFAULT_TENANT, item.review_id, move, actor)
    assert w.deliveries.page(DEFAULT_TENANT, DeliveryQuery()) == []  # a parecer is not final yet
    w.reviews.move(DEFAULT_TENANT, item.review_id, Move(ReviewAction.HOMOLOGATE), coordinator)
    assert w.dispatcher.sweep() == 1
    w.run_queue()
    [(_, body, _)] = w.sender.requests
    event = json.loads(body)
    assert event["type"] == DECISAO_FINAL
    assert event["data"] == {
        "request_id": "r-rev", "review_id": item.review_id, "decisao_final": "DEFERIDO", "como": "revisao",
        "motivo": "conteudo_equivalente", "homologado_em": w.clock.now().isoformat(),
    }


def test_a_parecer_the_policy_makes_final_publishes_decisao_final_at_once() -> None:
    """homologacao_obrigatoria false (ADR 0026): the parecer is the final decision, so it is notified."""
    w = webhook_world()
    w.admin.add(DEFAULT_TENANT, URL, [DECISAO_FINAL], "k-admin")
    overrides = {"homologacao_obrigatoria": False}
    unknown = dataclasses.replace(ORIGEM, aprovado=None)
    answer = w.evaluate.evaluate(command("r-dispensed", origem=unknown, policy_overrides=overrides, caller={"role": "admin"}))
    assert answer.document["decisao"] == "ANALISE_HUMANA"
    with w.uows.reading() as uow:
        item = uow.reviews.for_request(DEFAULT_TENANT, "r-dispensed")
    assert item is not None
    reviewer = ReviewActor("k-rev", Role.REVIEWER)
    w.reviews.move(DEFAULT_TENANT, item.review_id, Move(ReviewAction.CLAIM), reviewer)
    parecer = Move(ReviewAction.DECIDE, decisao="INDEFERIDO", motivo="conteudo_insuficiente", parecer="Não equivale.")
    decided = w.reviews.move(DEFAULT_TENANT, item.review_id, parecer, reviewer)
    assert decided.final
    assert w.dispatcher.sweep() == 1
    w.run_queue()
    [(_, body, _)] = w.sender.requests
    event = json.loads(body)
    assert event["type"] == DECISAO_FINAL and event["data"]["decisao_final"] == "INDEFERIDO" and event["data"]["como"] == "revisao"


def test_an_automatic_decision_publishes_nothing_to_decisao_final_subscribers() -> None:
    w = webhook_world()
    w.admin.add(DEFAULT_TENANT, URL, [DECISAO_FINAL, CASO_CONCLUIDO], "k-admin")
    assert w.evaluate.evaluate(command("r-auto")).document["decisao"] == "DEFERIDO"
    assert w.deliveries.page(DEFAULT_TENANT, DeliveryQuery()) == []


def test_failures_retry_with_exponential_backoff_then_the_delivery_dies() -> None:
    w = webhook_world(ScriptedSender(default=None))
    w.admin.add(DEFAULT_TENANT, URL, [CASO_CONCLUIDO], "k-admin")
    [delivery_id] = published(w)
    delays = []
    while messages := w.queue.take_all():
        for _, delay in messages:
            delays.append(delay)
            w.deliver(delivery_id)
    assert delays == [0, 10_000, 20_000]  # the first right after the commit, then 10 s, 20 s
    assert state_of(w, delivery_id) is DeliveryState.MORTA and len(w.sender.requests) == POLICY.max_attempts
    assert w.metrics.outcomes == ["falhou", "falhou", "morta"]
    dead = w.deliveries.page(DEFAULT_TENANT, DeliveryQuery(state=DeliveryState.MORTA))
    assert [d.delivery_id for d in dead] == [delivery_id] and (dead[0].last_error or "").startswith("ConnectError")


def test_an_http_error_status_is_a_failure_with_its_code_logged() -> None:
    w = webhook_world(ScriptedSender(script=[500, 404], default=204))
    w.admin.add(DEFAULT_TENANT, URL, [CASO_CONCLUIDO], "k-admin")
    [delivery_id] = published(w)
    w.run_queue()
    delivery, attempts = w.deliveries.show(DEFAULT_TENANT, delivery_id)
    assert delivery.state is DeliveryState.ENTREGUE
    assert [(a.status_code, a.error) for a in attempts] == [(500, "HTTP 500"), (404, "HTTP 404"), (204, None)]


def test_replay_sends_a_dead_delivery_again_with_the_same_event_id_once() -> None:
    w = webhook_world(ScriptedSender(script=[None, None, None], default=200))
    w.admin.add(DEFAULT_TENANT, URL, [CASO_CONCLUIDO], "k-admin")
    [delivery_id] = published(w)
    w.run_queue()
    assert state_of(w, delivery_id) is DeliveryState.MORTA
    assert w.deliveries.replay(DEFAULT_TENANT, None, "k-admin") == [delivery_id]
    w.run_queue()
    assert state_of(w, delivery_id) is DeliveryState.ENTREGUE and events(w)[-1] == "webhook.replayed"
    first, *_, last = w.sender.requests
    assert json.loads(first[1])["id"] == json.loads(last[1])["id"] and len(w.sender.requests) == 4
    with pytest.raises(InvalidTransition):
        w.deliveries.replay(DEFAULT_TENANT, delivery_id, "k-admin")  # delivered: nothing to replay
    with pytest.raises(NotFound):
        w.deliveries.replay("other-tenant", delivery_id, "k-admin")


def test_a_repeated_message_of_a_delivered_delivery_sends_nothing() -> None:
    w = webhook_world()
    w.admin.add(DEFAULT_TENANT, URL, [CASO_CONCLUIDO], "k-admin")
    [delivery_id] = published(w)
    w.run_queue()
    assert w.deliver(delivery_id) is None and len(w.sender.requests) == 1


def test_a_crash_before_enqueueing_leaves_the_row_for_the_sweep_after_its_lease() -> None:
    w = webhook_world()
    w.admin.add(DEFAULT_TENANT, URL, [CASO_CONCLUIDO], "k-admin")
    [delivery_id] = published(w)
    w.queue.take_all()  # the message is lost (worker or broker died): the row stays pendente
    assert state_of(w, delivery_id) is DeliveryState.PENDENTE
    assert w.dispatcher.sweep() == 0  # leased: its message may still be on its way
    w.clock.current += POLICY.lease + dt.timedelta(seconds=1)
    assert w.admin.outbox_lag() == (POLICY.lease + dt.timedelta(seconds=1)).total_seconds()
    assert w.dispatcher.sweep() == 1
    w.run_queue()
    assert state_of(w, delivery_id) is DeliveryState.ENTREGUE and w.admin.outbox_lag() == 0.0


def test_a_worker_crash_mid_attempt_keeps_the_delivery_pending_until_delivered() -> None:
    class Crashing(ScriptedSender):
        def send(self, url, body, headers):  # type: ignore[no-untyped-def]
            raise RuntimeError("worker killed")

    w = webhook_world(Crashing())
    w.admin.add(DEFAULT_TENANT, URL, [CASO_CONCLUIDO], "k-admin")
    [delivery_id] = published(w)
    with pytest.raises(RuntimeError):
        w.run_queue()
    assert state_of(w, delivery_id) is DeliveryState.PENDENTE
    w.deliver._sender = ScriptedSender()  # a new worker
    w.clock.current += POLICY.lease + dt.timedelta(seconds=1)
    assert w.dispatcher.sweep() == 1
    w.run_queue()
    assert state_of(w, delivery_id) is DeliveryState.ENTREGUE


def test_a_disabled_endpoint_dead_letters_its_pending_deliveries() -> None:
    w = webhook_world()
    endpoint = w.admin.add(DEFAULT_TENANT, URL, [CASO_CONCLUIDO], "k-admin")
    [delivery_id] = published(w)
    w.admin.disable(DEFAULT_TENANT, endpoint.endpoint_id, "k-admin")
    w.run_queue()
    delivery, _ = w.deliveries.show(DEFAULT_TENANT, delivery_id)
    assert delivery.state is DeliveryState.MORTA and delivery.last_error == "endpoint desativado"
    assert w.sender.requests == []


def test_a_rotated_secret_signs_the_next_attempt() -> None:
    w = webhook_world()
    endpoint = w.admin.add(DEFAULT_TENANT, URL, [CASO_CONCLUIDO], "k-admin")
    published(w)
    rotated = w.admin.rotate_secret(DEFAULT_TENANT, endpoint.endpoint_id, "k-admin")
    w.run_queue()
    [(_, body, headers)] = w.sender.requests
    now = int(w.clock.now().timestamp())
    assert verify(headers[HEADER], body, rotated.secret, now) and not verify(headers[HEADER], body, endpoint.secret, now)


def test_an_automatic_decision_is_published_to_decisao_automatica_subscribers_with_the_result() -> None:
    w = webhook_world()
    w.admin.add(DEFAULT_TENANT, URL, [DECISAO_AUTOMATICA], "k-admin")
    document = w.evaluate.evaluate(command("r-auto")).document
    w.evaluate.evaluate(command("r-auto"))  # a replay is not a new decision: nothing more
    assert w.dispatcher.sweep() == 1
    w.run_queue()
    [(_, body, _)] = w.sender.requests
    event = json.loads(body)
    assert event["type"] == DECISAO_AUTOMATICA
    assert event["data"] == {"request_id": "r-auto", "decisao_final": "DEFERIDO", "como": "automatica", "score": document["score"]}


def test_an_analise_humana_result_is_not_an_automatic_decision() -> None:
    w = webhook_world()
    w.admin.add(DEFAULT_TENANT, URL, [DECISAO_AUTOMATICA], "k-admin")
    w.evaluate.evaluate(command("r-h", origem=dataclasses.replace(ORIGEM, aprovado=None)))
    assert w.deliveries.page(DEFAULT_TENANT, DeliveryQuery()) == []
