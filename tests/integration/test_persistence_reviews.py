"""The SQL review repository on SQLite and PostgreSQL: round trip, overdue filter, lost updates refused."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest
from sqlalchemy.engine import Engine

from adapters.persistence.database import session_factory
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from core.domain.errors import InvalidTransition
from core.domain.records import Role
from core.domain.review import Move, ReviewAction, ReviewActor, ReviewState, ReviewTerms, open_item, transition

T0 = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.timezone.utc)
REVIEWER = ReviewActor("k-rev", Role.REVIEWER)


def test_round_trip_overdue_filter_and_optimistic_updates(engine: Engine) -> None:
    uows = SqlaUnitOfWorkFactory(session_factory(engine))
    tenant = f"rp-{uuid.uuid4().hex[:10]}"
    old, _ = open_item(tenant, "req-old", T0, 30)
    new, _ = open_item(tenant, "req-new", T0 + dt.timedelta(days=20), 30)
    with uows() as uow:
        uow.reviews.add(old)
        uow.reviews.add(new)
        uow.commit()
    with uows.reading() as uow:
        assert uow.reviews.get(tenant, old.review_id) == old
        assert uow.reviews.for_request(tenant, "req-new") == new
        overdue = uow.reviews.list_items(tenant, 10, overdue_at=T0 + dt.timedelta(days=31))
        assert [i.review_id for i in overdue] == [old.review_id]
        assert uow.reviews.get("another-tenant", old.review_id) is None

    claimed, _ = transition(old, Move(ReviewAction.CLAIM), REVIEWER, T0 + dt.timedelta(days=1))
    with uows() as uow:
        uow.reviews.update(claimed, expected_version=old.version)
        uow.commit()
    stale = dataclasses.replace(claimed, assignee="k-late", version=claimed.version)
    with uows() as uow, pytest.raises(InvalidTransition):
        uow.reviews.update(stale, expected_version=old.version)  # another claim got there first
    with uows.reading() as uow:
        stored = uow.reviews.get(tenant, old.review_id)
        assert stored is not None and stored.state is ReviewState.EM_ANALISE and stored.assignee == "k-rev"
        assert stored.history == claimed.history
        assert [i.review_id for i in uow.reviews.list_items(tenant, 10, state=ReviewState.EM_ANALISE, assignee="k-rev")] == [old.review_id]


def test_backlog_counts_open_items_by_state_and_age_and_overdue_ones(engine: Engine) -> None:
    """The grouped counts of /metrics (ADR 0026) agree with the fake's on both databases."""
    uows = SqlaUnitOfWorkFactory(session_factory(engine))
    tenant = f"rb-{uuid.uuid4().hex[:10]}"
    now = T0 + dt.timedelta(days=40)
    ancient, _ = open_item(tenant, "req-ancient", T0 - dt.timedelta(days=100), 30)  # 140 days old, overdue
    old, _ = open_item(tenant, "req-old", T0, 30)  # 40 days old, overdue
    fresh, _ = open_item(tenant, "req-fresh", now - dt.timedelta(days=2), 30)  # 2 days old
    claimed, _ = transition(fresh, Move(ReviewAction.CLAIM), REVIEWER, now)
    done = dataclasses.replace(open_item(tenant, "req-done", T0, 30)[0], state=ReviewState.HOMOLOGADO)
    with uows() as uow:
        for item in (ancient, old, claimed, done):
            uow.reviews.add(item)
        uow.commit()
    with uows.reading() as uow:
        backlog = uow.reviews.backlog(now)
    mine = {key: n for key, n in backlog.open_items.items() if key[0] == tenant}
    assert mine == {(tenant, "pendente", "90d+"): 1, (tenant, "pendente", "30-90d"): 1, (tenant, "em_analise", "0-7d"): 1}
    assert backlog.overdue[tenant] == 2


def test_reason_codes_and_the_new_item_fields_round_trip(engine: Engine) -> None:
    uows = SqlaUnitOfWorkFactory(session_factory(engine))
    tenant = f"rc-{uuid.uuid4().hex[:10]}"
    item, _ = open_item(tenant, "req-1", T0, ReviewTerms(5, 3, False))
    item = dataclasses.replace(item, rodada=2, recurso={"fatos": "Fatos.", "ementa": None})
    with uows() as uow:
        uow.reviews.add(item)
        assert uow.reviews.reason_codes(tenant) is None
        uow.reviews.set_reason_codes(tenant, ("a", "b"), T0)
        uow.commit()
    with uows() as uow:
        uow.reviews.set_reason_codes(tenant, ("c",), T0)  # replaces
        uow.commit()
    with uows.reading() as uow:
        assert uow.reviews.get(tenant, item.review_id) == item
        assert uow.reviews.reason_codes(tenant) == ("c",)
