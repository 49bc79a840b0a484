"""Real databases for the integration tests: migrated PostgreSQL (see tests/conftest.py) and SQLite."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from adapters.persistence.database import create_engine_for, session_factory
from adapters.persistence.migrate import upgrade_to_head
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def postgres_url(pg_database_factory: Callable[[], str]) -> str:
    """One migrated PostgreSQL database for the whole session (tests isolate by tenant_id)."""
    url = pg_database_factory()
    upgrade_to_head(url)
    return url


@pytest.fixture
def postgres_empty_url(pg_database_factory: Callable[[], str]) -> str:
    return pg_database_factory()


@pytest.fixture
def sqlite_empty_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'var' / 'equivalence.db'}"


@pytest.fixture
def sqlite_url(sqlite_empty_url: str) -> str:
    upgrade_to_head(sqlite_empty_url)
    return sqlite_empty_url


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest) -> str:
    """A migrated database of each backend."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture(params=BACKENDS)
def empty_db_url(request: pytest.FixtureRequest) -> str:
    """An empty database of each backend (no tables, not even alembic_version)."""
    return request.getfixturevalue(f"{request.param}_empty_url")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_engine_for(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def uow_factory(engine: Engine) -> SqlaUnitOfWorkFactory:
    return SqlaUnitOfWorkFactory(session_factory(engine))


@pytest.fixture
def tenant_id() -> str:
    """A tenant of its own per test, so tests sharing the session database never meet."""
    return f"t-{uuid.uuid4().hex[:12]}"
