"""A malformed DATABASE_URL or REDIS_URL stops every command with one named line and exit 2.

They used to reach SQLAlchemy or redis-py and print a traceback (ArgumentError, a missing MySQLdb,
ValueError). No database is needed: the check runs before anything connects.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.e2e import base_env, run_cli

pytestmark = pytest.mark.e2e
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/eqv_never_created"


@pytest.mark.parametrize(
    ("command", "variables", "named"),
    [
        (["migrate"], {"DATABASE_URL": "garbage"}, "DATABASE_URL"),
        (["serve", "--port", "1"], {"DATABASE_URL": "mysql://x@y/z"}, "DATABASE_URL"),
        (["queue", "info"], {"DATABASE_URL": PG, "REDIS_URL": "garbage"}, "REDIS_URL"),
    ],
    ids=["migrate", "serve", "queue info"],
)
def test_a_malformed_url_is_one_line_and_exit_2(
    command: list[str], variables: dict[str, str], named: str, tmp_path: Path
) -> None:
    env = base_env(tmp_path) | {"API_KEY_PEPPER": "config-errors-pepper-0123456789"} | variables
    done = run_cli(command, env, tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: {named}: ") and done.stderr.count("\n") == 1
