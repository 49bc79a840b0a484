"""The review backlog as /metrics shows it: open items by age since opening, and overdue items (ADR 0026)."""

from __future__ import annotations

import dataclasses
import datetime as dt

# Age buckets of the open backlog (/metrics): (upper bound in days, label); the last is open-ended.
AGE_BUCKETS: tuple[tuple[int | None, str], ...] = ((7, "0-7d"), (30, "7-30d"), (90, "30-90d"), (None, "90d+"))


@dataclasses.dataclass(frozen=True, slots=True)
class ReviewBacklog:
    """Items not final yet, by (tenant, state, age bucket), and items overdue, by tenant."""

    open_items: dict[tuple[str, str, str], int]
    overdue: dict[str, int]


def age_bucket(created_at: dt.datetime, now: dt.datetime) -> str:
    """The AGE_BUCKETS label of an item opened at `created_at`."""
    age = now - created_at
    for days, label in AGE_BUCKETS:
        if days is None or age < dt.timedelta(days=days):
            return label
    raise AssertionError("the last bucket is open-ended")
