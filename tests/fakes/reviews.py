"""Fake review repository: items by (tenant, review_id) in one staged table."""

from __future__ import annotations

import datetime as dt

from core.domain.errors import InvalidTransition
from core.domain.precedents import course_key
from core.domain.review import AWAITING_PARECER, ReviewItem, ReviewState
from core.domain.review_backlog import ReviewBacklog, age_bucket
from tests.fakes._staged import _Staged


class FakeReviewRepository(_Staged):
    def add(self, item: ReviewItem) -> None:
        self._staged[(item.tenant_id, item.review_id)] = item

    def get(self, tenant_id: str, review_id: str) -> ReviewItem | None:
        item: ReviewItem | None = self._get((tenant_id, review_id))
        return item

    def for_request(self, tenant_id: str, request_id: str) -> ReviewItem | None:
        items = [i for i in self._items() if i.tenant_id == tenant_id and i.request_id == request_id]
        return max(items, key=lambda i: i.review_id, default=None)

    def update(self, item: ReviewItem, expected_version: int) -> None:
        stored = self._get((item.tenant_id, item.review_id))
        if stored is None or stored.version != expected_version:
            raise InvalidTransition(f"review item '{item.review_id}' changed meanwhile: read it again")
        self._staged[(item.tenant_id, item.review_id)] = item

    def reason_codes(self, tenant_id: str) -> tuple[str, ...] | None:
        codes: tuple[str, ...] | None = self._get(("reason_codes", tenant_id))
        return codes

    def set_reason_codes(self, tenant_id: str, codes: tuple[str, ...], now: dt.datetime) -> None:
        self._staged[("reason_codes", tenant_id)] = tuple(codes)

    def backlog(self, now: dt.datetime) -> ReviewBacklog:
        open_items: dict[tuple[str, str, str], int] = {}
        overdue: dict[str, int] = {}
        for i in self._items():
            if not i.final:
                key = (i.tenant_id, i.state.value, age_bucket(i.created_at, now))
                open_items[key] = open_items.get(key, 0) + 1
            if i.overdue(now):
                overdue[i.tenant_id] = overdue.get(i.tenant_id, 0) + 1
        return ReviewBacklog(open_items, overdue)

    def _items(self) -> list[ReviewItem]:
        return [i for i in self._rows().values() if isinstance(i, ReviewItem)]

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
        items = sorted(
            (
                i
                for i in self._items()
                if i.tenant_id == tenant_id
                and (after is None or i.review_id > after)
                and (state is None or i.state is state)
                and (assignee is None or i.assignee == assignee)
                and (overdue_at is None or (i.state in AWAITING_PARECER and i.deadline < overdue_at))
                and (instituicao is None or _key(i.about.instituicao) == course_key(instituicao))
                and (curso is None or _key(i.about.curso) == course_key(curso))
                and (opened_before is None or i.created_at <= opened_before)
            ),
            key=lambda i: i.review_id,
        )
        return items[:limit]


def _key(text: str | None) -> str | None:
    return None if text is None else course_key(text)
