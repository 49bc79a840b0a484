"""Fake precedent repository: precedents and remembered pairs in staged tables."""

from __future__ import annotations

from collections.abc import Sequence

from core.domain.precedents import Precedent, PrecedentImport, ReviewedPair, course_key
from core.ports.precedent_repository import PrecedentFilter
from tests.fakes._staged import _Staged


class FakePrecedentRepository(_Staged):
    def __init__(
        self,
        committed: dict[tuple[str, str], object],
        pairs: dict[tuple[str, str], object],
        imports: dict[tuple[str, str], object],
    ) -> None:
        super().__init__(committed)
        self.pairs = _Staged(pairs)
        self.imports = _Staged(imports)

    def check(self) -> None:
        super().check()
        self.pairs.check()
        self.imports.check()

    def publish(self) -> None:
        super().publish()
        self.pairs.publish()
        self.imports.publish()

    def discard(self) -> None:
        super().discard()
        self.pairs.discard()
        self.imports.discard()

    def add(self, precedent: Precedent) -> None:
        self._staged[(precedent.tenant_id, precedent.precedent_id)] = precedent

    def get(self, tenant_id: str, precedent_id: str) -> Precedent | None:
        found: Precedent | None = self._get((tenant_id, precedent_id))
        return found

    def for_origin(self, tenant_id: str, instituicao_key: str, codigo_key: str) -> list[Precedent]:
        return [
            p for p in self._all(tenant_id) if any(o.key == (instituicao_key, codigo_key) for o in p.origens)
        ]

    def for_origins(self, tenant_id: str, keys: Sequence[tuple[str, str]]) -> list[Precedent]:
        wanted = set(keys)
        return sorted((p for p in self._all(tenant_id) if any(o.key in wanted for o in p.origens)), key=lambda p: p.precedent_id)

    def end_vigencia(self, precedent: Precedent) -> None:
        self._staged[(precedent.tenant_id, precedent.precedent_id)] = precedent

    def list_page(self, tenant_id: str, limit: int, after: str | None, where: PrecedentFilter) -> list[Precedent]:
        rows = [p for p in self._all(tenant_id) if (after is None or p.precedent_id > after) and _passes(p, where)]
        return rows[:limit]

    def remember_pair(self, tenant_id: str, request_id: str, pair: ReviewedPair) -> None:
        self.pairs._staged[(tenant_id, request_id)] = pair

    def pair_for(self, tenant_id: str, request_id: str) -> ReviewedPair | None:
        found: ReviewedPair | None = self.pairs._get((tenant_id, request_id))
        return found

    def import_of(self, tenant_id: str, arquivo_sha256: str) -> PrecedentImport | None:
        found: PrecedentImport | None = self.imports._get((tenant_id, arquivo_sha256))
        return found

    def add_import(self, record: PrecedentImport) -> bool:
        if self.import_of(record.tenant_id, record.arquivo_sha256) is not None:
            return False
        self.imports._staged[(record.tenant_id, record.arquivo_sha256)] = record
        return True

    def _all(self, tenant_id: str) -> list[Precedent]:
        return sorted((p for p in self._rows().values() if p.tenant_id == tenant_id), key=lambda p: p.precedent_id)


def _passes(p: Precedent, where: PrecedentFilter) -> bool:
    keys = [o.key for o in p.origens]
    return (
        (where.instituicao is None or any(k[0] == course_key(where.instituicao) for k in keys))
        and (where.codigo is None or any(k[1] == course_key(where.codigo) for k in keys))
        and (where.destino_codigo is None or p.destino_codigo == where.destino_codigo)
        and (where.course_id is None or p.course_id == where.course_id)
        and (where.kind is None or p.kind is where.kind)
        and (where.in_force_on is None or p.in_force(where.in_force_on))
    )
