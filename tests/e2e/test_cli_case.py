"""`equivalence case evaluate` as an operator runs it: a stored curriculum, a transcript file, the table."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.support.case_world import realistic
from tests.support.e2e import cli, embedded_env

pytestmark = pytest.mark.e2e


def test_a_transcript_file_is_decided_against_a_stored_curriculum(tmp_path: Path) -> None:
    env = embedded_env(tmp_path)
    assert cli(["migrate"], env, tmp_path).returncode == 0
    assert cli(["seed"], env, tmp_path).returncode == 0
    data = realistic()
    curriculum = tmp_path / "curriculo.json"
    curriculum.write_text(json.dumps(data["curriculo"]), encoding="utf-8")
    imported = cli(["curriculum", "import", str(curriculum)], env, tmp_path)
    assert imported.returncode == 0, imported.stderr
    transcript = tmp_path / "historico.json"
    transcript.write_text(json.dumps({"historico": data["transcript"], "politica": {"validade_anos": 15, "limiar_carga": 0.9}}), encoding="utf-8")
    version = data["curriculo"]["version"]

    table = cli(["case", "evaluate", "--curriculum", version, "--transcript", str(transcript)], env, tmp_path)
    assert table.returncode == 0, table.stderr
    assert "DEFERIDO" in table.stdout and "BD1-UNIPAR" in table.stdout
    assert "REDES-UNIRIO" in table.stdout and "não aprovada" in table.stdout

    as_csv = cli(["case", "evaluate", "--curriculum", version, "--transcript", str(transcript), "--format", "csv"], env, tmp_path)
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["codigo"] for r in rows if r["tipo_linha"] == "destino"] == [u["codigo"] for u in data["curriculo"]["units"]]

    courses_only = tmp_path / "lista.json"
    courses_only.write_text(json.dumps(data["transcript"]), encoding="utf-8")
    as_json = cli(["case", "evaluate", "--curriculum", version, "--transcript", str(courses_only), "--format", "json"], env, tmp_path)
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["curriculo"]["versao"] == version

    case_id = json.loads(as_json.stdout)["case_id"]
    pdf = tmp_path / "parecer.pdf"
    written = cli(["case", "parecer", case_id, "--out", str(pdf)], env, tmp_path)
    assert written.returncode == 0, written.stderr
    assert pdf.read_bytes().startswith(b"%PDF-")
    page = tmp_path / "parecer.html"
    assert cli(["case", "parecer", case_id, "--format", "html", "--out", str(page)], env, tmp_path).returncode == 0
    assert "Quadro de dispensas" in page.read_text(encoding="utf-8")
    missing = cli(["case", "parecer", "no-such-case", "--out", str(page)], env, tmp_path)
    assert missing.returncode == 1 and "no decided case" in missing.stderr


def test_bad_files_and_versions_are_clear_errors(tmp_path: Path) -> None:
    env = embedded_env(tmp_path)
    assert cli(["migrate"], env, tmp_path).returncode == 0
    assert cli(["seed"], env, tmp_path).returncode == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"codigo": "A", "nome": "X", "carga_horaria": "60", "typo": 1}]), encoding="utf-8")
    refused = cli(["case", "evaluate", "--curriculum", "v1", "--transcript", str(bad)], env, tmp_path)
    assert refused.returncode == 2 and "historico[0].carga_horaria" in refused.stderr and "historico[0].typo" in refused.stderr
    good = tmp_path / "good.json"
    good.write_text(json.dumps(realistic()["transcript"][:1]), encoding="utf-8")
    missing = cli(["case", "evaluate", "--curriculum", "no-such-version", "--transcript", str(good)], env, tmp_path)
    assert missing.returncode == 1 and "no-such-version" in missing.stderr and "Traceback" not in missing.stderr
