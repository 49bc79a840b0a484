"""What consulting the precedent table adds to an evaluation (prints figures; asserts nothing).

A throwaway PostgreSQL database with N precedents (default 50,000) of one tenant, spread over
2,000 institutions; then, in an open reading unit of work as evaluate has one:
- the lookup of a pair whose origem has no precedent (most requests): one indexed range read;
- the lookup of a pair with a precedent (read + fingerprint match);
and EvaluatePair end to end on a hit, with a counting mapper, to show the mapper is not run.
Target (issue 12): the lookup adds <= 1 ms to an evaluation.

  python bench/precedent_lookup.py [--precedents 50000] [--runs 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_servers import PG_ADMIN, throwaway_database  # noqa: E402
from sqlalchemy import text  # noqa: E402

from adapters.mappers.lexical_mapper import LexicalMapper  # noqa: E402
from adapters.mappers.taxonomy_json import load_default_taxonomy  # noqa: E402
from adapters.persistence.database import create_engine_for, read_session_factory, session_factory  # noqa: E402
from adapters.persistence.migrate import upgrade_to_head  # noqa: E402
from adapters.persistence.sqla_models import PrecedentOriginRow, PrecedentRow  # noqa: E402
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory  # noqa: E402
from adapters.system import SystemClock, UuidGenerator  # noqa: E402
from core.domain.model import ConceptMatch, Course, Policy, Taxonomy  # noqa: E402
from core.domain.precedents import course_key, fingerprint  # noqa: E402
from core.usecases.bootstrap import DEFAULT_TENANT, Seed  # noqa: E402
from core.usecases.evaluate import EvaluateCommand, EvaluatePair  # noqa: E402
from core.usecases.precedents import find_precedents  # noqa: E402

INSTITUTIONS = 2_000
_EXPLAIN = (
    "EXPLAIN (ANALYZE) SELECT * FROM precedents WHERE tenant_id = :t AND precedent_id IN "
    "(SELECT precedent_id FROM precedent_origins WHERE tenant_id = :t AND instituicao_key = :i AND codigo_key = :c)"
)
EMENTA = "Limites e continuidade. Derivadas e aplicações. Integrais definidas e indefinidas. Séries numéricas."
DESTINO = Course("Cálculo A", 60, "Limites. Derivadas. Integrais. Séries.", codigo="CALC-A")


class CountingMapper:
    """The lexical mapper, counting its calls."""

    def __init__(self) -> None:
        self.inner, self.calls = LexicalMapper(), 0

    @property
    def version(self) -> str:
        return self.inner.version

    def map(self, text: str, taxonomy: Taxonomy) -> tuple[ConceptMatch, ...]:
        self.calls += 1
        return self.inner.map(text, taxonomy)


def _fill(url: str, count: int) -> None:
    engine = create_engine_for(url)
    now = dt.datetime.now(dt.timezone.utc)
    actor = {"key_id": None, "role": "admin"}
    try:
        for start in range(0, count, 5_000):
            precedents, origins = [], []
            for i in range(start, min(count, start + 5_000)):
                institution, code = f"Universidade {i % INSTITUTIONS}", f"MAT{i:06d}"
                pid = f"pc_bench_{i:07d}"
                ementa = f"{EMENTA} Tópico {i}."
                precedents.append({
                    "tenant_id": DEFAULT_TENANT, "precedent_id": pid, "kind": "binding",
                    "origens": [{"instituicao": institution, "codigo": code, "ementa": ementa}],
                    "destino_codigo": "CALC-A", "course_id": None, "valid_from": dt.date(2025, 1, 1), "valid_to": None,
                    "escopo": None, "parecer": "Parecer de bancada.", "review_id": None, "request_id": None,
                    "expressao": None, "created_at": now, "created_by": actor, "ended_at": None, "ended_by": None,
                })
                origins.append({
                    "tenant_id": DEFAULT_TENANT, "precedent_id": pid, "position": 0,
                    "instituicao_key": course_key(institution), "codigo_key": course_key(code), "fingerprint": fingerprint(ementa),
                })
            with engine.begin() as connection:
                connection.execute(PrecedentRow.__table__.insert(), precedents)
                connection.execute(PrecedentOriginRow.__table__.insert(), origins)
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE precedents; ANALYZE precedent_origins")
    finally:
        engine.dispose()


def _lookup_ms(uows: SqlaUnitOfWorkFactory, origens: list[Course], today: dt.date) -> tuple[list[float], list[float], int]:
    """Each lookup, and right before it a `SELECT 1` on the same connection: the floor any query
    pays on this machine at that moment (shared machines vary by the minute)."""
    times, floor, hits = [], [], 0
    with uows.reading() as uow:
        find_precedents(uow, DEFAULT_TENANT, origens[0], DESTINO, None, today)  # warm the connection
        for origem in origens:
            start = time.perf_counter()
            uow.session.execute(text("SELECT 1")).all()
            floor.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            found = find_precedents(uow, DEFAULT_TENANT, origem, DESTINO, None, today)
            times.append((time.perf_counter() - start) * 1000)
            hits += found.applied is not None
    return sorted(times), sorted(floor), hits


def _line(label: str, times: list[float], what: str = "lookups") -> str:
    p50, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
    return f"{label}: p50 {p50:.3f} ms, p95 {p95:.3f} ms over {len(times)} {what}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--precedents", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=2_000)
    args = parser.parse_args()
    with throwaway_database() as name:
        url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
        upgrade_to_head(url)
        taxonomy = load_default_taxonomy()
        engine = create_engine_for(url)
        uows = SqlaUnitOfWorkFactory(session_factory(engine), read_session_factory(engine))
        clock = SystemClock()
        Seed(uows, b"bench-pepper", clock, UuidGenerator())(taxonomy, Policy(), None)
        started = time.perf_counter()
        _fill(url, args.precedents)
        print(f"{args.precedents} precedents of one tenant stored in {time.perf_counter() - started:.1f} s", flush=True)
        today = clock.now().date()
        misses = [Course("Cálculo", 60, EMENTA, aprovado=True, instituicao="Universidade 7", codigo=f"FIS{k}") for k in range(args.runs)]
        hits = [
            Course("Cálculo", 60, f"{EMENTA} Tópico {i}.", aprovado=True, instituicao=f"Universidade {i % INSTITUTIONS}", codigo=f"MAT{i:06d}")
            for i in range(0, args.precedents, max(1, args.precedents // args.runs))
        ]
        miss_times, floor, _ = _lookup_ms(uows, misses, today)
        hit_times, floor_2, found = _lookup_ms(uows, hits, today)
        print(_line("SELECT 1 on the same connection (the round-trip floor right now)", sorted(floor + floor_2), "queries"))
        print(_line("lookup, no precedent for the origem (most requests)", miss_times))
        print(_line(f"lookup, a binding precedent found ({found} of {len(hits)} applied)", hit_times))
        print("target: the lookup adds <= 1 ms to an evaluation (compare with the floor on a shared machine)")
        with uows.reading() as uow:
            for label, (institution, code) in (("miss", ("universidade7", "fis3")), ("hit", ("universidade7", "mat000007"))):
                plan = uow.session.execute(text(_EXPLAIN), {"t": DEFAULT_TENANT, "i": institution, "c": code}).scalars().all()
                print(f"server side, {label}: {plan[-1]}; plan uses {'ix_precedent_origins_lookup' if any('ix_precedent_origins_lookup' in line for line in plan) else 'NO INDEX'}")

        mapper = CountingMapper()
        evaluate = EvaluatePair(uows, mapper, None, clock)
        totals = []
        for k, origem in enumerate(hits[:200]):
            command = EvaluateCommand(DEFAULT_TENANT, f"bench-hit-{k}", "h", origem, DESTINO)
            start = time.perf_counter()
            document = evaluate(command).document
            totals.append((time.perf_counter() - start) * 1000)
            assert document["decisao_origem"] == "precedente"
        totals.sort()
        print(_line("evaluate end to end on a hit (lookup + store + audit)", totals, "evaluations"))
        print(f"mapper calls during {len(totals)} precedent hits: {mapper.calls} (a hit answers without running the mapper)")
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
