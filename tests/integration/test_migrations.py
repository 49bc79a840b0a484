"""The Alembic revisions: up, down and up again on both databases, in step with the models.

The stairway walks every revision in turn (up one, down one, up again), so each downgrade is
exercised against the schema its own upgrade made; the `alembic` command itself runs
empty → head → base → head, as an operator would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from adapters.persistence.database import create_engine_for
from adapters.persistence.migrate import (
    alembic_config,
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
    "curriculum_versions",
    "curriculum_units",
    "curriculum_defaults",
    "review_items",
    "webhook_endpoints",
    "webhook_events",
    "webhook_deliveries",
    "webhook_attempts",
    "precedents",  # 0006 (ADR 0024)
    "precedent_origins",
    "precedent_pairs",
    "precedent_imports",  # 0015: a file is imported once per tenant
    "cases",
    "audit_pending",
    "review_reason_codes",
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
    assert head_revision() == "0016"


ROOT = Path(__file__).resolve().parents[2]


def _revisions_oldest_first() -> list[tuple[str, str]]:
    """(revision, down_revision or "base") for every revision, oldest first (a single line of history)."""
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1, "the migration history must have exactly one head"
    return [(rev.revision, str(rev.down_revision or "base")) for rev in reversed(list(script.walk_revisions()))]


def _alembic(url: str, operation: str, target: str) -> None:
    """One `alembic upgrade|downgrade TARGET` in a transaction of its own."""
    engine = create_engine_for(url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            getattr(command, operation)(config, target)
    finally:
        engine.dispose()


def test_stairway_every_revision_up_down_up(empty_db_url: str) -> None:
    revisions = _revisions_oldest_first()
    assert revisions[0][1] == "base" and revisions[-1][0] == head_revision()
    for revision, previous in revisions:
        _alembic(empty_db_url, "upgrade", revision)
        assert current_revision(empty_db_url) == revision
        _alembic(empty_db_url, "downgrade", previous)
        assert current_revision(empty_db_url) == (None if previous == "base" else previous)
        _alembic(empty_db_url, "upgrade", revision)
        assert current_revision(empty_db_url) == revision
    assert schema_is_current(empty_db_url) and _tables(empty_db_url) == TABLES
    assert _model_differences(empty_db_url) == []


def test_the_alembic_command_runs_empty_head_base_head(empty_db_url: str, tmp_path: Path) -> None:
    """What the runbook tells an operator to run (`alembic upgrade head`), from the repository root."""
    env = {**os.environ, "DATABASE_URL": empty_db_url, "PYTHONPATH": str(ROOT)}
    for step in (["upgrade", "head"], ["downgrade", "base"], ["upgrade", "head"]):
        done = subprocess.run(
            [sys.executable, "-m", "alembic", *step], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        expected = None if step[1] == "base" else head_revision()
        assert current_revision(empty_db_url) == expected, step
    assert _tables(empty_db_url) == TABLES


@pytest.mark.postgres
def test_concurrent_migrations_on_postgresql_serialize(postgres_empty_url: str, tmp_path: Path) -> None:
    """Every host's `equivalence migrate` starting at once: one migrates, the others wait and find head."""
    env = {**os.environ, "DATABASE_URL": postgres_empty_url, "PYTHONPATH": str(ROOT)}
    env["API_KEY_PEPPER"] = "migrate-race-pepper-0123456789"
    command = [sys.executable, "-m", "entrypoints.cli", "migrate"]
    running = [
        subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outcomes = [(process.wait(timeout=120), process.stderr.read() if process.stderr else "") for process in running]
    assert [code for code, _ in outcomes] == [0, 0, 0], outcomes
    assert schema_is_current(postgres_empty_url) and _tables(postgres_empty_url) == TABLES
