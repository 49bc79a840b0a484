"""`equivalence precedents …` as an operator runs it: import a table, a bad row, list, end a vigência, audit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.persistence.database import create_engine_for, session_factory
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from tests.support.e2e import cli, embedded_env
from tests.support.precedents import csv_table

pytestmark = pytest.mark.e2e


def test_precedent_table_from_the_cli(tmp_path: Path) -> None:
    env = embedded_env(tmp_path)
    assert cli(["migrate"], env, tmp_path).returncode == 0 and cli(["seed"], env, tmp_path).returncode == 0

    table = tmp_path / "tabela.csv"
    table.write_text(csv_table("UFPB,(A1 E A2) OU A3,,CALC,,binding,2026-01-01,,,", "UFPB,B1,x,CALC,,nunca,2026-01-01,,,"), encoding="utf-8")
    bad = cli(["precedents", "import", str(table)], env, tmp_path)
    assert bad.returncode == 2 and "linhas[3].tipo" in bad.stderr, bad.stderr
    table.write_text(csv_table("UFPB,(A1 E A2) OU A3,,CALC,,binding,2026-01-01,,,", "UFPB,B1,Limites.,CALC,,advisory,2026-01-01,,,"), encoding="utf-8")
    imported = cli(["precedents", "import", str(table)], env, tmp_path)
    assert imported.returncode == 0 and "3 precedentes importados" in imported.stdout, imported.stderr
    again = cli(["precedents", "import", str(table)], env, tmp_path)
    assert again.returncode == 1 and "já foi importado" in again.stderr and "Traceback" not in again.stderr, again.stderr

    listed = [json.loads(line) for line in cli(["precedents", "list", "--codigo", "b1"], env, tmp_path).stdout.splitlines()]
    assert [(p["tipo"], p["vigente"]) for p in listed] == [("advisory", True)]
    ended = cli(["precedents", "end", listed[0]["precedent_id"], "--motivo", "tabela revista"], env, tmp_path)
    assert ended.returncode == 0 and "vigência encerrada" in ended.stdout, ended.stderr
    assert cli(["precedents", "end", listed[0]["precedent_id"]], env, tmp_path).returncode == 2  # already ended
    assert cli(["precedents", "end", "pc_missing"], env, tmp_path).returncode == 2
    assert cli(["precedents", "list", "--vigentes", "--codigo", "b1"], env, tmp_path).stdout == ""

    engine = create_engine_for(f"sqlite:///{tmp_path / 'var' / 'equivalence.db'}")
    try:
        with SqlaUnitOfWorkFactory(session_factory(engine)).reading() as uow:
            events = [e.event_type for e in uow.audit.list_events("default", limit=100) if e.event_type.startswith("precedent.")]
    finally:
        engine.dispose()
    assert events == ["precedent.imported", "precedent.vigencia_ended"]
