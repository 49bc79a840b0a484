"""`equivalence eval-pairs`: the service's mapper chain, degraded counts, breakdowns, wrong decisions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.mappers.lexical_mapper import LexicalMapper
from adapters.mappers.local_embedder import LocalEmbedder
from entrypoints.eval_pairs import (
    breakdown,
    main,
    run_eval,
    service_chain_eval,
    summarize,
    wrong_automatic,
)
from tests.fakes import FailingMapper

CALCULO = "Limites e continuidade. Derivadas e regras de derivação. Integral definida e indefinida."
CALCULO_2 = "Limites. Continuidade. Derivadas. Aplicações da derivada. Integrais."
BANCO = "Modelo entidade-relacionamento. Modelo relacional. Linguagem SQL. Normalização. Transações."
LITERATURA = "Romantismo, realismo e modernismo na literatura brasileira."
EMENTAS = [
    {"id": "calc-a", "family": "calculo", "course_name": "Cálculo I", "hours": 60, "ementa": CALCULO},
    {"id": "calc-b", "family": "calculo", "course_name": "Cálculo A", "hours": None, "ementa": CALCULO_2},
    {"id": "bd-a", "family": "banco_de_dados", "course_name": "Banco de Dados", "hours": 60, "ementa": BANCO},
    {"id": "lit-a", "family": "literatura", "course_name": "Literatura Brasileira", "hours": 60, "ementa": LITERATURA},
]
PAIRS = [
    {"id": "p1", "origem_id": "calc-a", "destino_id": "calc-b", "label": "equivalent", "kind": "same_subject"},
    {"id": "p2", "origem_id": "bd-a", "destino_id": "calc-b", "label": "not_equivalent", "kind": "unrelated"},
    {"id": "p3", "origem_id": "lit-a", "destino_id": "bd-a", "label": "not_equivalent", "kind": "unrelated"},
    {"id": "p4", "origem_id": "calc-b", "destino_id": "calc-a", "label": "equivalent", "kind": "same_subject"},
]


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    pairs, ementas = tmp_path / "pairs.jsonl", tmp_path / "ementas.jsonl"
    pairs.write_text("".join(json.dumps(p) + "\n" for p in PAIRS), encoding="utf-8")
    ementas.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in EMENTAS), encoding="utf-8")
    return pairs, ementas


def row(pair_id: str, label: str, decision: str, family: str, kind: str) -> dict:
    return {"id": pair_id, "label": label, "decision": decision, "score": 50.0, "family": family, "kind": kind, "degraded": False}


ROWS = [
    row("a", "equivalent", "DEFERIDO", "calculo", "same"),
    row("b", "equivalent", "INDEFERIDO", "calculo", "same"),
    row("c", "not_equivalent", "DEFERIDO", "fisica", "adjacent"),
    row("d", "partial", "ANALISE_HUMANA", "fisica", "adjacent"),
    row("e", "not_equivalent", "INDEFERIDO", "fisica", "unrelated"),
]


def test_wrong_automatic_decisions_are_listed_with_pair_ids():
    wrong = wrong_automatic(ROWS)
    assert [(w["id"], w["decision"]) for w in wrong] == [("b", "INDEFERIDO"), ("c", "DEFERIDO")]
    assert wrong[1]["family"] == "fisica" and wrong[1]["label"] == "not_equivalent"


def test_breakdown_by_family_and_by_kind_has_counts_and_rates_per_group():
    families = breakdown(ROWS, "family")
    assert set(families) == {"calculo", "fisica"}
    assert families["calculo"]["n"] == 2 and families["calculo"]["auto_accept_recall"] == 0.5
    assert families["calculo"]["false_reject_rate"] == 0.5 and families["calculo"]["false_accept_rate"] is None
    assert families["fisica"]["false_accept_rate"] == round(1 / 3, 4)
    assert families["fisica"]["counts"]["partial"]["ANALISE_HUMANA"] == 1
    kinds = breakdown(ROWS, "kind")
    assert {k: v["n"] for k, v in kinds.items()} == {"adjacent": 2, "same": 2, "unrelated": 1}


def test_summary_keeps_the_report_keys():
    report = summarize(ROWS)
    for key in ("n", "counts", "by_kind", "false_accept_rate", "auto_accept_recall", "false_reject_rate", "review_rate", "auto_accuracy"):
        assert key in report
    assert report["n"] == 5 and report["review_rate"] == 0.2


def test_run_eval_with_an_injected_mapper_reports_versions_degraded_counts_and_groups(files):
    pairs, ementas = files
    report = run_eval(pairs, ementas, FailingMapper(), fallback=LexicalMapper(), by=("family", "kind"), progress=None)
    assert report["n"] == 4
    assert report["mapper_version"] == "failing-1"
    assert report["mapper_versions"]["primary"] == "failing-1"
    assert report["mapper_versions"]["fallback"] == LexicalMapper().version
    assert report["mapper_versions"]["ementas_mapped_by"] == {LexicalMapper().version: 4}
    assert report["degraded"] == {"ementas": 4, "pairs": 4}
    assert all(p["degraded"] for p in report["pairs"])
    assert set(report["by"]["family"]) == {"calculo", "banco_de_dados"}  # the destino's family
    assert report["by"]["family"]["calculo"]["n"] == 3
    assert set(report["by"]["kind"]) == {"same_subject", "unrelated"}
    assert all(p["decision"] == "ANALISE_HUMANA" for p in report["pairs"])  # degraded: a human decides
    assert report["wrong_automatic"] == []


def test_the_command_builds_the_service_chain_from_the_environment(files, capsys, monkeypatch, tmp_path):
    for name in ("EMBED_URL", "EMBED_LOCAL_MODEL", "LLM_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EQV_VAR_DIR", str(tmp_path / "var"))
    pairs, ementas = files
    assert main(["--pairs", str(pairs), "--ementas", str(ementas), "--by", "family", "--by", "kind"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["mapper_versions"]["primary"] == LexicalMapper().version
    assert report["degraded"] == {"ementas": 0, "pairs": 0}
    assert set(report["by"]) == {"family", "kind"}


@pytest.mark.skipif(not LocalEmbedder.available(), reason="optional extra [embeddings] not installed")
def test_with_the_in_process_model_it_measures_the_warmed_hybrid(files, tmp_path):
    pairs, ementas = files
    env = {"EMBED_LOCAL_MODEL": "use-multilingual-v3", "EQV_VAR_DIR": str(tmp_path / "var")}
    report = service_chain_eval(pairs, ementas, env=env)
    assert report["mapper_versions"]["primary"].startswith("hybrid-") and "use-multilingual-v3" in report["mapper_version"]
    assert report["mapper_versions"]["fallback"] == LexicalMapper().version
    assert report["mapper_versions"]["ementas_mapped_by"].get(report["mapper_version"], 0) >= 3  # warmed: not degraded
    assert list((tmp_path / "var" / "embeddings").glob("*.npy"))  # the concept vectors were stored
