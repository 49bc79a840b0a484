"""Migration 0002: the database itself refuses to change a stored taxonomy or policy version."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.exc import DatabaseError

from adapters.persistence.database import create_engine_for, session_factory
from adapters.persistence.migrate import _run, upgrade_to_head
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from core.domain.model import Policy, Taxonomy, TaxonomyNode

TAXONOMY = Taxonomy("imm-1", (TaxonomyNode("a", "area", "sub", "Conceito A", keywords=("a",)),))
POLICY = Policy(version="imm-pol-1")

REFUSED = [
    "UPDATE taxonomy_nodes SET conceito = 'changed'",
    "UPDATE taxonomy_nodes SET keywords = '[\"x\"]'",
    "DELETE FROM taxonomy_nodes",
    "UPDATE taxonomy_versions SET version = 'renamed'",
    "UPDATE taxonomy_versions SET tenant_id = 'someone'",
    "DELETE FROM taxonomy_versions",
    "UPDATE policy_versions SET document = '{\"min_score_deferir\": 1}'",
    "UPDATE policy_versions SET version = 'renamed'",
    "DELETE FROM policy_versions",
]


def _store(engine: Engine, tenant_id: str) -> None:
    uow_factory = SqlaUnitOfWorkFactory(session_factory(engine))
    with uow_factory() as uow:
        uow.taxonomies.add(tenant_id, TAXONOMY)
        uow.policies.add(tenant_id, POLICY)
        uow.commit()


def _execute(engine: Engine, statement: str, tenant_id: str) -> None:
    table = statement.split()[1] if statement.startswith("UPDATE") else statement.split()[2]
    scope = {
        "taxonomy_nodes": "taxonomy_version_id IN (SELECT id FROM taxonomy_versions WHERE tenant_id = :t)",
        "taxonomy_versions": "tenant_id = :t",
        "policy_versions": "tenant_id = :t",
    }[table]
    with engine.begin() as connection:
        connection.execute(text(f"{statement} WHERE {scope}"), {"t": tenant_id})


@pytest.fixture
def stored(engine: Engine, tenant_id: str) -> Iterator[str]:
    _store(engine, tenant_id)
    yield tenant_id


@pytest.mark.parametrize("statement", REFUSED)
def test_stored_version_content_cannot_be_changed_or_deleted(engine: Engine, stored: str, statement: str) -> None:
    with pytest.raises(DatabaseError, match="immutable"):
        _execute(engine, statement, stored)


def test_status_may_go_from_active_to_deprecated_only(engine: Engine, stored: str) -> None:
    _execute(engine, "UPDATE taxonomy_versions SET status = 'deprecated'", stored)
    _execute(engine, "UPDATE taxonomy_versions SET status = 'deprecated'", stored)  # unchanged: allowed
    with pytest.raises(DatabaseError, match="immutable"):
        _execute(engine, "UPDATE taxonomy_versions SET status = 'active'", stored)


@pytest.mark.postgres
def test_truncate_is_refused_on_postgresql(postgres_empty_url: str) -> None:
    upgrade_to_head(postgres_empty_url)
    engine = create_engine_for(postgres_empty_url)
    try:
        for table in ("policy_versions", "taxonomy_nodes", "taxonomy_versions CASCADE"):
            with pytest.raises(DatabaseError, match="immutable"), engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {table}"))
    finally:
        engine.dispose()


def test_downgrade_to_0001_lifts_the_protection_and_upgrade_restores_it(empty_db_url: str) -> None:
    upgrade_to_head(empty_db_url)
    engine = create_engine_for(empty_db_url)
    try:
        _store(engine, "t-stairway")
        _run(empty_db_url, lambda config: command.downgrade(config, "0001"))
        _execute(engine, "UPDATE taxonomy_nodes SET conceito = 'changed'", "t-stairway")
        upgrade_to_head(empty_db_url)
        with pytest.raises(DatabaseError, match="immutable"):
            _execute(engine, "UPDATE taxonomy_nodes SET conceito = 'again'", "t-stairway")
    finally:
        engine.dispose()
