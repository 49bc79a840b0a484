"""Speed of a whole case: candidate generation, scoring and the exact assignment (prints figures; asserts nothing).

A 40-course transcript against a 60-unit curriculum with combinations of up to 3 (issue 11).
The curriculum is 60 Unicamp ementas of shared/data (ementas_dev*.jsonl); each run's transcript
is 40 courses of the other institutions drawn with random.Random(run). Workloads are the data's
own when it has them, else drawn from 30/45/60 clock hours or 72 h/a of 50 minutes, so some
destinos need combinations. Every run uses a NEW LexicalTopicMatcher, so each ementa is read once
per run and no cache carries over between runs.

The pairwise score is the matcher's topic coverage of the destino by one origem; a combination is
scored by the union of its members' topics (each destino topic takes its best member) — a cheap
stand-in for the evaluate pipeline on the joined ementas: DEFERIDO at ≥ 70, ANALISE_HUMANA at
≥ 50. Policy: up to 3 courses, no reuse, cap 50%, validity 15 years, threshold 0.9.
Target (issue 11): generation + solve p50 ≤ 1 s on the 2-core machine.

  python bench/solver_speed.py [--runs 20]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_data import DEFAULT_DATA  # noqa: E402

from adapters.mappers.topic_matcher import LexicalTopicMatcher  # noqa: E402
from adapters.solver.highs_assignment import HighsAssignmentSolver  # noqa: E402
from core.domain.cases.candidates import Proposal, propose, score_all  # noqa: E402
from core.domain.cases.model import Case, CasePolicy, DestinoUnit, OrigemCourse  # noqa: E402
from core.domain.cases.solve import solve_case  # noqa: E402
from core.domain.model import Decision  # noqa: E402
from core.domain.topics import TopicComparison, topic_coverage  # noqa: E402
from core.domain.workload import Workload, WorkloadUnit  # noqa: E402

CURRICULUM = "Unicamp"
POLICY = CasePolicy(max_waived_share=0.5, validity_years=15, workload_threshold=0.9)


def load(data: Path) -> list[dict[str, Any]]:
    rows = []
    for name in ("ementas_dev.jsonl", "ementas_dev2.jsonl"):
        with (data / name).open(encoding="utf-8") as f:
            rows += [json.loads(line) for line in f if line.strip()]
    return rows


def workload(row: dict[str, Any], rng: random.Random) -> Workload:
    if row.get("hours"):
        return Workload(float(row["hours"]))
    return rng.choice((Workload(30), Workload(45), Workload(60), Workload(72, WorkloadUnit.HORA_AULA, 50)))


def build(rows: list[dict[str, Any]], run: int) -> tuple[list[DestinoUnit], list[OrigemCourse]]:
    rng = random.Random(run)
    ours = sorted((r for r in rows if r["institution"] == CURRICULUM), key=lambda r: r["id"])[:60]
    theirs = sorted((r for r in rows if r["institution"] != CURRICULUM), key=lambda r: r["id"])
    destinos = [DestinoUnit(r["id"], r["course_name"], workload(r, random.Random(r["id"])), ementa=r["ementa"]) for r in ours]
    picked = rng.sample(theirs, 40)
    origens = [
        OrigemCourse(r["id"], r["course_name"], workload(r, rng), year=rng.randint(2008, 2026), ementa=r["ementa"])
        for r in picked
    ]
    return destinos, origens


def run_case(destinos: list[DestinoUnit], origens: list[OrigemCourse]) -> tuple[float, float, float, int, str, float]:
    matcher = LexicalTopicMatcher()
    seen: dict[tuple[str, str], TopicComparison] = {}
    by_code = {o.code: o for o in origens}
    dest = {d.code: d for d in destinos}

    def pairwise(o: OrigemCourse, d: DestinoUnit) -> float:
        seen[(o.code, d.code)] = found = matcher.compare(o.ementa, d.ementa)
        return found.coverage

    def scorer(p: Proposal) -> tuple[float, Decision]:
        parts = [seen[(code, p.destino)] for code in p.origens]
        union = tuple(
            max((c.topics[k] for c in parts), key=lambda t: t.similaridade) for k in range(len(parts[0].topics))
        )
        score = round(100 * topic_coverage(union), 2)
        decision = Decision.DEFERIDO if score >= 70 else Decision.ANALISE_HUMANA if score >= 50 else Decision.INDEFERIDO
        return score, decision

    t0 = time.perf_counter()
    proposals = propose(destinos, origens, pairwise, POLICY, 2026)
    t1 = time.perf_counter()
    candidates = score_all(proposals, scorer)
    t2 = time.perf_counter()
    case = Case(tuple(by_code.values()), tuple(dest.values()), candidates, POLICY, 2026)
    answer = solve_case(case, HighsAssignmentSolver(time_limit_s=2.0))
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, len(candidates), answer.summary.method, answer.summary.waived_hours


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    rows = load(args.data_dir)
    runs = [run_case(*build(rows, run)) for run in range(args.runs)]
    gen, score, solve = [r[0] for r in runs], [r[1] for r in runs], [r[2] for r in runs]
    total = [r[0] + r[1] + r[2] for r in runs]
    sizes, methods, hours = [r[3] for r in runs], {r[4] for r in runs}, [r[5] for r in runs]
    destinos, _ = build(rows, 0)
    ms = lambda xs: f"p50 {1000 * statistics.median(xs):7.1f} ms  max {1000 * max(xs):7.1f} ms"  # noqa: E731
    print(f"case: 40 origem courses x {len(destinos)} destino units, combinations up to 3, {args.runs} runs")
    print(f"  candidates per case    median {statistics.median(sizes):.0f} (min {min(sizes)}, max {max(sizes)})")
    print(f"  generation (pairwise)  {ms(gen)}")
    print(f"  scoring combinations   {ms(score)}")
    print(f"  solve (HiGHS, capped and uncapped) {ms(solve)}")
    print(f"  total                  {ms(total)}   target p50 <= 1000 ms")
    print(f"  method(s): {', '.join(sorted(methods))}; waived hours median {statistics.median(hours):g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
