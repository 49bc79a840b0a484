"""The CLI as an operator runs it: migrate, seed (key printed once), alembic, bad configuration."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.persistence.database import create_engine_for, session_factory
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from core.usecases.auth import Authenticate
from tests.support.e2e import ROOT, cli, embedded_env

pytestmark = pytest.mark.e2e


def test_seed_prints_a_working_admin_key_once(tmp_path: Path) -> None:
    env = embedded_env(tmp_path)
    assert cli(["migrate"], env, tmp_path).returncode == 0
    first = cli(["seed"], env, tmp_path)
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip().splitlines()[-1]
    assert key.startswith("eqv_live_") and "shown once" in first.stderr
    second = cli(["seed"], env, tmp_path)
    assert second.returncode == 0 and key not in second.stdout and "eqv_live_" not in second.stdout
    pepper = (tmp_path / "var" / "api_key_pepper").read_bytes().strip()
    engine = create_engine_for(f"sqlite:///{tmp_path / 'var' / 'equivalence.db'}")
    try:
        principal = Authenticate(SqlaUnitOfWorkFactory(session_factory(engine)), pepper)(key)
    finally:
        engine.dispose()
    assert principal is not None and principal.role.value == "admin" and principal.tenant_id == "default"


def test_bootstrap_key_is_used_and_never_printed(tmp_path: Path) -> None:
    env = embedded_env(tmp_path) | {"EQV_BOOTSTRAP_API_KEY": "eqv_live_chosen-by-the-operator-000000"}
    assert cli(["migrate"], env, tmp_path).returncode == 0
    seeded = cli(["seed"], env, tmp_path)
    assert seeded.returncode == 0 and "eqv_live_" not in seeded.stdout + seeded.stderr


def test_alembic_upgrade_head_from_the_repository(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'alembic.db'}"
    env = embedded_env(tmp_path) | {"DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "alembic.db").exists()


def test_alembic_without_database_url_uses_the_embedded_database_under_eqv_var_dir(tmp_path: Path) -> None:
    """Not ./var relative to wherever the operator stands (alembic.ini's old default)."""
    env, elsewhere = embedded_env(tmp_path), tmp_path / "elsewhere"
    env.pop("DATABASE_URL", None)
    elsewhere.mkdir()
    for command in (["upgrade", "head"], ["current"]):
        done = subprocess.run(
            [sys.executable, "-m", "alembic", "-c", str(ROOT / "alembic.ini"), *command],
            env=env, cwd=elsewhere, capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, done.stderr
    assert "(head)" in done.stdout
    assert not (elsewhere / "var").exists()
    seeded = cli(["seed"], env, tmp_path)  # the service's database is the one alembic migrated
    assert seeded.returncode == 0, seeded.stderr


def test_full_runtime_without_pepper_is_a_clear_configuration_error(tmp_path: Path) -> None:
    """`seed` stores key hashes, so it needs the pepper (`migrate` does not: only DATABASE_URL)."""
    env = embedded_env(tmp_path) | {"DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/whatever"}
    result = cli(["seed"], env, tmp_path)
    assert result.returncode == 2 and "API_KEY_PEPPER" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_port_is_a_clear_configuration_error(tmp_path: Path) -> None:
    result = cli(["serve"], embedded_env(tmp_path) | {"PORT": "eighty"}, tmp_path)
    assert result.returncode == 2 and "PORT" in result.stderr and "Traceback" not in result.stderr


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    env = embedded_env(tmp_path) | {
        "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none",
        "API_KEY_PEPPER": "cli-test-pepper-0123456789",
    }
    result = cli(["migrate"], env, tmp_path)
    assert result.returncode == 1 and "database is unreachable" in result.stderr
    assert "Traceback" not in result.stderr


def test_taxonomy_export_import_activate_and_list(tmp_path: Path, seeded_embedded_env: dict[str, str]) -> None:
    env = seeded_embedded_env
    listed = cli(["taxonomy", "list"], env, tmp_path)
    default_version = listed.stdout.split()[-1]
    assert listed.stdout.startswith("* ")
    exported = tmp_path / "exported.json"
    assert cli(["taxonomy", "export", default_version, "-o", str(exported)], env, tmp_path).returncode == 0
    document = json.loads(exported.read_text())
    document["version"] = "custom-1"
    custom = tmp_path / "custom.json"
    custom.write_text(json.dumps(document))
    imported = cli(["taxonomy", "import", str(custom), "--activate", "default"], env, tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert cli(["taxonomy", "list"], env, tmp_path).stdout.splitlines() == [f"  {default_version}", "* custom-1"]
    again = cli(["taxonomy", "import", str(custom)], env, tmp_path)
    assert again.returncode == 1 and "already exists" in again.stderr
    custom.write_text('{"version": "broken", "nodes": [{}]}')
    broken = cli(["taxonomy", "import", str(custom)], env, tmp_path)
    assert broken.returncode == 2 and "not a valid taxonomy" in broken.stderr
    missing = cli(["taxonomy", "export", "no-such-version"], env, tmp_path)
    assert missing.returncode == 1 and "not found" in missing.stderr
