"""`equivalence curriculum …` as an operator runs it: JSON, CSV and MEC XML files, lifecycle, audit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.persistence.database import create_engine_for, session_factory
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from tests.support.curriculum_documents import curriculo_xml
from tests.support.e2e import cli

pytestmark = pytest.mark.e2e


def test_curriculum_lifecycle_from_the_cli(tmp_path: Path, seeded_embedded_env: dict[str, str]) -> None:
    env = seeded_embedded_env

    document = tmp_path / "cc-2020.json"
    units = [{"codigo": "A1", "nome": "Algoritmos", "carga_horaria": 72, "unidade_carga": "hora_aula", "minutos_hora_aula": 50}]
    document.write_text(json.dumps({"version": "cc-2020", "units": units}))
    imported = cli(["curriculum", "import", str(document)], env, tmp_path)
    assert imported.returncode == 0 and "1 units, 60 clock hours" in imported.stdout, imported.stderr
    again = cli(["curriculum", "import", str(document)], env, tmp_path)
    assert again.returncode == 1 and "already exists" in again.stderr

    table = tmp_path / "cc-2024.csv"
    table.write_text("codigo,nome,carga_horaria\nB1,Banco de Dados,60\nB2,Redes,abc\n")
    bad = cli(["curriculum", "import", str(table)], env, tmp_path)
    assert bad.returncode == 2 and "units[1].carga_horaria" in bad.stderr and "CSV line 3" in bad.stderr
    table.write_text("codigo,nome,carga_horaria\nB1,Banco de Dados,60\nB2,Redes,60\n")
    assert cli(["curriculum", "import", str(table)], env, tmp_path).returncode == 0

    xml = tmp_path / "mec.xml"
    xml.write_bytes(curriculo_xml(signed=False))
    from_mec = cli(["curriculum", "import", str(xml)], env, tmp_path)
    assert from_mec.returncode == 0 and "signature absent" in from_mec.stdout, from_mec.stderr
    xml.write_bytes(curriculo_xml().replace(b"<Tipo>Disciplina</Tipo>", b"<Tipo>Oficina</Tipo>", 1))
    invalid = cli(["curriculum", "import", str(xml), "--version", "mec-2"], env, tmp_path)
    assert invalid.returncode == 2 and "UnidadeCurricular[1]/Tipo" in invalid.stderr and "line 23" in invalid.stderr

    assert cli(["curriculum", "activate", "cc-2024"], env, tmp_path).returncode == 0
    refused = cli(["curriculum", "deprecate", "cc-2024"], env, tmp_path)
    assert refused.returncode == 1 and "activate another version first" in refused.stderr
    assert cli(["curriculum", "deprecate", "cc-2020"], env, tmp_path).returncode == 0
    listed = cli(["curriculum", "list"], env, tmp_path).stdout.splitlines()
    assert [line.split("\t")[:2] for line in listed] == [
        ["  cc-2020", "deprecated"], ["* cc-2024", "active"], ["  CCO-2024.1", "active"],
    ]
    shown = json.loads(cli(["curriculum", "show", "CCO-2024.1"], env, tmp_path).stdout)
    assert shown["signature_present"] is False and shown["units"][1]["pre_requisitos"] == ["INE5401"]
    assert cli(["curriculum", "show", "nope"], env, tmp_path).returncode == 1

    engine = create_engine_for(f"sqlite:///{tmp_path / 'var' / 'equivalence.db'}")
    try:
        with SqlaUnitOfWorkFactory(session_factory(engine)).reading() as uow:
            events = [e for e in uow.audit.list_events("default", limit=100) if e.event_type.startswith("curriculum.")]
    finally:
        engine.dispose()
    assert [e.event_type for e in events] == [
        "curriculum.imported", "curriculum.imported", "curriculum.imported", "curriculum.activated", "curriculum.deprecated",
    ]
    assert all(e.payload["actor"] == {"cli": True} for e in events)
