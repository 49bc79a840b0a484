"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import Engine, text

from tests.support.browser import chromium
from tests.support.e2e import base_env, cli, embedded_env, run_cli

PEPPER = "e2e-pepper-0123456789abcdef"


@pytest.fixture(scope="session")
def seeded_pg_template(
    tmp_path_factory: pytest.TempPathFactory, pg_database_factory: Callable[[], str], redis_url: str
) -> str:
    """The name of a PostgreSQL database that `equivalence migrate` and `seed` prepared once per
    session (with PEPPER): each full_env database is a copy of it. Two CLI processes per test cost
    tens of seconds on a busy machine; CREATE DATABASE … TEMPLATE costs a fraction of one."""
    url, cwd = pg_database_factory(), tmp_path_factory.mktemp("pg-template")
    env = base_env(cwd) | {"DATABASE_URL": url, "REDIS_URL": redis_url, "API_KEY_PEPPER": PEPPER}
    for command in (["migrate"], ["seed"]):
        done = run_cli(command, env, cwd)
        assert done.returncode == 0, done.stderr
    return url.rsplit("/", 1)[1]


@pytest.fixture(scope="session")
def seeded_var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedded var dir (SQLite database and pepper) that `equivalence migrate` and `seed`
    prepared once per session; seeded_embedded_env copies it."""
    cwd = tmp_path_factory.mktemp("var-template")
    env = embedded_env(cwd)
    for command in (["migrate"], ["seed"]):
        done = cli(command, env, cwd)
        assert done.returncode == 0, done.stderr
    return cwd / "var"


@pytest.fixture
def seeded_embedded_env(tmp_path: Path, seeded_var_dir: Path) -> dict[str, str]:
    """embedded_env(tmp_path) over a copy of seeded_var_dir: for a test whose subject is not
    migrate or seed (those have their own tests in test_cli.py)."""
    shutil.copytree(seeded_var_dir, tmp_path / "var")
    return embedded_env(tmp_path)


def copy_of_template(pg_admin: Engine, template: str, url: str) -> None:
    """Make the (empty, unused) database at url a copy of template, under the same name, so a test
    that takes both pg_url and full_env sees one database."""
    name = url.rsplit("/", 1)[1]
    with pg_admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))


@pytest.fixture
def full_env(
    tmp_path: Path, pg_url: str, redis_url: str, pg_admin: Engine, seeded_pg_template: str
) -> Iterator[dict[str, str]]:
    """A migrated, seeded PostgreSQL database (a copy of seeded_pg_template) and a Redis namespace
    of this test's own."""
    copy_of_template(pg_admin, seeded_pg_template, pg_url)
    namespace = f"eqv-test-{uuid.uuid4().hex[:12]}"
    env = base_env(tmp_path) | {
        "DATABASE_URL": pg_url,
        "REDIS_URL": redis_url,
        "API_KEY_PEPPER": PEPPER,
        "EQV_QUEUE_NAMESPACE": namespace,
        "EQV_JOB_STALE_AFTER_S": "3",
        "EQV_RECONCILE_INTERVAL_S": "1",
        "EQV_JOB_MAX_RETRIES": "2",
        "EQV_JOB_MIN_BACKOFF_MS": "100",
        "EQV_JOB_MAX_BACKOFF_MS": "300",
    }
    yield env
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{namespace}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (tests/support/browser.py), one per browser test module."""
    with chromium() as launched:
        yield launched
