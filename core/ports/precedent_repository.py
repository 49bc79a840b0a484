from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from core.domain.precedents import Precedent, PrecedentImport, PrecedentKind, ReviewedPair


@dataclass(frozen=True, slots=True)
class PrecedentFilter:
    """Search filters of the precedent list; each None field does not filter."""

    instituicao: str | None = None  # compared as core.domain.precedents.course_key
    codigo: str | None = None
    destino_codigo: str | None = None
    course_id: str | None = None
    kind: PrecedentKind | None = None
    in_force_on: dt.date | None = None


class PrecedentRepository(Protocol):
    """The tenant's precedents (core/domain/precedents.py): added, read, their vigência ended; never deleted."""

    def add(self, precedent: Precedent) -> None: ...

    def get(self, tenant_id: str, precedent_id: str) -> Precedent | None: ...

    def for_origin(self, tenant_id: str, instituicao_key: str, codigo_key: str) -> list[Precedent]:
        """Every precedent naming this origem course (by its folded institution and code), any vigência."""

    def for_origins(self, tenant_id: str, keys: Sequence[tuple[str, str]]) -> list[Precedent]:
        """`for_origin` for several courses at once (a case's transcript), each precedent once, in
        one round trip."""

    def end_vigencia(self, precedent: Precedent) -> None:
        """Store the precedent's new `valid_to`, `ended_at` and `ended_by` (the only change allowed)."""

    def list_page(self, tenant_id: str, limit: int, after: str | None, where: PrecedentFilter) -> list[Precedent]:
        """Up to `limit` precedents with precedent_id > after, in id order (a keyset page)."""

    def remember_pair(self, tenant_id: str, request_id: str, pair: ReviewedPair) -> None:
        """Keep the pair of an ANALISE_HUMANA result (in the transaction that stores it)."""

    def pair_for(self, tenant_id: str, request_id: str) -> ReviewedPair | None: ...

    def import_of(self, tenant_id: str, arquivo_sha256: str) -> PrecedentImport | None:
        """The tenant's earlier import of the file with this SHA-256, if any."""

    def add_import(self, record: PrecedentImport) -> bool:
        """Record a file's import; False, storing nothing, when the tenant has one for this file
        already (a concurrent import of the same file that committed first)."""
