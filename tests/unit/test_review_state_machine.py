"""Properties of the review state machine (core/domain/review.py): pure, hypothesis-driven."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain.review import REVIEW_ID_PATTERN, review_id_for
from core.domain.errors import InvalidInput, InvalidTransition, TransitionForbidden
from core.domain.records import Role
from core.domain.review import (
    DEFAULT_REASON_CODES,
    TRANSITIONS,
    Move,
    ReviewAction,
    ReviewActor,
    ReviewItem,
    ReviewState,
    allowed_roles,
    open_item,
    transition,
)

T0 = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.timezone.utc)
ACTORS = {
    Role.REVIEWER: ReviewActor("k-rev", Role.REVIEWER),
    Role.COORDINATOR: ReviewActor("k-coord", Role.COORDINATOR),
    Role.ADMIN: ReviewActor("k-admin", Role.ADMIN),
    Role.CLIENT: ReviewActor("k-client", Role.CLIENT),
    Role.AUDITOR: ReviewActor("k-audit", Role.AUDITOR),
}
MOVES = {
    ReviewAction.CLAIM: Move(ReviewAction.CLAIM),
    ReviewAction.ASSIGN: Move(ReviewAction.ASSIGN, assignee="k-rev"),
    ReviewAction.DECIDE: Move(ReviewAction.DECIDE, decisao="DEFERIDO", motivo="conteudo_equivalente", parecer="Equivalente."),
    ReviewAction.HOMOLOGATE: Move(ReviewAction.HOMOLOGATE),
    ReviewAction.RETURN: Move(ReviewAction.RETURN, motivo="Rever a carga horária."),
    ReviewAction.RECURSO: Move(ReviewAction.RECURSO, fatos="Anexo o programa completo da disciplina."),
}
steps = st.lists(st.tuples(st.sampled_from(list(ReviewAction)), st.sampled_from(list(ACTORS))), max_size=25)


def fresh() -> ReviewItem:
    return open_item("t-1", "req-1", T0, 30)[0]


def run(sequence: list[tuple[ReviewAction, Role]]) -> tuple[ReviewItem, list[ReviewAction], list[dict]]:
    """Apply every step that is allowed; refused ones leave the item as it was."""
    item, done, payloads = fresh(), [], []
    for i, (action, role) in enumerate(sequence):
        try:
            item, payload = transition(item, MOVES[action], ACTORS[role], T0 + dt.timedelta(minutes=i))
        except (TransitionForbidden, InvalidTransition):
            continue
        done.append(action)
        payloads.append(payload)
    return item, done, payloads


@settings(max_examples=300, deadline=None)
@given(steps)
def test_no_path_reaches_the_final_state_without_a_homologated_parecer(sequence: list[tuple[ReviewAction, Role]]) -> None:
    item, done, _ = run(sequence)
    if item.final:
        assert done[-1] is ReviewAction.HOMOLOGATE
        last_decide = max(i for i, a in enumerate(done) if a is ReviewAction.DECIDE)
        assert ReviewAction.RETURN not in done[last_decide:]  # the parecer homologated is the last one given
        assert item.decision in ("DEFERIDO", "INDEFERIDO") and item.parecer
        assert item.history[-1]["actor"]["role"] in ("coordinator", "admin")


@settings(max_examples=300, deadline=None)
@given(steps)
def test_every_transition_yields_an_audit_payload_and_a_history_entry(sequence: list[tuple[ReviewAction, Role]]) -> None:
    item, done, payloads = run(sequence)
    assert len(item.history) == len(payloads) == len(done)
    assert item.version == 1 + len(done)
    for action, payload, entry in zip(done, payloads, item.history, strict=True):
        assert payload["action"] == entry["action"] == action.value
        assert payload["review_id"] == item.review_id and payload["actor"]["key_id"]
        assert payload["actor"]["role"] in {r.value for r in allowed_roles(action)}
        assert ReviewState(payload["to"]) is TRANSITIONS[action][1]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(list(ReviewAction)), st.sampled_from(list(ACTORS)), st.sampled_from(list(ReviewState)))
def test_a_forbidden_role_raises_whatever_the_state(action: ReviewAction, role: Role, state: ReviewState) -> None:
    item = ReviewItem("t-1", "rv-1", "req-1", state, T0, T0, T0, assignee="k-rev")
    if role in allowed_roles(action):
        return
    with pytest.raises(TransitionForbidden):
        transition(item, MOVES[action], ACTORS[role], T0)


def test_the_happy_path_and_its_payloads() -> None:
    item = fresh()
    item, claimed = transition(item, MOVES[ReviewAction.CLAIM], ACTORS[Role.REVIEWER], T0)
    assert (item.state, item.assignee, claimed["actor"]) == (ReviewState.EM_ANALISE, "k-rev", {"key_id": "k-rev", "role": "reviewer"})
    item, decided = transition(item, MOVES[ReviewAction.DECIDE], ACTORS[Role.REVIEWER], T0)
    assert item.state is ReviewState.PARECER_EMITIDO and item.decision == "DEFERIDO"
    assert decided["parecer_sha256"] and "parecer" not in decided  # the text stays out of the audit chain
    item, returned = transition(item, MOVES[ReviewAction.RETURN], ACTORS[Role.COORDINATOR], T0)
    assert item.state is ReviewState.EM_ANALISE and item.decision is None and returned["motivo"]
    item, _ = transition(item, MOVES[ReviewAction.DECIDE], ACTORS[Role.REVIEWER], T0)
    item, homologated = transition(item, MOVES[ReviewAction.HOMOLOGATE], ACTORS[Role.COORDINATOR], T0)
    assert item.final and homologated["to"] == "homologado"
    with pytest.raises(InvalidTransition):
        transition(item, MOVES[ReviewAction.RETURN], ACTORS[Role.ADMIN], T0)


def test_a_reviewer_decides_only_an_item_assigned_to_them() -> None:
    item, _ = transition(fresh(), MOVES[ReviewAction.CLAIM], ReviewActor("k-other", Role.REVIEWER), T0)
    with pytest.raises(TransitionForbidden):
        transition(item, MOVES[ReviewAction.DECIDE], ACTORS[Role.REVIEWER], T0)
    decided, _ = transition(item, MOVES[ReviewAction.DECIDE], ACTORS[Role.ADMIN], T0)
    assert decided.state is ReviewState.PARECER_EMITIDO


@pytest.mark.parametrize(
    "move",
    [
        Move(ReviewAction.DECIDE, decisao="ANALISE_HUMANA", motivo="outro", parecer="x"),
        Move(ReviewAction.DECIDE, decisao="DEFERIDO", motivo="not-a-code", parecer="x"),
        Move(ReviewAction.DECIDE, decisao="DEFERIDO", motivo="outro", parecer="   "),
    ],
)
def test_a_parecer_needs_a_decision_a_listed_reason_and_text(move: Move) -> None:
    item, _ = transition(fresh(), MOVES[ReviewAction.CLAIM], ACTORS[Role.REVIEWER], T0)
    with pytest.raises(InvalidInput):
        transition(item, move, ACTORS[Role.REVIEWER], T0)
    assert "outro" in DEFAULT_REASON_CODES


def test_overdue_after_the_deadline_only_while_awaiting_a_parecer() -> None:
    item = open_item("t-1", "req-1", T0, 30)[0]
    assert item.deadline == T0 + dt.timedelta(days=30)
    assert not item.overdue(item.deadline) and item.overdue(item.deadline + dt.timedelta(seconds=1))
    claimed, _ = transition(item, MOVES[ReviewAction.CLAIM], ACTORS[Role.REVIEWER], T0)
    assert claimed.overdue(item.deadline + dt.timedelta(days=1))
    decided, _ = transition(claimed, MOVES[ReviewAction.DECIDE], ACTORS[Role.REVIEWER], T0)
    assert not decided.overdue(item.deadline + dt.timedelta(days=1))


def test_review_ids_sort_by_opening_time() -> None:
    first = open_item("t-1", "zzz", T0, 30)[0].review_id
    second = open_item("t-1", "aaa", T0 + dt.timedelta(microseconds=1), 30)[0].review_id
    assert first < second


@given(st.datetimes(min_value=dt.datetime(1000, 1, 1), timezones=st.just(dt.timezone.utc)), st.text())  # noqa: DTZ001 - naive bounds, aware values
def test_every_review_id_is_a_cursor_the_queue_accepts(now: dt.datetime, request_id: str) -> None:
    assert re.match(REVIEW_ID_PATTERN, review_id_for(request_id, now))
