"""The review backlog gauges (ADR 0026): buckets move with the (fake) clock, overdue items are
counted, a failing query never fails the scrape."""

from __future__ import annotations

import dataclasses
import datetime as dt

from adapters.metrics.review_collector import ReviewCollector
from core.domain.records import Role
from core.domain.review import Move, ReviewAction, ReviewActor
from core.domain.review_backlog import ReviewBacklog, age_bucket
from core.usecases.bootstrap import DEFAULT_TENANT
from tests.support.evaluate_world import ORIGEM, command, world

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
T0 = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.timezone.utc)


def samples_of(collector: ReviewCollector) -> Samples:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for family in collector.collect() for s in family.samples}


def backlog_key(state: str, age: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    return ("eqv_review_backlog", (("age", age), ("state", state), ("tenant", DEFAULT_TENANT)))


def test_age_buckets_have_closed_lower_bounds() -> None:
    assert [age_bucket(T0 - dt.timedelta(days=d), T0) for d in (0, 6.9, 7, 29, 30, 89, 90, 900)] == [
        "0-7d", "0-7d", "7-30d", "7-30d", "30-90d", "30-90d", "90d+", "90d+"
    ]


def test_the_backlog_by_state_and_age_and_the_overdue_items() -> None:
    w = world()
    unknown = dataclasses.replace(ORIGEM, aprovado=None)
    for i in range(3):
        w.evaluate(command(f"r-{i}", origem=unknown))
    collector = ReviewCollector(lambda: w.reviews.backlog(), max_age_s=0)
    first = samples_of(collector)
    assert first[("eqv_review_metrics_up", ())] == 1 and first[backlog_key("pendente", "0-7d")] == 3
    assert not any(name == "eqv_review_overdue" for name, _ in first)
    with w.uows.reading() as uow:
        item = uow.reviews.for_request(DEFAULT_TENANT, "r-0")
    assert item is not None
    w.reviews.move(DEFAULT_TENANT, item.review_id, Move(ReviewAction.CLAIM), ReviewActor("k", Role.REVIEWER))
    w.clock.current += dt.timedelta(days=31)
    later = samples_of(collector)
    assert later[backlog_key("pendente", "30-90d")] == 2 and later[backlog_key("em_analise", "30-90d")] == 1
    assert later[("eqv_review_overdue", (("tenant", DEFAULT_TENANT),))] == 3


def test_a_failing_backlog_query_reports_down_and_no_series() -> None:
    def broken() -> ReviewBacklog:
        raise ConnectionError("database down")

    assert samples_of(ReviewCollector(broken)) == {("eqv_review_metrics_up", ()): 0}


def test_the_answer_is_reused_for_max_age_seconds() -> None:
    calls, ticks = [], [100.0]

    def backlog() -> ReviewBacklog:
        calls.append(ticks[0])
        return ReviewBacklog({("t", "pendente", "0-7d"): len(calls)}, {})

    collector = ReviewCollector(backlog, max_age_s=30, monotonic=lambda: ticks[0])
    first = samples_of(collector)
    ticks[0] += 29
    assert samples_of(collector) == first and len(calls) == 1
    ticks[0] += 1
    assert samples_of(collector)[("eqv_review_backlog", (("age", "0-7d"), ("state", "pendente"), ("tenant", "t")))] == 2
