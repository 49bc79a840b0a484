"""`equivalence tenants ...` and `equivalence keys ...` as an operator runs them, on both runtimes.

Each key printed is checked with Authenticate over the same database and pepper.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from adapters.persistence.database import create_engine_for, session_factory
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from core.domain.records import Principal
from core.usecases.auth import Authenticate
from tests.support.e2e import cli, embedded_env

pytestmark = pytest.mark.e2e
PG_PEPPER = "cli-admin-pepper-0123456789"


class Operator:
    """Runs the CLI in one environment and checks keys against the same database."""

    def __init__(self, env: dict[str, str], cwd: Path, database_url: str, pepper: Callable[[], bytes]) -> None:
        self.env, self.cwd, self.database_url, self.pepper = env, cwd, database_url, pepper

    def __call__(self, *args: str):  # type: ignore[no-untyped-def]
        return cli(list(args), self.env, self.cwd)

    def new_key(self, *args: str) -> str:
        """Run a command that prints a key; the key must be alone on the last stdout line."""
        done = self(*args)
        assert done.returncode == 0, done.stderr
        key = done.stdout.splitlines()[-1]
        assert key.startswith("eqv_live_") and key.strip() == key and " " not in key
        assert "shown once" in done.stderr and key not in done.stderr
        return key

    def principal(self, key: str) -> Principal | None:
        engine = create_engine_for(self.database_url)
        try:
            return Authenticate(SqlaUnitOfWorkFactory(session_factory(engine)), self.pepper())(key)
        finally:
            engine.dispose()


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[Operator]:
    env = embedded_env(tmp_path)
    operator = Operator(
        env, tmp_path, f"sqlite:///{tmp_path / 'var' / 'equivalence.db'}",
        lambda: (tmp_path / "var" / "api_key_pepper").read_bytes().strip(),
    )
    assert operator("migrate").returncode == 0
    yield operator


@pytest.fixture
def full(tmp_path: Path, pg_url: str) -> Iterator[Operator]:
    env = embedded_env(tmp_path) | {"DATABASE_URL": pg_url, "API_KEY_PEPPER": PG_PEPPER}
    operator = Operator(env, tmp_path, pg_url, PG_PEPPER.encode)
    assert operator("migrate").returncode == 0
    yield operator


def test_tenant_and_key_lifecycle_on_the_embedded_runtime(embedded: Operator) -> None:
    run = embedded
    created = run("tenants", "create", "uni-a", "--name", "Universidade A")
    assert created.returncode == 0 and "uni-a" in created.stdout

    key = run.new_key("keys", "create", "--tenant", "uni-a", "--role", "client", "--name", "portal")
    principal = run.principal(key)
    assert principal is not None and (principal.tenant_id, principal.role.value) == ("uni-a", "client")

    listed = json.loads(run("keys", "list", "--tenant", "uni-a", "--json").stdout)
    assert [(k["prefix"], k["role"], k["status"]) for k in listed] == [(key[:17], "client", "active")]
    assert listed[0]["last_used_at"] is not None  # the Authenticate above recorded it
    key_id = listed[0]["key_id"]

    new_key = run.new_key("keys", "rotate", key_id)
    assert run.principal(key) is None and run.principal(new_key) is not None
    new_id = json.loads(run("keys", "list", "--tenant", "uni-a", "--json").stdout)[-1]["key_id"]

    disabled = run("tenants", "disable", "uni-a")
    assert disabled.returncode == 0 and run.principal(new_key) is None
    assert run("tenants", "enable", "uni-a").returncode == 0 and run.principal(new_key) is not None

    def overrides_allowed() -> bool:
        [tenant] = [t for t in json.loads(run("tenants", "list", "--json").stdout) if t["tenant_id"] == "uni-a"]
        return bool(tenant["allow_policy_overrides"])

    assert overrides_allowed() is False  # the default: client keys' policy overrides are refused
    assert run("tenants", "allow-overrides", "uni-a").returncode == 0 and overrides_allowed() is True
    assert run("tenants", "forbid-overrides", "uni-a").returncode == 0 and overrides_allowed() is False

    revoked = run("keys", "revoke", new_id)
    assert revoked.returncode == 0 and run.principal(new_key) is None
    table = run("keys", "list", "--tenant", "uni-a").stdout
    assert table.count("revoked") == 2 and key not in table and new_key not in table


def test_clear_errors_on_the_embedded_runtime(embedded: Operator) -> None:
    run = embedded
    assert run("tenants", "create", "uni-b", "--name", "B").returncode == 0
    for args, code, message in (
        (("tenants", "create", "uni-b", "--name", "again"), 1, "already exists"),
        (("tenants", "create", "_reserved", "--name", "x"), 2, "invalid tenant id"),
        (("tenants", "disable", "ghost"), 1, "tenant 'ghost' not found"),
        (("tenants", "allow-overrides", "ghost"), 1, "tenant 'ghost' not found"),
        (("keys", "create", "--tenant", "ghost", "--role", "client", "--name", "x"), 1, "tenant 'ghost' not found"),
        (("keys", "create", "--tenant", "uni-b", "--role", "root", "--name", "x"), 2, "invalid choice: 'root'"),
        (("keys", "list", "--tenant", "ghost"), 1, "not found"),
        (("keys", "rotate", "no-such-key"), 1, "API key 'no-such-key' not found"),
        (("keys", "revoke", "no-such-key"), 1, "API key 'no-such-key' not found"),
    ):
        done = run(*args)
        assert (done.returncode, message in done.stderr) == (code, True), (args, done.stderr)
        assert "Traceback" not in done.stderr and "eqv_live_" not in done.stdout


def test_keys_on_the_full_runtime(full: Operator) -> None:
    run = full
    assert run("tenants", "create", "uni-pg", "--name", "PG").returncode == 0
    key = run.new_key("keys", "create", "--tenant", "uni-pg", "--role", "auditor", "--name", "auditoria")
    assert run.principal(key) is not None
    key_id = json.loads(run("keys", "list", "--tenant", "uni-pg", "--json").stdout)[0]["key_id"]
    new_key = run.new_key("keys", "rotate", key_id)
    assert run.principal(key) is None and run.principal(new_key) is not None
    assert run("keys", "rotate", key_id).returncode == 1
    tenants = json.loads(run("tenants", "list", "--json").stdout)
    assert [t["tenant_id"] for t in tenants] == ["uni-pg"]


def test_review_role_keys_from_the_command_line(embedded: Operator) -> None:
    run = embedded
    assert run("tenants", "create", "uni-r", "--name", "Universidade R").returncode == 0
    for role in ("reviewer", "coordinator"):
        key = run.new_key("keys", "create", "--tenant", "uni-r", "--role", role, "--name", f"{role} 1")
        principal = run.principal(key)
        assert principal is not None and principal.role.value == role


def test_review_reason_codes_from_the_command_line(embedded: Operator) -> None:
    run = embedded
    assert run("tenants", "create", "uni-m", "--name", "Universidade M").returncode == 0
    shown = run("reviews", "reasons", "show", "--tenant", "uni-m")
    assert shown.returncode == 0 and json.loads(shown.stdout)["default"] is True
    done = run("reviews", "reasons", "set", "--tenant", "uni-m", "ementa_divergente", "outro")
    assert done.returncode == 0 and "2 reason codes" in done.stdout, done.stderr
    assert json.loads(run("reviews", "reasons", "show", "--tenant", "uni-m").stdout)["codes"] == ["ementa_divergente", "outro"]
    repeated = run("reviews", "reasons", "set", "--tenant", "uni-m", "outro", "outro")
    assert repeated.returncode == 2 and "repetidos" in repeated.stderr
    assert run("reviews", "reasons", "set", "--tenant", "nobody", "outro").returncode == 1
