"""The Alembic revisions: up, down and up again on both databases, in step with the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from adapters.persistence.database import create_engine_for
from adapters.persistence.migrate import (
    current_revision,
    downgrade_to_base,
    head_revision,
    schema_is_current,
    upgrade_to_head,
)
from adapters.persistence.sqla_models import Base

TABLES = {
    "tenants",
    "api_keys",
    "taxonomy_versions",
    "taxonomy_nodes",
    "policy_versions",
    "course_bindings",
    "evaluation_results",
    "audit_events",
    "audit_chain_heads",
    "jobs",
    "job_items",
}


def _tables(url: str) -> set[str]:
    engine = create_engine_for(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _model_differences(url: str) -> list[object]:
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_empty_to_head_to_base_to_head(empty_db_url: str) -> None:
    assert current_revision(empty_db_url) is None
    assert not schema_is_current(empty_db_url)

    upgrade_to_head(empty_db_url)
    assert current_revision(empty_db_url) == head_revision()
    assert schema_is_current(empty_db_url)
    assert _tables(empty_db_url) == TABLES

    downgrade_to_base(empty_db_url)
    assert current_revision(empty_db_url) is None
    assert not schema_is_current(empty_db_url)
    assert _tables(empty_db_url) == set()

    upgrade_to_head(empty_db_url)
    assert schema_is_current(empty_db_url)
    assert _tables(empty_db_url) == TABLES


def test_upgrade_is_idempotent(empty_db_url: str) -> None:
    upgrade_to_head(empty_db_url)
    upgrade_to_head(empty_db_url)
    assert schema_is_current(empty_db_url)


def test_migration_matches_the_models(db_url: str) -> None:
    assert _model_differences(db_url) == []


def test_revisions_are_found_from_any_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert head_revision() == "0002"
