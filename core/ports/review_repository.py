from __future__ import annotations

import datetime as dt
from typing import Protocol

from core.domain.review import ReviewItem, ReviewState
from core.domain.review_backlog import ReviewBacklog


class ReviewRepository(Protocol):
    """Review items of each tenant (core/domain/review.py); changed only through `update`."""

    def add(self, item: ReviewItem) -> None: ...

    def get(self, tenant_id: str, review_id: str) -> ReviewItem | None: ...

    def for_request(self, tenant_id: str, request_id: str) -> ReviewItem | None:
        """The newest item opened for this result, if any."""

    def update(self, item: ReviewItem, expected_version: int) -> None:
        """Store the item's new state if its stored version is still `expected_version`;
        raises InvalidTransition if another transition got there first."""

    def reason_codes(self, tenant_id: str) -> tuple[str, ...] | None:
        """The tenant's own list of parecer reason codes; None when it uses the default list."""

    def set_reason_codes(self, tenant_id: str, codes: tuple[str, ...], now: dt.datetime) -> None:
        """Replace the tenant's list (ADR 0026)."""

    def backlog(self, now: dt.datetime) -> ReviewBacklog:
        """Every tenant's items not final yet by state and age bucket, and overdue items (metrics)."""

    def list_items(
        self,
        tenant_id: str,
        limit: int,
        after: str | None = None,
        state: ReviewState | None = None,
        assignee: str | None = None,
        overdue_at: dt.datetime | None = None,
        instituicao: str | None = None,
        curso: str | None = None,
        opened_before: dt.datetime | None = None,
    ) -> list[ReviewItem]:
        """Up to `limit` items with review_id > after, in id order (a keyset page); with
        `overdue_at`, only items still awaiting their parecer whose deadline is before it;
        `instituicao`/`curso`: the origem's institution / the destino's course code, compared as
        `course_key` compares them (case, accents, spaces and punctuation ignored);
        `opened_before`: only items opened at or before it (their age)."""
