"""Shared test helpers: services are real; with CI=true a missing one fails instead of skipping."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import NoReturn

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine, create_engine, text

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_SERVER = os.environ.get("EQV_TEST_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
REDIS_SERVER = os.environ.get("EQV_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

# Hypothesis' defaults time each example (200 ms) and each data draw: on a busy CI machine a
# property that takes 50 ms alone takes 350 ms and fails for the machine's speed, not the code's.
# A property is judged on what it finds, never on how fast the machine ran it.
settings.register_profile("eqv", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("eqv")


def service_missing(reason: str) -> NoReturn:
    """Skip on a developer machine without the service; fail in CI, where skipping would hide it."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required services must be running)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    engine = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no PostgreSQL here"
        engine.dispose()
        service_missing(f"PostgreSQL at {PG_SERVER} is unreachable: {exc.__class__.__name__}: {exc}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def pg_database_factory(pg_admin: Engine) -> Iterator[Callable[[], str]]:
    """Creates empty databases named eqv_test_<hex>; drops them all at the end of the session."""
    created: list[str] = []

    def create() -> str:
        name = f"eqv_test_{uuid.uuid4().hex[:16]}"
        with pg_admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return f"{PG_SERVER}/{name}"

    yield create
    with pg_admin.connect() as connection:
        for name in created:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def pg_url(pg_database_factory: Callable[[], str]) -> str:
    """A new, empty PostgreSQL database of this test's own."""
    return pg_database_factory()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The local Redis; tests isolate themselves with key prefixes of their own."""
    import redis

    client = redis.Redis.from_url(REDIS_SERVER, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        service_missing(f"Redis at {REDIS_SERVER} is unreachable: {exc.__class__.__name__}: {exc}")
    finally:
        client.close()
    return REDIS_SERVER
