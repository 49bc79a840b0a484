"""`equivalence eval-pairs`: decide every labeled pair and report decision quality (SPEC §8).

It measures what the service runs: the mapper chain comes from the same builder as
`serve` (entrypoints/mapper_chain.py), so EMBED_URL, EMBED_LOCAL_MODEL and LLM_URL are
honoured, and it waits for the chain's warm-up before the first pair. Each pair is
evaluated with equal workloads (the destino's hours, or 60 when unknown, on both sides),
the default policy and the default taxonomy. The JSON report (stdout) has the rates, the
confusion counts, the mapper versions, how many mappings were degraded, the wrong
automatic decisions with pair ids, and with ``--by family`` / ``--by kind`` the same
rates per group (family: the destino ementa's ``family``). Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from core.domain.model import Course, Decision, MappingOutcome, Policy, Taxonomy
from core.domain.pipeline import evaluate
from core.domain.rules import RULES_VERSION
from core.ports.concept_mapper import ConceptMapper
from core.ports.topic_matcher import TopicMatcher
from core.usecases.reading import read_pair

DEFAULT_HOURS = 60
LABELS = ("equivalent", "partial", "not_equivalent")
DECISIONS = tuple(d.value for d in Decision)
GROUPINGS = ("family", "kind")


def _read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _course(ementa: dict[str, Any], hours: int) -> Course:
    return Course(
        nome=ementa.get("course_name") or ementa["id"],
        carga_horaria=hours,
        ementa=ementa["ementa"],
        aprovado=True,
        instituicao=ementa.get("institution"),
    )


def run_eval(
    pairs_path: str | Path,
    ementas_path: str | Path,
    mapper: ConceptMapper | None = None,
    taxonomy: Taxonomy | None = None,
    policy: Policy | None = None,
    progress: TextIO | None = sys.stderr,
    *,
    fallback: ConceptMapper | None = None,
    by: Sequence[str] = (),
    topics: TopicMatcher | None = None,
) -> dict[str, Any]:
    """Evaluate every pair of ``pairs_path`` with ``mapper`` (and ``fallback``, as the service does)."""
    if topics is None:
        from adapters.mappers.topic_matcher import LexicalTopicMatcher

        topics = LexicalTopicMatcher()
    if mapper is None:
        from adapters.mappers.lexical_mapper import LexicalMapper

        mapper = LexicalMapper()
    if taxonomy is None:
        from adapters.mappers.taxonomy_json import load_default_taxonomy

        taxonomy = load_default_taxonomy()
    policy = policy or Policy()
    ementas = {e["id"]: e for e in _read_jsonl(ementas_path)}
    pairs = _read_jsonl(pairs_path)
    today = dt.datetime.now(dt.timezone.utc).date()  # the service's clock is UTC too
    rows: list[dict[str, Any]] = []
    mappings: dict[str, MappingOutcome] = {}
    for i, pair in enumerate(pairs, 1):
        origem_e, destino_e = ementas[pair["origem_id"]], ementas[pair["destino_id"]]
        hours = destino_e.get("hours") or DEFAULT_HOURS
        origem, destino = _course(origem_e, hours), _course(destino_e, hours)
        read = read_pair(origem.ementa, destino.ementa, taxonomy, mapper, fallback, topics, allow_fallback=True)
        origem_map, destino_map = read.origem_mapping, read.destino_mapping
        mappings[pair["origem_id"]], mappings[pair["destino_id"]] = origem_map, destino_map
        result = evaluate(origem, destino, taxonomy, policy, origem_map, destino_map, today, read.reading)
        rows.append(
            {
                "id": pair["id"],
                "label": pair["label"],
                "decision": result.decisao.value,
                "score": result.score,
                "topic_coverage": result.breakdown.cobertura_topicos,
                "kind": pair.get("kind"),
                "family": destino_e.get("family"),
                "motivo_revisao": result.motivo_revisao.value if result.motivo_revisao else None,
                "degraded": origem_map.degraded or destino_map.degraded,
            }
        )
        if progress is not None and (i % 25 == 0 or i == len(pairs)):
            print(f"eval-pairs: {i}/{len(pairs)}", file=progress)
    report = summarize(rows)
    used: dict[str, int] = {}
    for outcome in mappings.values():
        used[outcome.mapper_version] = used.get(outcome.mapper_version, 0) + 1
    report.update(
        {
            "taxonomy_version": taxonomy.version,
            "mapper_version": mapper.version,
            "mapper_versions": {
                "primary": mapper.version,
                "fallback": fallback.version if fallback is not None else None,
                "ementas_mapped_by": dict(sorted(used.items())),
            },
            "degraded": {
                "ementas": sum(1 for m in mappings.values() if m.degraded),
                "pairs": sum(1 for r in rows if r["degraded"]),
            },
            "policy_version": policy.version,
            "rules_version": RULES_VERSION,
            "topic_matcher_version": topics.version,
            "review_reasons": _review_reasons(rows),
            "wrong_automatic": wrong_automatic(rows),
            "by": {group: breakdown(rows, group) for group in by},
            "pairs": rows,
        }
    )
    return report


def _review_reasons(rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    reasons: dict[str, int] = {}
    for row in rows:
        if row["decision"] == "ANALISE_HUMANA":
            key = row.get("motivo_revisao") or "none"
            reasons[key] = reasons.get(key, 0) + 1
    return dict(sorted(reasons.items()))


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _counts(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, int]]:
    counts = {label: {d: 0 for d in DECISIONS} for label in LABELS}
    for row in rows:
        counts.setdefault(row["label"], {d: 0 for d in DECISIONS})[row["decision"]] += 1
    return counts


def rates(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The SPEC §8 rates of some pairs."""
    counts = _counts(rows)
    equivalent = counts["equivalent"]
    n_equivalent = sum(equivalent.values())
    n_other = sum(sum(c.values()) for label, c in counts.items() if label != "equivalent")
    false_accepts = sum(c["DEFERIDO"] for label, c in counts.items() if label != "equivalent")
    auto = [r for r in rows if r["decision"] != "ANALISE_HUMANA"]
    auto_right = sum(1 for r in auto if (r["label"] == "equivalent") == (r["decision"] == "DEFERIDO"))
    return {
        "false_accept_rate": _rate(false_accepts, n_other),
        "auto_accept_recall": _rate(equivalent["DEFERIDO"], n_equivalent),
        "false_reject_rate": _rate(equivalent["INDEFERIDO"], n_equivalent),
        "review_rate": _rate(sum(1 for r in rows if r["decision"] == "ANALISE_HUMANA"), len(rows)),
        "auto_accuracy": _rate(auto_right, len(auto)),
    }


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Counts per label x decision (overall and per pair kind) and the SPEC §8 rates."""
    by_kind: dict[str, dict[str, dict[str, int]]] = {}
    for row in rows:
        kind = by_kind.setdefault(row.get("kind") or "unknown", {})
        kind.setdefault(row["label"], {d: 0 for d in DECISIONS})[row["decision"]] += 1
    return {"n": len(rows), "counts": _counts(rows), "by_kind": by_kind, **rates(rows)}


def breakdown(rows: Sequence[dict[str, Any]], group: str) -> dict[str, dict[str, Any]]:
    """Per value of ``group`` ("family" or "kind"): n, counts and rates."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(str(row.get(group) or "unknown"), []).append(row)
    return {
        name: {"n": len(members), "counts": _counts(members), **rates(members)}
        for name, members in sorted(groups.items())
    }


def wrong_automatic(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """DEFERIDO on a pair that is not equivalent, INDEFERIDO on an equivalent one."""
    return [
        {k: row.get(k) for k in ("id", "label", "decision", "score", "family", "kind", "degraded", "motivo_revisao")}
        for row in rows
        if (row["decision"] == "DEFERIDO" and row["label"] != "equivalent")
        or (row["decision"] == "INDEFERIDO" and row["label"] == "equivalent")
    ]


"""How long `eval-pairs` waits for the mappers' indexes (a busy machine builds the in-process
model's concept index slowly; measuring before it is built would measure degraded mode)."""


def _warm(chain: Any, taxonomy: Taxonomy, timeout_s: float) -> None:
    """Warm the chain as `serve` does before it is ready: waited for while an index is still
    being built (each attempt waits for the build itself), up to `timeout_s`; any other failure,
    or the time running out, is measured anyway (the degraded counts will say it)."""
    from adapters.mappers.budget import DeadlineExceeded

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            chain.warm(taxonomy)
            return
        except DeadlineExceeded as exc:
            if time.monotonic() >= deadline:
                print(f"eval-pairs: warning: the mappers did not warm up: {exc}", file=sys.stderr)
                return
            print("eval-pairs: waiting for the mappers' index to be built", file=sys.stderr)
        except Exception as exc:  # noqa: BLE001 - measured anyway: the degraded counts will say it
            print(f"eval-pairs: warning: the mappers did not warm up: {type(exc).__name__}: {exc}", file=sys.stderr)
            return


def service_chain_eval(
    pairs: str | Path, ementas: str | Path, by: Sequence[str] = (), env: dict[str, str] | None = None
) -> dict[str, Any]:
    """run_eval with the mapper chain `serve` builds from this environment, warmed first."""
    from adapters.mappers.lexical_mapper import LexicalMapper
    from adapters.mappers.memory_mapping_cache import MemoryMappingCache
    from adapters.mappers.taxonomy_json import load_default_taxonomy
    from entrypoints.mapper_chain import build_mapper_chain
    from entrypoints.settings import load_settings

    settings = load_settings(env, keys=False)
    chain = build_mapper_chain(
        settings.mappers, LexicalMapper(), MemoryMappingCache(), vector_dir=settings.var_dir / "embeddings"
    )
    taxonomy = load_default_taxonomy()
    try:
        _warm(chain, taxonomy, settings.mappers.eval_warm_timeout_s)
        return run_eval(pairs, ementas, chain.primary, taxonomy, fallback=chain.fallback, by=by)
    finally:
        chain.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="equivalence eval-pairs", description=__doc__)
    parser.add_argument("--pairs", required=True, help="labeled pairs (JSONL)")
    parser.add_argument("--ementas", required=True, help="ementas referenced by the pairs (JSONL)")
    parser.add_argument("--by", action="append", choices=GROUPINGS, default=[], help="breakdown (repeatable)")
    args = parser.parse_args(argv)
    missing = [path for path in (args.pairs, args.ementas) if not Path(path).is_file()]
    if missing:
        print(
            f"error: no such file: {', '.join(missing)} (the labeled dev pairs are not part of the repository; "
            "give the paths of your copy, see the README)",
            file=sys.stderr,
        )
        return 2
    report = service_chain_eval(args.pairs, args.ementas, by=args.by)
    json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
