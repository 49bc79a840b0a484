"""Recurso (ADR 0026): working-day windows, new rounds of a review item, appeals of automatic
decisions, optional homologation and the deadlines of each round — over the fakes, fake clock."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain.errors import InvalidInput, InvalidTransition, NotFound, RecursoForaDoPrazo, TransitionForbidden
from core.domain.records import Role
from core.domain.review import (
    HOMOLOGACAO_DISPENSADA,
    REVISAO,
    Move,
    ReviewAction,
    ReviewActor,
    ReviewItem,
    ReviewState,
    ReviewTerms,
    final_decision,
    open_item,
    transition,
)
from core.domain.working_days import add_working_days, is_working_day, window_end
from core.usecases import reviews
from core.usecases.bootstrap import DEFAULT_TENANT
from tests.support.evaluate_world import ORIGEM, World, command, world

UNKNOWN_APPROVAL = dataclasses.replace(ORIGEM, aprovado=None)
REVIEWER = ReviewActor("k-rev", Role.REVIEWER)
COORDINATOR = ReviewActor("k-coord", Role.COORDINATOR)
CLIENT = ReviewActor("k-client", Role.CLIENT)
PARECER = Move(ReviewAction.DECIDE, decisao="DEFERIDO", motivo="conteudo_equivalente", parecer="Equivalente.")
FATOS = "O programa completo mostra séries de potências."
T0 = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.timezone.utc)  # a Monday


def events(w: World) -> list[str]:
    with w.uows.reading() as uow:
        return [e.event_type for e in uow.audit.list_events(DEFAULT_TENANT, limit=1000) if e.event_type.startswith("review.")]


def homologated(w: World, request_id: str = "r-rec") -> ReviewItem:
    assert w.evaluate(command(request_id, origem=UNKNOWN_APPROVAL)).document["decisao"] == "ANALISE_HUMANA"
    with w.uows.reading() as uow:
        item = uow.reviews.for_request(DEFAULT_TENANT, request_id)
    assert item is not None
    for move, actor in ((Move(ReviewAction.CLAIM), REVIEWER), (PARECER, REVIEWER), (Move(ReviewAction.HOMOLOGATE), COORDINATOR)):
        item = w.reviews.move(DEFAULT_TENANT, item.review_id, move, actor)
    assert item.final
    return item


def test_working_days_skip_weekends() -> None:
    friday = dt.date(2026, 3, 6)
    assert add_working_days(friday, 1) == dt.date(2026, 3, 9)  # Monday
    assert add_working_days(dt.date(2026, 3, 2), 10) == dt.date(2026, 3, 16)
    assert add_working_days(dt.date(2026, 3, 2), 1, holidays={dt.date(2026, 3, 3)}) == dt.date(2026, 3, 4)
    assert window_end(T0, 0) == dt.datetime.combine(T0.date(), dt.time.max, tzinfo=dt.timezone.utc)
    with pytest.raises(ValueError):
        add_working_days(friday, -1)


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)), st.integers(0, 60))
def test_the_nth_working_day_has_exactly_n_working_days_up_to_it(start: dt.date, n: int) -> None:
    end = add_working_days(start, n)
    days = [start + dt.timedelta(days=i) for i in range(1, (end - start).days + 1)]
    assert sum(is_working_day(d) for d in days) == n
    assert n == 0 or is_working_day(end)
    assert (end - start).days <= n + 2 * (n // 5 + 1)


def test_a_recurso_within_the_window_opens_a_new_round_that_ends_final_again() -> None:
    w = world()
    item = homologated(w)
    w.clock.current += dt.timedelta(days=3)
    reopened = w.reviews.recurso(DEFAULT_TENANT, reviews.Recurso("r-rec", FATOS, "Séries de potências."), CLIENT)
    assert (reopened.state, reopened.rodada, reopened.decision, reopened.assignee) == (ReviewState.PENDENTE, 2, None, None)
    assert reopened.deadline == w.clock.now() + dt.timedelta(days=30)  # the new round's parecer deadline
    assert reopened.recurso == {"fatos": FATOS, "ementa": "Séries de potências."}
    assert final_decision("ANALISE_HUMANA", reopened) == (None, None)  # not final while appealed
    for move, actor in ((Move(ReviewAction.CLAIM), REVIEWER), (PARECER, REVIEWER), (Move(ReviewAction.HOMOLOGATE), COORDINATOR)):
        reopened = w.reviews.move(DEFAULT_TENANT, reopened.review_id, move, actor)
    assert reopened.final and reopened.review_id == item.review_id
    assert [(e["action"], e["rodada"]) for e in reopened.history] == [
        ("claim", 1), ("decide", 1), ("homologate", 1), ("recurso", 2), ("claim", 2), ("decide", 2), ("homologate", 2)
    ]
    assert events(w).count("review.recurso") == 1


def test_the_recurso_enters_the_audit_chain_with_its_actor_and_hashes_of_its_texts() -> None:
    w = world()
    homologated(w)
    w.reviews.recurso(DEFAULT_TENANT, reviews.Recurso("r-rec", FATOS), COORDINATOR)
    with w.uows.reading() as uow:
        event = [e for e in uow.audit.list_events(DEFAULT_TENANT, limit=100) if e.event_type == "review.recurso"][0]
    assert event.payload["actor"] == COORDINATOR.payload() and event.payload["rodada"] == 2
    assert event.payload["fatos_sha256"] and "fatos" not in event.payload and event.payload["ementa_sha256"] is None


def test_a_recurso_after_the_window_is_refused_in_portuguese_and_changes_nothing() -> None:
    w = world()
    item = homologated(w)  # homologated on Monday 2026-03-02: 10 working days end on 2026-03-16
    w.clock.current = dt.datetime(2026, 3, 16, 23, 59, 59, 999999, tzinfo=dt.timezone.utc)
    assert item.recurso_until() == w.clock.current
    w.clock.current += dt.timedelta(microseconds=1)
    with pytest.raises(RecursoForaDoPrazo, match="recurso fora do prazo.*2026-03-16"):
        w.reviews.recurso(DEFAULT_TENANT, reviews.Recurso("r-rec", FATOS), CLIENT)
    assert events(w).count("review.recurso") == 0
    w.clock.current -= dt.timedelta(microseconds=1)  # the last instant is still inside
    assert w.reviews.recurso(DEFAULT_TENANT, reviews.Recurso("r-rec", FATOS), CLIENT).rodada == 2


def test_an_automatic_decision_is_taken_to_review_on_appeal() -> None:
    w = world()
    assert w.evaluate(command("r-auto")).document["decisao"] == "DEFERIDO"
    w.clock.current += dt.timedelta(days=1)
    item = w.reviews.recurso(DEFAULT_TENANT, reviews.Recurso("r-auto", FATOS), CLIENT)
    assert item.state is ReviewState.PENDENTE and item.history[0]["from"] == "automatica"
    assert final_decision("DEFERIDO", item) == (None, None)
    assert events(w) == ["review.recurso"]
    for move, actor in ((Move(ReviewAction.CLAIM), REVIEWER), (dataclasses.replace(PARECER, decisao="INDEFERIDO", motivo="outro"), REVIEWER),
                        (Move(ReviewAction.HOMOLOGATE), COORDINATOR)):
        item = w.reviews.move(DEFAULT_TENANT, item.review_id, move, actor)
    assert final_decision("DEFERIDO", item) == ("INDEFERIDO", REVISAO)


def test_an_automatic_decision_past_its_window_cannot_be_appealed() -> None:
    w = world()
    w.evaluate(command("r-auto"))
    w.clock.current += dt.timedelta(days=30)
    with pytest.raises(RecursoForaDoPrazo):
        w.reviews.recurso(DEFAULT_TENANT, reviews.Recurso("r-auto", FATOS), CLIENT)
    assert events(w) == []


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.AUDITOR])
def test_only_client_coordinator_and_admin_file_a_recurso(role: Role) -> None:
    w = world()
    homologated(w)
    w.evaluate(command("r-auto"))
    for request_id in ("r-rec", "r-auto"):
        with pytest.raises(TransitionForbidden):
            w.reviews.recurso(DEFAULT_TENANT, reviews.Recurso(request_id, FATOS), ReviewActor("k", role))
    assert w.reviews.recurso(DEFAULT_TENANT, reviews.Recurso("r-auto", FATOS), ReviewActor("k-a", Role.ADMIN))


def test_a_recurso_needs_a_final_decision_facts_and_an_existing_result() -> None:
    w = world()
    w.evaluate(command("r-open", origem=UNKNOWN_APPROVAL))
    with pytest.raises(InvalidTransition):
        w.reviews.recurso(DEFAULT_TENANT, reviews.Recurso("r-open", FATOS), CLIENT)
    homologated(w)
    with pytest.raises(InvalidInput):
        w.reviews.recurso(DEFAULT_TENANT, reviews.Recurso("r-rec", "  "), CLIENT)
    with pytest.raises(InvalidInput):
        w.reviews.recurso(DEFAULT_TENANT, reviews.Recurso("r-rec", FATOS, " "), CLIENT)
    with pytest.raises(NotFound):
        w.reviews.recurso(DEFAULT_TENANT, reviews.Recurso("r-none", FATOS), CLIENT)


def test_the_policy_terms_travel_with_the_item_and_its_deadline_flags_overdue() -> None:
    w = world()
    overrides = {"prazo_parecer_dias": 5, "prazo_recurso_dias": 2, "homologacao_obrigatoria": False}
    w.evaluate(command("r-terms", origem=UNKNOWN_APPROVAL, policy_overrides=overrides, caller={"role": "admin"}))
    page = w.reviews.search(DEFAULT_TENANT, reviews.ReviewQuery(overdue=True))
    assert page == []
    w.clock.current += dt.timedelta(days=5, seconds=1)
    [item] = w.reviews.search(DEFAULT_TENANT, reviews.ReviewQuery(overdue=True))
    assert item.terms == ReviewTerms(5, 2, False) and item.overdue(w.clock.now())
    item = w.reviews.move(DEFAULT_TENANT, item.review_id, Move(ReviewAction.CLAIM), REVIEWER)
    item = w.reviews.move(DEFAULT_TENANT, item.review_id, PARECER, REVIEWER)
    assert item.final and item.history[-1]["homologacao"] == HOMOLOGACAO_DISPENSADA  # the policy dispenses it
    assert not item.overdue(w.clock.now())


ACTORS = [REVIEWER, COORDINATOR, CLIENT, ReviewActor("k-admin", Role.ADMIN), ReviewActor("k-aud", Role.AUDITOR)]
MOVES = [Move(ReviewAction.CLAIM), Move(ReviewAction.ASSIGN, assignee="k-rev"), PARECER, Move(ReviewAction.HOMOLOGATE),
         Move(ReviewAction.RETURN, motivo="Rever."), Move(ReviewAction.RECURSO, fatos=FATOS)]


@settings(max_examples=300, deadline=None)
@given(st.booleans(), st.lists(st.tuples(st.sampled_from(MOVES), st.sampled_from(ACTORS)), max_size=30))
def test_no_path_to_final_skips_homologation_when_the_policy_requires_it(required: bool, steps: list[tuple[Move, ReviewActor]]) -> None:
    item, _ = open_item("t", "req", T0, ReviewTerms(homologacao_obrigatoria=required))
    for i, (move, actor) in enumerate(steps):
        before = item
        try:
            item, payload = transition(item, move, actor, T0 + dt.timedelta(hours=i))
        except (TransitionForbidden, InvalidTransition):
            assert item == before
            continue
        assert payload["actor"] == actor.payload() and payload["action"] == move.action.value  # every transition audited
        if item.final and not before.final:
            assert move.action is (ReviewAction.HOMOLOGATE if required else ReviewAction.DECIDE)
            if required:
                assert actor.role in (Role.COORDINATOR, Role.ADMIN) and before.state is ReviewState.PARECER_EMITIDO
    assert len(item.history) == item.version - 1
