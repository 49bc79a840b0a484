from __future__ import annotations

from typing import Protocol

from core.domain.records import CourseBinding


class CourseBindingRepository(Protocol):
    """Which taxonomy and policy versions a destination course is judged by."""

    def get(self, tenant_id: str, course_id: str) -> CourseBinding | None: ...

    def put(self, binding: CourseBinding) -> None: ...

    def list_for_tenant(self, tenant_id: str) -> list[CourseBinding]:
        """The tenant's bindings, by course_id."""

    def delete(self, tenant_id: str, course_id: str) -> bool:
        """Remove a binding; False if there was none."""
