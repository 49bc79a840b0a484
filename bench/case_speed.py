"""Speed of a whole case through the use case (prints figures; asserts nothing): issue 11.

A 40-course transcript against a 60-unit curriculum with combinations up to 3, run through
EvaluateCase exactly as POST /v1/cases does: each ementa read once (lexical mapper, default
taxonomy), candidate generation (pairwise topic coverage, vectorized), every proposal decided by
the evaluate pipeline on its members' merged reading, the exact assignment, the pair decisions the
answer uses stored and audited, the case stored — on the embedded runtime's SQLite in a temporary
directory.

The curriculum is 60 Unicamp ementas of shared/data (see bench/solver_speed.py, whose builder
this reuses); run `i`'s transcript is 40 courses of other institutions drawn with
random.Random(i). Policy: up to 3 courses, no reuse, cap 50%, validity 15 years, threshold 0.9.
The first run warms the mapper's index and is reported apart. Targets: p50 <= 1 s, RSS <= 300 MB.

  python bench/case_speed.py [--runs 10]

Measured 2026-12-03 on the shared 2-core machine, 10 runs: before the merged reading (each
combination's joined text read through the whole pipeline) p50 4.9 s, p95 8.4 s, RSS 256 MB;
after, p50 0.63 s, p95 0.90 s, RSS 181 MB — same candidates (median 424) and hours waived
(median 600).

ADR 0040 (uncapped solve skipped when the cap cannot bind, each pair's courses built once per
case, the topic comparison 2.35x faster), five pairs of 10-run benches interleaved with main
(9155165) on the shared machine: CPU per case p50 main 211.5 / 168.5 / 151.0 / 146.3 / 139.0 ms,
after 166.2 / 146.0 / 139.1 / 118.5 / 123.8 ms (lower in every pair; best 139.0 -> 118.5, -15%);
same candidates (median 426) and hours waived (median 727.5), RSS 195 / 194 MB.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_data import DEFAULT_DATA  # noqa: E402
from solver_speed import build, load  # noqa: E402

from adapters.mappers.taxonomy_json import load_default_taxonomy  # noqa: E402
from adapters.persistence.migrate import upgrade_to_head  # noqa: E402
from adapters.system import SystemClock, UuidGenerator  # noqa: E402
from core.domain.cases.model import CasePolicy, DestinoUnit, OrigemCourse  # noqa: E402
from core.domain.curriculum import Curriculum, CurriculumUnit, UnitType  # noqa: E402
from core.domain.model import Policy  # noqa: E402
from core.domain.reading import read_syllabus  # noqa: E402
from core.usecases.bootstrap import DEFAULT_TENANT, Seed  # noqa: E402
from core.usecases.cases import MIN_MEMBER_COVERAGE, CaseCommand, TranscriptCourse  # noqa: E402
from entrypoints.container import build_container  # noqa: E402
from entrypoints.settings import load_settings  # noqa: E402

POLICY = CasePolicy(max_waived_share=0.5, validity_years=15, workload_threshold=0.9)
VERSION = "bench-unicamp-60"


def unit(d: DestinoUnit) -> CurriculumUnit:
    items = tuple(s.strip() for s in d.ementa.split(". ") if s.strip())
    return CurriculumUnit(d.code, d.name[:300], UnitType.DISCIPLINA, d.workload, items or (d.name,))


def course(o: OrigemCourse) -> TranscriptCourse:
    w = o.workload
    return TranscriptCourse(
        o.code, o.name[:300], w.amount, o.ementa, w.unit.value, w.minutos_hora_aula, aprovado=True, ano=o.year
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--min-coverage", type=float, default=None, help="override MIN_MEMBER_COVERAGE (0: no floor)")
    args = parser.parse_args()
    rows = load(args.data_dir)
    destinos, _ = build(rows, 0)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp).resolve() / 'equivalence.db'}"  # the embedded runtime's file
        upgrade_to_head(url)
        container = build_container(load_settings({"EQV_VAR_DIR": tmp, "API_KEY_PEPPER": "bench-pepper-0123456789"}))
        uows = container.adapters.uow_factory()
        Seed(uows, b"bench-pepper-0123456789", SystemClock(), UuidGenerator())(load_default_taxonomy(), Policy(version="default-v1"), None)
        with uows() as uow:
            uow.curricula.add(DEFAULT_TENANT, Curriculum(VERSION, tuple(unit(d) for d in destinos)))
            uow.commit()
        container.adapters.topic_matcher().warm()
        use_case = container.use_cases.evaluate_case()
        if args.min_coverage is not None:
            use_case._min_coverage = args.min_coverage  # noqa: SLF001 - a bench knob
        times, cpu, candidates, stored, waived = [], [], [], [], []
        first = 0.0
        for run in range(args.runs + 1):
            _, origens = build(rows, run + 1)
            rng = random.Random(run)
            rng.shuffle(origens)
            command = CaseCommand(DEFAULT_TENANT, f"bench-{run}", tuple(course(o) for o in origens), POLICY, VERSION)
            read_syllabus.cache_clear()
            t0, c0 = time.perf_counter(), time.process_time()
            doc = use_case(command)
            elapsed, spent = time.perf_counter() - t0, time.process_time() - c0
            if run == 0:
                first = elapsed
                continue
            times.append(elapsed)
            cpu.append(spent)
            candidates.append(doc["resumo"]["candidatas_avaliadas"])
            stored.append(sum(1 for d in doc["destinos"] if d["request_id"]))
            waived.append(doc["resumo"]["horas_dispensadas"])
        reads = read_syllabus.cache_info()
        container.adapters.engine().dispose()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    q = statistics.quantiles(times, n=20) if len(times) >= 2 else times * 19
    floor = MIN_MEMBER_COVERAGE if args.min_coverage is None else args.min_coverage
    print(f"case: 40 origem courses x {len(destinos)} destino units, combinations up to 3, member coverage >= {floor:g}, {args.runs} runs (+1 warm-up)")
    print(f"  first run (warms the mapper)  {1000 * first:8.1f} ms")
    print(f"  case (score + solve + store)  p50 {1000 * statistics.median(times):8.1f} ms   p95 {1000 * q[18]:8.1f} ms   target p50 <= 1000 ms")
    print(f"  CPU time per case (this process; steadier than wall time on a busy machine)  p50 {1000 * statistics.median(cpu):8.1f} ms")
    print(f"  candidates decided per case   median {statistics.median(candidates):.0f}; pair decisions stored median {statistics.median(stored):.0f}")
    print(f"  syllabus reads in the last run: {reads.misses} distinct texts read, {reads.hits} served from the cache")
    print(f"  waived hours median {statistics.median(waived):g}")
    print(f"  max RSS {rss_mb:.0f} MB   target <= 300 MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
