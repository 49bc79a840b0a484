"""Review use cases over the fakes: opening with the result, transitions audited, queue filters."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from core.domain.api_keys import hash_key
from core.domain.errors import InvalidInput, InvalidTransition, NotFound, TransitionForbidden
from core.domain.records import ApiKeyRecord, Role
from core.domain.review import AUTOMATICA, REVISAO, Move, ReviewAction, ReviewActor, ReviewItem, ReviewState, final_decision
from core.usecases import reviews
from core.usecases.bootstrap import DEFAULT_TENANT
from tests.support.evaluate_world import ORIGEM, World, command, world

UNKNOWN_APPROVAL = dataclasses.replace(ORIGEM, aprovado=None)  # pol-1 sends it to a person
REVIEWER = ReviewActor("k-rev", Role.REVIEWER)
COORDINATOR = ReviewActor("k-coord", Role.COORDINATOR)


def review_of(w: World, request_id: str) -> ReviewItem | None:
    with w.uows.reading() as uow:
        return uow.reviews.for_request(DEFAULT_TENANT, request_id)


def events(w: World, prefix: str = "review.") -> list[str]:
    with w.uows.reading() as uow:
        return [e.event_type for e in uow.audit.list_events(DEFAULT_TENANT, limit=1000) if e.event_type.startswith(prefix)]


def opened(w: World, request_id: str = "r-review") -> ReviewItem:
    outcome = w.evaluate(command(request_id, origem=UNKNOWN_APPROVAL))
    assert outcome.document["decisao"] == "ANALISE_HUMANA"
    item = review_of(w, request_id)
    assert item is not None
    return item


def test_an_analise_humana_result_opens_one_pending_item_with_the_policy_deadline() -> None:
    w = world()
    item = opened(w)
    assert item.state is ReviewState.PENDENTE and item.deadline == w.clock.now() + dt.timedelta(days=30)
    assert events(w) == ["review.opened"]
    w.evaluate(command("r-review", origem=UNKNOWN_APPROVAL))  # a replay opens nothing more
    assert events(w) == ["review.opened"]


def test_an_automatic_decision_opens_no_item_and_is_final_at_once() -> None:
    w = world()
    document = w.evaluate(command("r-auto")).document
    assert document["decisao"] == "DEFERIDO" and review_of(w, "r-auto") is None
    assert final_decision("DEFERIDO", None) == ("DEFERIDO", AUTOMATICA)


def test_the_item_is_stored_in_the_transaction_of_the_result() -> None:
    w = world()

    def fail(_: object) -> None:
        raise RuntimeError("the batch item's bookkeeping failed")

    with pytest.raises(RuntimeError):
        w.evaluate(command("r-atomic", origem=UNKNOWN_APPROVAL), also=fail)
    assert w.stored("r-atomic") is None and review_of(w, "r-atomic") is None and events(w) == []


def test_the_policy_deadline_is_overridable_per_request() -> None:
    w = world()
    w.evaluate(command("r-prazo", origem=UNKNOWN_APPROVAL, policy_overrides={"prazo_parecer_dias": 10}, caller={"role": "admin"}))
    item = review_of(w, "r-prazo")
    assert item is not None and item.deadline == w.clock.now() + dt.timedelta(days=10)


def test_claim_decide_homologate_is_audited_with_each_actor_and_ends_in_revisao() -> None:
    w = world()
    item = opened(w)
    for move, actor in (
        (Move(ReviewAction.CLAIM), REVIEWER),
        (Move(ReviewAction.DECIDE, decisao="INDEFERIDO", motivo="conteudo_insuficiente", parecer="Faltam tópicos."), REVIEWER),
        (Move(ReviewAction.HOMOLOGATE), COORDINATOR),
    ):
        item = w.reviews.move(DEFAULT_TENANT, item.review_id, move, actor)
    assert item.final and final_decision("ANALISE_HUMANA", item) == ("INDEFERIDO", REVISAO)
    assert events(w) == ["review.opened", "review.claim", "review.decide", "review.homologate"]
    with w.uows.reading() as uow:
        actors = [e.payload["actor"] for e in uow.audit.list_events(DEFAULT_TENANT, limit=100) if e.event_type.startswith("review.") and "actor" in e.payload]
    assert actors == [REVIEWER.payload(), REVIEWER.payload(), COORDINATOR.payload()]


def test_refused_transitions_change_nothing_and_audit_nothing() -> None:
    w = world()
    item = opened(w)
    with pytest.raises(TransitionForbidden):
        w.reviews.move(DEFAULT_TENANT, item.review_id, Move(ReviewAction.HOMOLOGATE), REVIEWER)
    with pytest.raises(InvalidTransition):
        w.reviews.move(DEFAULT_TENANT, item.review_id, Move(ReviewAction.HOMOLOGATE), COORDINATOR)
    with pytest.raises(NotFound):
        w.reviews.move("other-tenant", item.review_id, Move(ReviewAction.CLAIM), REVIEWER)
    assert review_of(w, "r-review") == item and events(w) == ["review.opened"]


def test_assign_needs_an_active_reviewer_key_of_the_tenant() -> None:
    w = world()
    item = opened(w)
    now = w.clock.now()
    with w.uows() as uow:
        for key_id, tenant, role in (("k-rev", DEFAULT_TENANT, Role.REVIEWER), ("k-cli", DEFAULT_TENANT, Role.CLIENT), ("k-far", "far", Role.REVIEWER)):
            uow.api_keys.add(ApiKeyRecord(key_id, tenant, key_id, hash_key(key_id, b"p"), role, key_id, now))
        uow.commit()
    for bad in ("k-cli", "k-far", "k-none"):
        with pytest.raises(InvalidInput):
            w.reviews.move(DEFAULT_TENANT, item.review_id, Move(ReviewAction.ASSIGN, assignee=bad), COORDINATOR)
    assigned = w.reviews.move(DEFAULT_TENANT, item.review_id, Move(ReviewAction.ASSIGN, assignee="k-rev"), COORDINATOR)
    assert assigned.assignee == "k-rev" and assigned.state is ReviewState.EM_ANALISE


def test_the_queue_filters_and_pages_by_id() -> None:
    w = world()
    ids = []
    for i in range(5):
        w.clock.current += dt.timedelta(seconds=1)
        ids.append(opened(w, f"r-queue-{i}").review_id)
    w.reviews.move(DEFAULT_TENANT, ids[1], Move(ReviewAction.CLAIM), REVIEWER)
    page = w.reviews.search(DEFAULT_TENANT, reviews.ReviewQuery(limit=2))
    assert [i.review_id for i in page] == ids[:2]
    page = w.reviews.search(DEFAULT_TENANT, reviews.ReviewQuery(limit=10, after=ids[1]))
    assert [i.review_id for i in page] == ids[2:]
    mine = w.reviews.search(DEFAULT_TENANT, reviews.ReviewQuery(assignee="k-rev"))
    assert [i.review_id for i in mine] == [ids[1]]
    pending = w.reviews.search(DEFAULT_TENANT, reviews.ReviewQuery(state=ReviewState.PENDENTE))
    assert len(pending) == 4
    assert w.reviews.search(DEFAULT_TENANT, reviews.ReviewQuery(overdue=True)) == []
    w.clock.current += dt.timedelta(days=31)
    assert len(w.reviews.search(DEFAULT_TENANT, reviews.ReviewQuery(overdue=True))) == 5
    assert w.reviews.search("other-tenant", reviews.ReviewQuery()) == []


def test_a_batch_item_sent_to_a_person_opens_its_item_too() -> None:
    from tests.support.batch_world import command as batch_command
    from tests.support.batch_world import world as batch_world

    w = batch_world()
    course = dataclasses.replace(batch_command().origem, aprovado=None)
    w.submit(DEFAULT_TENANT, [batch_command(origem=course), batch_command()])
    w.run_queue()  # the same EvaluatePair._store path as a sync request (atomic: see the test above)
    items = [i for i in w.uows.store.reviews.values() if isinstance(i, ReviewItem)]
    assert [i.request_id for i in items] == ["job-1-0"] and items[0].state is ReviewState.PENDENTE
