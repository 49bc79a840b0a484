"""The manual's incident 4: web and worker refuse to start on a schema that is not at head.

Behind (an empty database, or an older revision when there is one): the message says to back
up and run `equivalence migrate`. Ahead (a revision this release does not know, e.g. after a
code rollback): the message says so, and `equivalence migrate` fails cleanly instead of
guessing. Nothing here leaves a traceback to the operator.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from adapters.persistence.migrate import head_revision
from tests.support.e2e import base_env, free_port, run_cli

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


def start(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """A process that must refuse to start: it exits by itself, well before the timeout."""
    return subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", *command], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def env(tmp_path: Path, pg_url: str, redis_url: str) -> dict[str, str]:
    return base_env(tmp_path) | {
        "DATABASE_URL": pg_url,
        "REDIS_URL": redis_url,
        "API_KEY_PEPPER": "schema-guard-pepper-0123456789",
        "EQV_QUEUE_NAMESPACE": "eqv-test-schema-guard",
    }


SERVE_AND_WORKER = [["serve", "--port", "PORT"], ["worker", "--threads", "1"]]


def _argv(command: list[str]) -> list[str]:
    return [str(free_port()) if part == "PORT" else part for part in command]


@pytest.mark.parametrize("command", SERVE_AND_WORKER, ids=["serve", "worker"])
def test_behind_head_they_refuse_and_say_to_migrate(command: list[str], env: dict[str, str], tmp_path: Path) -> None:
    refused = start(_argv(command), env, tmp_path)
    assert refused.returncode == 1
    assert "none (empty database)" in refused.stderr and head_revision() in refused.stderr
    assert "Back up the database" in refused.stderr and "equivalence migrate" in refused.stderr
    assert "Traceback" not in refused.stderr


@pytest.mark.parametrize("command", SERVE_AND_WORKER, ids=["serve", "worker"])
def test_ahead_of_this_release_they_refuse_and_migrate_fails_cleanly(
    command: list[str], env: dict[str, str], tmp_path: Path, pg_url: str
) -> None:
    assert run_cli(["migrate"], env, tmp_path).returncode == 0
    with psycopg.connect(pg_url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")

    refused = start(_argv(command), env, tmp_path)
    assert refused.returncode == 1
    assert "9999_from_the_future" in refused.stderr and "newer release" in refused.stderr
    assert "Traceback" not in refused.stderr

    migrate = run_cli(["migrate"], env, tmp_path)
    assert migrate.returncode == 1 and "migration failed, the schema is unchanged" in migrate.stderr
    assert "Traceback" not in migrate.stderr


DATABASE_COMMANDS = [
    ["seed"],
    ["audit", "verify"],
    ["audit", "list", "--tenant", "default"],
    ["queue", "info"],
    ["queue", "reconcile"],
    ["taxonomy", "list"],
    ["policy", "list"],
    ["bindings", "list"],
    ["curriculum", "list"],
    ["precedents", "list"],
    ["case", "parecer", "c-1", "--out", "parecer.pdf"],
    ["keys", "list", "--tenant", "default"],
]


@pytest.mark.parametrize("command", DATABASE_COMMANDS, ids=" ".join)
def test_cli_commands_on_an_empty_database_say_to_migrate(command: list[str], env: dict[str, str], tmp_path: Path) -> None:
    refused = run_cli(command, env, tmp_path)
    assert refused.returncode == 1, refused.stderr
    assert refused.stderr.count("\n") == 1 and refused.stderr.startswith("error: ")
    assert "none (empty database)" in refused.stderr and "equivalence migrate" in refused.stderr


@pytest.mark.parametrize("command", [["seed"], ["audit", "verify"], ["queue", "info"]], ids=" ".join)
def test_cli_commands_on_a_newer_schema_say_so_not_to_migrate(
    command: list[str], env: dict[str, str], tmp_path: Path, pg_url: str
) -> None:
    assert run_cli(["migrate"], env, tmp_path).returncode == 0
    with psycopg.connect(pg_url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")

    refused = run_cli(command, env, tmp_path)
    assert refused.returncode == 1, refused.stderr
    assert refused.stderr.count("\n") == 1 and "0099" in refused.stderr and "newer release" in refused.stderr
    assert "equivalence migrate" not in refused.stderr
