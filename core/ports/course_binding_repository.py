from __future__ import annotations

from typing import Protocol

from core.domain.records import CourseBinding


class CourseBindingRepository(Protocol):
    """Which taxonomy and policy versions a destination course is judged by."""

    def get(self, tenant_id: str, course_id: str) -> CourseBinding | None: ...

    def put(self, binding: CourseBinding) -> None: ...
