"""Review items in SQL: one row each, the history as a JSON list; optimistic updates by `version`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import CursorResult, Select, case, func, select, text, update
from sqlalchemy.orm import Session

from adapters.persistence.sqla_models import ReviewItemRow, ReviewReasonCodesRow
from core.domain.errors import InvalidTransition
from core.domain.precedents import course_key
from core.domain.review import AWAITING_PARECER, FINAL_STATES, ReviewItem, ReviewState, ReviewSubject, ReviewTerms, SubjectCourse
from core.domain.review_backlog import AGE_BUCKETS, ReviewBacklog

_TABLE = ReviewItemRow.__table__
KEY_MAX = 200
# Written as the partial indexes' predicates (migration 0008), as literals, so PostgreSQL can use them.
AWAITING_SQL = text("state IN ('pendente', 'em_analise')")
OPEN_SQL = text("state <> 'homologado'")
assert {ReviewState.PENDENTE, ReviewState.EM_ANALISE} == AWAITING_PARECER and FINAL_STATES == {ReviewState.HOMOLOGADO}


class SqlaReviewRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, item: ReviewItem) -> None:
        self._session.execute(_TABLE.insert().values(**_row(item)))

    def get(self, tenant_id: str, review_id: str) -> ReviewItem | None:
        row = self._session.get(ReviewItemRow, (tenant_id, review_id))
        return None if row is None else _item(row)

    def for_request(self, tenant_id: str, request_id: str) -> ReviewItem | None:
        statement = (
            select(ReviewItemRow)
            .where(ReviewItemRow.tenant_id == tenant_id, ReviewItemRow.request_id == request_id)
            .order_by(ReviewItemRow.review_id.desc())
            .limit(1)
        )
        row = self._session.scalars(statement).first()
        return None if row is None else _item(row)

    def update(self, item: ReviewItem, expected_version: int) -> None:
        values = {k: v for k, v in _row(item).items() if k not in ("tenant_id", "review_id")}
        statement = (
            update(_TABLE)
            .where(
                _TABLE.c.tenant_id == item.tenant_id,
                _TABLE.c.review_id == item.review_id,
                _TABLE.c.version == expected_version,
            )
            .values(**values)
        )
        result = self._session.execute(statement)
        if not isinstance(result, CursorResult) or result.rowcount != 1:
            raise InvalidTransition(f"review item '{item.review_id}' changed meanwhile: read it again")

    def reason_codes(self, tenant_id: str) -> tuple[str, ...] | None:
        row = self._session.get(ReviewReasonCodesRow, tenant_id)
        return None if row is None else tuple(row.codes)

    def set_reason_codes(self, tenant_id: str, codes: tuple[str, ...], now: dt.datetime) -> None:
        row = self._session.get(ReviewReasonCodesRow, tenant_id)
        if row is None:
            self._session.add(ReviewReasonCodesRow(tenant_id=tenant_id, codes=list(codes), updated_at=now))
        else:
            row.codes, row.updated_at = list(codes), now
        self._session.flush()

    def backlog(self, now: dt.datetime) -> ReviewBacklog:
        """Two grouped counts over the partial indexes of migration 0008 (open items by state and
        opening time; items awaiting a parecer by deadline)."""
        bucket = case(
            *[(_TABLE.c.created_at > now - dt.timedelta(days=days), label) for days, label in AGE_BUCKETS if days is not None],
            else_=AGE_BUCKETS[-1][1],
        )
        opened = select(_TABLE.c.tenant_id, _TABLE.c.state, bucket, func.count()).where(OPEN_SQL)
        rows = self._session.execute(opened.group_by(_TABLE.c.tenant_id, _TABLE.c.state, bucket)).all()
        late = (
            select(_TABLE.c.tenant_id, func.count())
            .where(AWAITING_SQL, _TABLE.c.deadline < now)
            .group_by(_TABLE.c.tenant_id)
        )
        overdue = {tenant: count for tenant, count in self._session.execute(late).all()}
        return ReviewBacklog({(t, s, b): n for t, s, b, n in rows}, overdue)

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
        # Core rows, not ORM instances: a page is read, never changed (half the cost per row).
        statement = page_statement(tenant_id, limit, after, state, assignee, overdue_at, instituicao, curso, opened_before)
        return [_item(row) for row in self._session.execute(statement)]


def page_statement(
    tenant_id: str,
    limit: int,
    after: str | None = None,
    state: ReviewState | None = None,
    assignee: str | None = None,
    overdue_at: dt.datetime | None = None,
    instituicao: str | None = None,
    curso: str | None = None,
    opened_before: dt.datetime | None = None,
) -> Select[Any]:
    """The SQL of one queue page (also EXPLAINed by bench/review_queue.py)."""
    statement = select(_TABLE).where(_TABLE.c.tenant_id == tenant_id)
    if after is not None:
        statement = statement.where(_TABLE.c.review_id > after)
    if state is not None:
        statement = statement.where(_TABLE.c.state == state.value)
    if assignee is not None:
        statement = statement.where(_TABLE.c.assignee_key_id == assignee)
    if overdue_at is not None:
        statement = statement.where(AWAITING_SQL, _TABLE.c.deadline < overdue_at)
    if instituicao is not None:
        statement = statement.where(_TABLE.c.instituicao_key == _key(instituicao))
    if curso is not None:
        statement = statement.where(_TABLE.c.curso_key == _key(curso))
    if opened_before is not None:
        statement = statement.where(_TABLE.c.created_at <= opened_before)
    return statement.order_by(_TABLE.c.review_id).limit(limit)


def _row(item: ReviewItem) -> dict[str, Any]:
    return {
        "tenant_id": item.tenant_id,
        "review_id": item.review_id,
        "request_id": item.request_id,
        "state": item.state.value,
        "assignee_key_id": item.assignee,
        "decision": item.decision,
        "reason_code": item.reason_code,
        "parecer": item.parecer,
        "deadline": item.deadline,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "history": list(item.history),
        "version": item.version,
        "rodada": item.rodada,
        "terms": item.terms.payload(),
        "recurso": item.recurso,
        "instituicao": item.about.instituicao,
        "curso": item.about.curso,
        "instituicao_key": _key(item.about.instituicao),
        "curso_key": _key(item.about.curso),
        "disciplinas": item.about.courses_payload(),
    }


def _key(text: str | None) -> str | None:
    """How the queue compares an institution or a course code (KEY_MAX: the column's width)."""
    return None if text is None else course_key(text)[:KEY_MAX]


def _subject(row: Any) -> ReviewSubject:
    courses = row.disciplinas or {}
    return ReviewSubject(
        row.instituicao, row.curso, SubjectCourse.from_payload(courses.get("origem")), SubjectCourse.from_payload(courses.get("destino"))
    )


def _item(row: Any) -> ReviewItem:
    """From an ORM instance or a Core row (both have the columns as attributes)."""
    return ReviewItem(
        tenant_id=row.tenant_id,
        review_id=row.review_id,
        request_id=row.request_id,
        state=ReviewState(row.state),
        created_at=row.created_at,
        updated_at=row.updated_at,
        deadline=row.deadline,
        assignee=row.assignee_key_id,
        decision=row.decision,
        reason_code=row.reason_code,
        parecer=row.parecer,
        history=tuple(row.history or ()),
        version=row.version,
        terms=ReviewTerms(**row.terms) if row.terms else ReviewTerms(),
        rodada=row.rodada,
        recurso=row.recurso,
        about=_subject(row),
    )
