"""Fake curriculum repository: versions and the tenant's current pointer in one staged table."""

from __future__ import annotations

import dataclasses
import datetime as dt

from core.domain.catalog import ACTIVE, DEPRECATED
from core.domain.curriculum import Curriculum, CurriculumInfo
from core.domain.errors import VersionExists
from tests.fakes._staged import _Staged

_EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


@dataclasses.dataclass(frozen=True)
class _Entry:
    curriculum: Curriculum
    status: str
    created_at: dt.datetime


class FakeCurriculumRepository(_Staged):
    """Keys: ("version", tenant, version) -> _Entry and ("default", tenant) -> version."""

    def add(self, tenant_id: str, curriculum: Curriculum) -> None:
        if self._get(("version", tenant_id, curriculum.version)) is not None:
            raise VersionExists(f"curriculum version {curriculum.version!r} already exists")
        created = _EPOCH + dt.timedelta(seconds=len(self._rows()))
        self._staged[("version", tenant_id, curriculum.version)] = _Entry(curriculum, ACTIVE, created)

    def get(self, tenant_id: str, version: str) -> Curriculum | None:
        entry = self._get(("version", tenant_id, version))
        return None if entry is None else entry.curriculum

    def info(self, tenant_id: str, version: str) -> CurriculumInfo | None:
        entry = self._get(("version", tenant_id, version))
        return None if entry is None else _info(entry)

    def infos(self, tenant_id: str) -> list[CurriculumInfo]:
        entries = [e for k, e in self._rows().items() if k[0] == "version" and k[1] == tenant_id]
        return [_info(e) for e in sorted(entries, key=lambda e: e.created_at)]

    def deprecate(self, tenant_id: str, version: str) -> None:
        entry = self._get(("version", tenant_id, version))
        self._staged[("version", tenant_id, version)] = dataclasses.replace(entry, status=DEPRECATED)

    def default(self, tenant_id: str) -> str | None:
        return self._get(("default", tenant_id))

    def set_default(self, tenant_id: str, version: str) -> None:
        self._staged[("default", tenant_id)] = version

    def check(self) -> None:
        """Only a version added by this unit may conflict; status changes and the pointer overwrite."""
        added = {k for k, e in self._staged.items() if k[0] == "version" and e.status == ACTIVE}
        taken = {k for k in added & self._committed.keys() if self._committed[k] is not self._staged[k]}
        if taken:
            raise VersionExists(f"already committed: {sorted(taken)}")


def _info(entry: _Entry) -> CurriculumInfo:
    c = entry.curriculum
    return CurriculumInfo(
        c.version, entry.status, entry.created_at, len(c.units), round(c.clock_hours, 2),
        c.nome_curso, c.codigo_curriculo, c.source_format, c.signature_present,
    )
