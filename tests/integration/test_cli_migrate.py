"""`equivalence migrate` needs only the database: no API_KEY_PEPPER (migrations never touch a key)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.persistence.migrate import current_revision, head_revision
from entrypoints.cli import main
from entrypoints.eval_pairs import main as eval_pairs_main

SETTINGS_VARS = ("DATABASE_URL", "API_KEY_PEPPER", "EQV_VAR_DIR", "REDIS_URL", "EQV_BOOTSTRAP_API_KEY")


@pytest.fixture
def bare_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in SETTINGS_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_migrate_with_only_database_url(bare_env: pytest.MonkeyPatch, empty_db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    bare_env.setenv("DATABASE_URL", empty_db_url)
    assert main(["migrate"]) == 0
    assert current_revision(empty_db_url) == head_revision()
    assert f"revision {head_revision()} (head)" in capsys.readouterr().out


def test_migrate_embedded_creates_no_pepper(bare_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    var_dir = tmp_path / "state"
    bare_env.setenv("EQV_VAR_DIR", str(var_dir))
    assert main(["migrate"]) == 0
    assert (var_dir / "equivalence.db").is_file()
    assert not (var_dir / "api_key_pepper").exists()


def test_serving_commands_still_require_the_pepper_in_the_full_runtime(bare_env: pytest.MonkeyPatch, sqlite_url: str) -> None:
    bare_env.setenv("DATABASE_URL", sqlite_url)
    with pytest.raises(SystemExit) as exit_:
        main(["seed"])
    assert exit_.value.code == 2


def test_eval_pairs_names_a_missing_file_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = eval_pairs_main(["--pairs", str(tmp_path / "nope.jsonl"), "--ementas", str(tmp_path / "nada.jsonl")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "nope.jsonl" in err and "Traceback" not in err
