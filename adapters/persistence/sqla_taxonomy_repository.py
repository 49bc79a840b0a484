"""Versioned taxonomies and their nodes, in SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from adapters.persistence._versions import (
    stored_tenant,
    version_taken,
    visible_rows,
    visible_version,
    visible_versions,
)
from adapters.persistence.sqla_models import SHARED_TENANT, TaxonomyNodeRow, TaxonomyVersionRow
from core.domain.catalog import DEPRECATED, VersionInfo
from core.domain.errors import VersionExists
from core.domain.model import Level, Taxonomy, TaxonomyNode

_CONCEPTS = (
    select(func.count())
    .where(TaxonomyNodeRow.taxonomy_version_id == TaxonomyVersionRow.id)
    .correlate(TaxonomyVersionRow)
    .scalar_subquery()
)


class SqlaTaxonomyRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, tenant_id: str, version: str) -> Taxonomy | None:
        """The tenant's own version if it has one by that name, else the shared one; nodes by node_id."""
        row = self._session.scalars(visible_version(TaxonomyVersionRow, tenant_id, version)).first()
        if row is None:
            return None
        nodes = self._session.scalars(
            select(TaxonomyNodeRow)
            .where(TaxonomyNodeRow.taxonomy_version_id == row.id)
            .order_by(TaxonomyNodeRow.node_id)
        )
        return Taxonomy(version=row.version, nodes=tuple(_to_node(n) for n in nodes))

    def add(self, tenant_id: str | None, taxonomy: Taxonomy) -> None:
        """Store a new version (tenant_id None: shared). Raises VersionExists if the name is taken."""
        if version_taken(self._session, TaxonomyVersionRow, tenant_id, taxonomy.version):
            raise VersionExists(f"taxonomy version {taxonomy.version!r} already exists")
        row = TaxonomyVersionRow(tenant_id=stored_tenant(tenant_id), version=taxonomy.version)
        self._session.add(row)
        self._session.flush()
        self._session.add_all(_to_row(row.id, node) for node in taxonomy.nodes)
        self._session.flush()

    def list_versions(self, tenant_id: str) -> list[str]:
        """The tenant's own and the shared versions, oldest first."""
        return visible_versions(self._session, TaxonomyVersionRow, tenant_id)

    def info(self, tenant_id: str, version: str) -> VersionInfo | None:
        """The version the tenant sees by that name, with its concept count; no nodes are loaded."""
        found = self._session.execute(visible_version(TaxonomyVersionRow, tenant_id, version).add_columns(_CONCEPTS))
        first = found.first()
        return None if first is None else _to_info(*first)

    def infos(self, tenant_id: str) -> list[VersionInfo]:
        """Every version the tenant sees, oldest first (its own wins a name clash left by old data)."""
        entries: dict[str, VersionInfo] = {}
        for row, concepts in self._session.execute(visible_rows(TaxonomyVersionRow, tenant_id).add_columns(_CONCEPTS)):
            if row.version not in entries or row.tenant_id != SHARED_TENANT:
                entries[row.version] = _to_info(row, concepts)
        return list(entries.values())

    def deprecate(self, tenant_id: str, version: str) -> None:
        """Only the status changes (the database refuses any other update of a version)."""
        self._session.execute(
            update(TaxonomyVersionRow)
            .where(TaxonomyVersionRow.tenant_id == tenant_id, TaxonomyVersionRow.version == version)
            .values(status=DEPRECATED)
        )


def _to_info(row: TaxonomyVersionRow, concepts: Any) -> VersionInfo:
    return VersionInfo(row.version, row.tenant_id == SHARED_TENANT, row.status, row.created_at, int(concepts or 0))


def _to_row(version_id: int, node: TaxonomyNode) -> TaxonomyNodeRow:
    return TaxonomyNodeRow(
        taxonomy_version_id=version_id,
        node_id=node.node_id,
        area=node.area,
        subarea=node.subarea,
        conceito=node.conceito,
        descricao=node.descricao,
        keywords=list(node.keywords),
        nivel=None if node.nivel is None else node.nivel.value,
        critico=node.critico,
    )


def _to_node(row: TaxonomyNodeRow) -> TaxonomyNode:
    return TaxonomyNode(
        node_id=row.node_id,
        area=row.area,
        subarea=row.subarea,
        conceito=row.conceito,
        descricao=row.descricao,
        keywords=tuple(row.keywords or ()),
        nivel=None if row.nivel is None else Level(row.nivel),
        critico=row.critico,
    )
