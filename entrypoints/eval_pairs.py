"""`equivalence eval-pairs`: decide every labeled pair and report decision quality (SPEC §8).

Each pair is evaluated with equal workloads (the destino's hours, or 60 when unknown, on
both sides), the default policy and the offline lexical mapper on the default taxonomy,
unless others are given. Prints a JSON report; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from core.domain.mapping import map_ementa
from core.domain.model import Course, Decision, MappingOutcome, Policy, Taxonomy
from core.domain.pipeline import evaluate
from core.ports.concept_mapper import ConceptMapper

DEFAULT_HOURS = 60
LABELS = ("equivalent", "partial", "not_equivalent")
DECISIONS = tuple(d.value for d in Decision)


def _read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _course(ementa: dict[str, Any], hours: int) -> Course:
    return Course(
        nome=ementa.get("course_name") or ementa["id"],
        carga_horaria=hours,
        ementa=ementa["ementa"],
        instituicao=ementa.get("institution"),
    )


def run_eval(
    pairs_path: str | Path,
    ementas_path: str | Path,
    mapper: ConceptMapper | None = None,
    taxonomy: Taxonomy | None = None,
    policy: Policy | None = None,
    progress: TextIO | None = sys.stderr,
) -> dict[str, Any]:
    """Evaluate every pair of ``pairs_path`` and return the SPEC §8 report."""
    if mapper is None:
        from adapters.mappers.lexical_mapper import LexicalMapper

        mapper = LexicalMapper()
    if taxonomy is None:
        from adapters.mappers.taxonomy_json import load_default_taxonomy

        taxonomy = load_default_taxonomy()
    policy = policy or Policy()
    ementas = {e["id"]: e for e in _read_jsonl(ementas_path)}
    pairs = _read_jsonl(pairs_path)
    mappings: dict[str, MappingOutcome] = {}

    def mapped(ementa_id: str) -> MappingOutcome:
        if ementa_id not in mappings:
            text = ementas[ementa_id]["ementa"]
            mappings[ementa_id] = map_ementa(text, taxonomy, mapper, None, allow_fallback=False)
        return mappings[ementa_id]

    today = dt.date.today()
    rows: list[dict[str, Any]] = []
    for i, pair in enumerate(pairs, 1):
        origem_e, destino_e = ementas[pair["origem_id"]], ementas[pair["destino_id"]]
        hours = destino_e.get("hours") or DEFAULT_HOURS
        result = evaluate(
            _course(origem_e, hours),
            _course(destino_e, hours),
            taxonomy,
            policy,
            mapped(pair["origem_id"]),
            mapped(pair["destino_id"]),
            today,
        )
        rows.append(
            {
                "id": pair["id"],
                "label": pair["label"],
                "decision": result.decisao.value,
                "score": result.score,
                "kind": pair.get("kind"),
            }
        )
        if progress is not None and (i % 25 == 0 or i == len(pairs)):
            print(f"eval-pairs: {i}/{len(pairs)}", file=progress)
    report = summarize(rows)
    report.update(
        {
            "taxonomy_version": taxonomy.version,
            "mapper_version": mapper.version,
            "policy_version": policy.version,
            "pairs": rows,
        }
    )
    return report


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Counts per label x decision (overall and per pair kind) and the SPEC §8 rates."""
    counts = {label: {d: 0 for d in DECISIONS} for label in LABELS}
    for row in rows:
        counts.setdefault(row["label"], {d: 0 for d in DECISIONS})[row["decision"]] += 1
    equivalent = counts["equivalent"]
    n_equivalent = sum(equivalent.values())
    n_other = sum(sum(c.values()) for label, c in counts.items() if label != "equivalent")
    false_accepts = sum(c["DEFERIDO"] for label, c in counts.items() if label != "equivalent")
    auto = [r for r in rows if r["decision"] != "ANALISE_HUMANA"]
    auto_right = sum(
        1 for r in auto if (r["label"] == "equivalent") == (r["decision"] == "DEFERIDO")
    )
    n = len(rows)
    by_kind: dict[str, dict[str, dict[str, int]]] = {}
    for row in rows:
        kind = by_kind.setdefault(row.get("kind") or "unknown", {})
        kind.setdefault(row["label"], {d: 0 for d in DECISIONS})[row["decision"]] += 1
    return {
        "n": n,
        "counts": counts,
        "by_kind": by_kind,
        "false_accept_rate": _rate(false_accepts, n_other),
        "auto_accept_recall": _rate(equivalent["DEFERIDO"], n_equivalent),
        "false_reject_rate": _rate(equivalent["INDEFERIDO"], n_equivalent),
        "review_rate": _rate(sum(1 for r in rows if r["decision"] == "ANALISE_HUMANA"), n),
        "auto_accuracy": _rate(auto_right, len(auto)),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="equivalence eval-pairs", description=__doc__)
    parser.add_argument("--pairs", required=True, help="labeled pairs (JSONL)")
    parser.add_argument("--ementas", required=True, help="ementas referenced by the pairs (JSONL)")
    args = parser.parse_args(argv)
    missing = [path for path in (args.pairs, args.ementas) if not Path(path).is_file()]
    if missing:
        print(
            f"error: no such file: {', '.join(missing)} (the labeled dev pairs are not part of the repository; "
            "give the paths of your copy, see the README)",
            file=sys.stderr,
        )
        return 2
    report = run_eval(args.pairs, args.ementas)
    json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
