"""`equivalence case evaluate --transcript historico.xml --ementas ementas.json`: a MEC Histórico from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.case_world import realistic
from tests.support.e2e import cli, embedded_env
from tests.support.historico_documents import realistic_historico

pytestmark = pytest.mark.e2e


def test_a_mec_historico_with_its_ementas_is_decided(tmp_path: Path) -> None:
    env = embedded_env(tmp_path)
    assert cli(["migrate"], env, tmp_path).returncode == 0
    assert cli(["seed"], env, tmp_path).returncode == 0
    data = realistic()
    curriculum = tmp_path / "curriculo.json"
    curriculum.write_text(json.dumps(data["curriculo"]), encoding="utf-8")
    assert cli(["curriculum", "import", str(curriculum)], env, tmp_path).returncode == 0
    xml, ementas = realistic_historico()
    transcript, ementas_file = tmp_path / "historico.xml", tmp_path / "ementas.json"
    transcript.write_text(xml, encoding="utf-8")
    ementas_file.write_text(json.dumps(ementas), encoding="utf-8")
    version = data["curriculo"]["version"]
    args = ["case", "evaluate", "--curriculum", version, "--transcript", str(transcript), "--ementas", str(ementas_file)]

    table = cli([*args, "--minutos-hora-aula", "50"], env, tmp_path)
    assert table.returncode == 0, table.stderr
    assert "assinatura ausente" in table.stdout and "9 disciplinas" in table.stdout
    assert "DEFERIDO" in table.stdout and "BD1-UNIPAR" in table.stdout

    as_json = cli([*args, "--minutos-hora-aula", "50", "--format", "json"], env, tmp_path)
    assert json.loads(as_json.stdout)["historico_documento"]["assinatura_presente"] is False

    no_minutes = cli(args, env, tmp_path)
    assert no_minutes.returncode == 2 and "historico_minutos_hora_aula" in no_minutes.stderr and "line " in no_minutes.stderr

    broken = tmp_path / "broken.xml"
    broken.write_text(xml.replace("<PeriodoLetivo>2022/2</PeriodoLetivo>", ""), encoding="utf-8")
    refused = cli(["case", "evaluate", "--curriculum", version, "--transcript", str(broken), "--minutos-hora-aula", "50"], env, tmp_path)
    assert refused.returncode == 2 and "Disciplina[2]" in refused.stderr and "Traceback" not in refused.stderr

    bad_ementas = tmp_path / "bad.json"
    bad_ementas.write_text("{not json", encoding="utf-8")
    refused = cli([*args[:-1], str(bad_ementas), "--minutos-hora-aula", "50"], env, tmp_path)
    assert refused.returncode == 2 and "bad.json: not JSON" in refused.stderr
