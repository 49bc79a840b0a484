"""Versioned taxonomies and their nodes, in SQL."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.persistence._versions import stored_tenant, version_taken, visible_version, visible_versions
from adapters.persistence.sqla_models import TaxonomyNodeRow, TaxonomyVersionRow
from core.domain.errors import VersionExists
from core.domain.model import Level, Taxonomy, TaxonomyNode


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
