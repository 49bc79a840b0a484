"""A decided case as stored: its answer document and hashes, never the student's identifiers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class StoredCase:
    """`student_sha256` hashes the `student` object the caller sent (like an evaluate's `context`);
    `payload_sha256` hashes the whole request. `document` is the answer (core/usecases/cases.py)."""

    tenant_id: str
    case_id: str
    created_at: dt.datetime
    status: str
    payload_sha256: str
    student_sha256: str | None
    document: dict[str, Any]
