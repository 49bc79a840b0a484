"""Webhook delivery end to end on the real pieces: the database (SQLite and PostgreSQL), Dramatiq
(its in-process broker and a real Worker, as the embedded runtime runs them), httpx, and a real
local HTTP receiver that verifies every signature (ADR 0025). Backoff is one millisecond; the
test waits on the broker (`join`) and on the receiver's condition, never on a clock."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from operator import attrgetter

import dramatiq
from dramatiq.brokers.stub import StubBroker
import pytest
from sqlalchemy import Engine

from adapters.persistence.database import session_factory
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from adapters.queue.dramatiq_queue import RetryPolicy, build_broker
from adapters.queue.webhook_queue import QUEUE_NAME, OutboxBell
from adapters.webhooks.httpx_sender import HttpxWebhookSender
from core.domain.records import Tenant
from core.domain.webhooks import CASO_CONCLUIDO, DeliveryState
from core.domain.webhook_destinations import refusal
from core.usecases.webhook_destinations import AnyDestination, DestinationCheck, PublicDestinationsOnly
from core.usecases.webhooks import DeliveryPolicy, DeliveryQuery, WebhookAdmin, publish
from entrypoints.webhook_runtime import WebhookRuntime, build_webhook_runtime
from tests.fakes import FixedClock
from tests.fakes.system import SequentialIds
from tests.fakes.webhooks import PUBLIC_ADDRESS, FakeHostResolver, RecordingWebhookMetrics
from tests.support.webhook_receiver import WebhookReceiver

POLICY = DeliveryPolicy(
    max_attempts=3, backoff=dt.timedelta(milliseconds=1), backoff_cap=dt.timedelta(milliseconds=4), lease=dt.timedelta(minutes=5)
)


@dataclass
class Rig:
    tenant: str
    uows: SqlaUnitOfWorkFactory
    clock: FixedClock
    broker: StubBroker
    runtime: WebhookRuntime
    admin: WebhookAdmin
    receiver: WebhookReceiver
    metrics: RecordingWebhookMetrics

    def publish(self, data: dict, uows: SqlaUnitOfWorkFactory | None = None) -> list[str]:
        with (uows or self.uows)() as uow:
            ids = publish(uow, self.tenant, CASO_CONCLUIDO, data, now=self.clock.now())
            uow.commit()
        return ids

    def drain(self) -> None:
        self.broker.join(QUEUE_NAME, fail_fast=False, timeout=60_000)

    def state(self, delivery_id: str) -> DeliveryState:
        return self.runtime.deliveries.show(self.tenant, delivery_id)[0].state


@contextmanager
def rigged(
    engine: Engine, sender: HttpxWebhookSender, destinations: DestinationCheck, url_of: Callable[[WebhookReceiver], str] = attrgetter("url")
) -> Iterator[Rig]:
    """A tenant with one endpoint (at `url_of(receiver)`, registered through `destinations`), the
    runtime on `sender`, and a worker."""
    tenant = f"wh-{uuid.uuid4().hex[:10]}"
    bell = OutboxBell()
    uows = SqlaUnitOfWorkFactory(session_factory(engine), None, bell)
    clock = FixedClock(current=dt.datetime.now(dt.timezone.utc).replace(microsecond=0))
    with uows() as uow:
        uow.tenants.add(Tenant(tenant, "Webhooks"))
        uow.commit()
    broker = build_broker(None, "unused", RetryPolicy(max_retries=0))
    assert isinstance(broker, StubBroker)  # the embedded runtime's in-process broker
    metrics = RecordingWebhookMetrics()
    runtime = build_webhook_runtime(broker, uows, sender, clock, POLICY, bell, metrics)
    admin = WebhookAdmin(uows, clock, SequentialIds(f"{tenant}-"), destinations)
    receiver = WebhookReceiver()
    endpoint = admin.add(tenant, url_of(receiver), [CASO_CONCLUIDO], "k-admin")
    receiver.secret = endpoint.secret
    receiver.now = lambda: int(clock.now().timestamp())  # signatures carry the fake clock's time
    broker.emit_after("process_boot")
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=50)
    worker.start()
    try:
        yield Rig(tenant, uows, clock, broker, runtime, admin, receiver, metrics)
    finally:
        worker.stop()
        broker.close()
        receiver.down()
        sender.close()


@pytest.fixture
def rig(engine: Engine) -> Iterator[Rig]:
    # The receiver listens on 127.0.0.1: private destinations allowed explicitly (ADR 0049).
    with rigged(engine, HttpxWebhookSender.unchecked(timeout_s=5.0), AnyDestination()) as rig:
        yield rig


def test_a_committed_event_is_delivered_signed_to_a_real_receiver(rig: Rig) -> None:
    rig.receiver.up()
    [delivery_id] = rig.publish({"case_id": "c-1"})  # the bell enqueues it right after the commit
    [got] = rig.receiver.wait_for(1)
    rig.drain()
    assert got.verified and got.path == "/hooks"
    assert got.event["type"] == CASO_CONCLUIDO and got.event["data"] == {"case_id": "c-1"}
    assert got.headers["Equivalence-Event-Id"] == got.event["id"] and got.event["tenant_id"] == rig.tenant
    delivery, attempts = rig.runtime.deliveries.show(rig.tenant, delivery_id)
    assert delivery.state is DeliveryState.ENTREGUE and [(a.number, a.status_code) for a in attempts] == [(1, 200)]


def test_receiver_down_retries_then_dead_letter_then_replay_delivers_exactly_once(rig: Rig) -> None:
    [delivery_id] = rig.publish({"case_id": "c-2"})  # nobody listens on the port
    rig.drain()  # the first attempt and every retry, with their (1 ms) backoff
    delivery, attempts = rig.runtime.deliveries.show(rig.tenant, delivery_id)
    assert delivery.state is DeliveryState.MORTA and len(attempts) == POLICY.max_attempts
    assert all(a.status_code is None and a.error for a in attempts)
    dead = rig.runtime.deliveries.page(rig.tenant, DeliveryQuery(state=DeliveryState.MORTA))
    assert [d.delivery_id for d in dead] == [delivery_id]

    rig.receiver.up()
    assert rig.runtime.deliveries.replay(rig.tenant, None, "k-admin") == [delivery_id]
    rig.drain()
    [got] = rig.receiver.wait_for(1)
    assert got.verified and rig.state(delivery_id) is DeliveryState.ENTREGUE
    assert got.event["id"] == delivery.event_id  # the same event, so the receiver can dedupe

    assert rig.runtime.deliveries.replay(rig.tenant, None, "k-admin") == []  # nothing dead is left
    rig.drain()
    assert len(rig.receiver.received) == 1


def test_an_error_status_is_retried_and_logged_with_its_code(rig: Rig) -> None:
    rig.receiver.status = 503
    rig.receiver.up()
    [delivery_id] = rig.publish({"case_id": "c-3"})
    rig.drain()
    delivery, attempts = rig.runtime.deliveries.show(rig.tenant, delivery_id)
    assert delivery.state is DeliveryState.MORTA and delivery.last_status == 503
    assert [(a.status_code, a.error) for a in attempts] == [(503, "HTTP 503")] * POLICY.max_attempts
    assert all(r.verified for r in rig.receiver.received) and len({r.event["id"] for r in rig.receiver.received}) == 1


def test_a_crash_after_commit_leaves_the_row_until_the_sweep_delivers_it(rig: Rig, engine: Engine) -> None:
    rig.receiver.up()
    crashed = SqlaUnitOfWorkFactory(session_factory(engine))  # a process that died before enqueueing: no bell
    [delivery_id] = rig.publish({"case_id": "c-4"}, uows=crashed)
    rig.drain()
    assert rig.state(delivery_id) is DeliveryState.PENDENTE and rig.receiver.received == []
    assert rig.runtime.dispatcher.sweep() == 1  # never leased: the sweep hands it out
    rig.drain()
    rig.receiver.wait_for(1)
    assert rig.state(delivery_id) is DeliveryState.ENTREGUE


def test_a_lost_message_is_handed_out_again_once_its_lease_runs_out(rig: Rig) -> None:
    rig.receiver.up()
    with rig.uows() as uow:  # leased as if a dispatcher had sent its message, which was then lost
        [delivery_id] = publish(uow, rig.tenant, CASO_CONCLUIDO, {"case_id": "c-5"}, now=rig.clock.now())
        uow.webhooks.claim_due(rig.clock.now(), rig.clock.now() + POLICY.lease, 10, [delivery_id])
        uow.commit()
    rig.drain()  # the bell's dispatch found it leased: nothing sent
    assert rig.runtime.dispatcher.sweep() == 0 and rig.state(delivery_id) is DeliveryState.PENDENTE
    rig.clock.current += POLICY.lease + dt.timedelta(seconds=1)
    assert rig.runtime.dispatcher.sweep() == 1
    rig.drain()
    assert len(rig.receiver.wait_for(1)) == 1 and rig.state(delivery_id) is DeliveryState.ENTREGUE


def test_a_rolled_back_change_publishes_nothing(rig: Rig) -> None:
    with rig.uows() as uow:
        publish(uow, rig.tenant, CASO_CONCLUIDO, {"case_id": "c-6"}, now=rig.clock.now())
    assert rig.runtime.deliveries.page(rig.tenant, DeliveryQuery()) == []
    assert rig.runtime.dispatcher.sweep() == 0


def test_a_host_that_moved_to_a_private_address_after_registration_is_refused_at_delivery(engine: Engine) -> None:
    """ADR 0049: registered while public, then its records changed (DNS rebinding): every attempt
    is refused before connecting, logged, counted, and the delivery ends in the dead letters."""
    resolver = FakeHostResolver({"hooks.example": [PUBLIC_ADDRESS]})
    sender = HttpxWebhookSender.checked(5.0, resolver, refusal)
    url_of = lambda r: f"http://hooks.example:{r.port}/hooks"  # noqa: E731
    with rigged(engine, sender, PublicDestinationsOnly(resolver), url_of) as rig:
        resolver.table["hooks.example"] = ["127.0.0.1"]
        rig.receiver.up()
        [delivery_id] = rig.publish({"case_id": "c-7"})
        rig.drain()
        delivery, attempts = rig.runtime.deliveries.show(rig.tenant, delivery_id)
        assert delivery.state is DeliveryState.MORTA and len(attempts) == POLICY.max_attempts
        reason = "destino recusado: o host 'hooks.example' aponta para endereço não público (127.0.0.1)"
        assert all(a.status_code is None and (a.error or "").startswith(reason) for a in attempts), attempts
        assert delivery.last_error == attempts[-1].error
        assert rig.metrics.outcomes == ["falhou"] * (POLICY.max_attempts - 1) + ["morta"]
        assert rig.receiver.received == []


def test_a_literal_private_address_is_refused_at_delivery_even_if_registered(engine: Engine) -> None:
    """An endpoint added while private targets were allowed is not delivered once they are not."""
    sender = HttpxWebhookSender.checked(5.0, FakeHostResolver(), refusal)
    with rigged(engine, sender, AnyDestination()) as rig:
        rig.receiver.up()
        [delivery_id] = rig.publish({"case_id": "c-8"})
        rig.drain()
        delivery, _ = rig.runtime.deliveries.show(rig.tenant, delivery_id)
        assert delivery.state is DeliveryState.MORTA and (delivery.last_error or "").startswith("destino recusado:")
        assert rig.receiver.received == []


def test_a_checked_sender_connects_to_the_address_it_checked(engine: Engine) -> None:
    """No second resolution: `receiver.test` exists only in the fake resolver, and the POST still
    reaches the receiver it names, with the URL's host in the Host header."""
    resolver = FakeHostResolver({"receiver.test": ["127.0.0.1"]})
    sender = HttpxWebhookSender.checked(5.0, resolver, lambda host, addresses: None)  # a rule accepting all
    url_of = lambda r: f"http://receiver.test:{r.port}/hooks"  # noqa: E731
    with rigged(engine, sender, AnyDestination(), url_of) as rig:
        rig.receiver.up()
        [delivery_id] = rig.publish({"case_id": "c-9"})
        [got] = rig.receiver.wait_for(1)
        rig.drain()
        assert got.verified and got.headers["Host"] == f"receiver.test:{rig.receiver.port}"
        assert rig.state(delivery_id) is DeliveryState.ENTREGUE and resolver.asked == ["receiver.test"]
