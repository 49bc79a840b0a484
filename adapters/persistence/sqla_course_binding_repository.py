"""Course bindings (course_id -> taxonomy and policy versions), in SQL."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from adapters.persistence.sqla_models import CourseBindingRow
from core.domain.records import CourseBinding


class SqlaCourseBindingRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, tenant_id: str, course_id: str) -> CourseBinding | None:
        row = self._session.get(CourseBindingRow, (tenant_id, course_id))
        return None if row is None else _to_binding(row)

    def put(self, binding: CourseBinding) -> None:
        """Create or replace the binding of this (tenant, course)."""
        row = self._session.get(CourseBindingRow, (binding.tenant_id, binding.course_id))
        if row is None:
            row = CourseBindingRow(tenant_id=binding.tenant_id, course_id=binding.course_id)
            self._session.add(row)
        row.taxonomy_version = binding.taxonomy_version
        row.policy_version = binding.policy_version
        self._session.flush()

    def list_for_tenant(self, tenant_id: str) -> list[CourseBinding]:
        rows = self._session.scalars(
            select(CourseBindingRow).where(CourseBindingRow.tenant_id == tenant_id).order_by(CourseBindingRow.course_id)
        )
        return [_to_binding(row) for row in rows]

    def delete(self, tenant_id: str, course_id: str) -> bool:
        deleted = self._session.execute(
            delete(CourseBindingRow).where(CourseBindingRow.tenant_id == tenant_id, CourseBindingRow.course_id == course_id)
        )
        return bool(deleted.rowcount)  # type: ignore[attr-defined]  # Session.execute is typed Result; a DELETE gives a CursorResult


def _to_binding(row: CourseBindingRow) -> CourseBinding:
    return CourseBinding(
        tenant_id=row.tenant_id,
        course_id=row.course_id,
        taxonomy_version=row.taxonomy_version,
        policy_version=row.policy_version,
    )
