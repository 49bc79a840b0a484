"""Review queue benchmark (prints figures; asserts nothing). Target: listing p95 ≤ 50 ms.

Loads --items open review items (default 100,000) into one tenant of a throwaway PostgreSQL
database (migrated to head; COPY, then VACUUM ANALYZE as autovacuum would): states 60% pendente, 35% em_analise, 5%
parecer_emitido, opened over the last 180 days, deadline 30 days after opening, assigned to one
of 50 reviewer keys once claimed, the origem of one of 300 institutions and the destino one of 60
course codes (the institution/course filters, migration 0011). A few hundred items of a second tenant keep the tenant filter
honest. Then times, in process, `core.usecases.reviews.Reviews.search` (a read-only unit of work,
the SQL, the rows turned into ReviewItems — what GET /v1/reviews runs before serialising) for the
common filters, --runs times each, and the /metrics backlog query. Prints one JSON object of
p50/p95 ms per filter, with the server's own execution time of each page's SQL (EXPLAIN ANALYZE,
`db_exec_ms`: what the indexes cost, apart from a busy machine's scheduling) and the 1-minute load
average before and after. The database is dropped at the end.

  python bench/review_queue.py
  python bench/review_queue.py --items 20000 --runs 100
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from bench_servers import throwaway_database  # noqa: E402

from adapters.persistence.database import create_engine_for, session_factory  # noqa: E402
from adapters.persistence.migrate import upgrade_to_head  # noqa: E402
from adapters.persistence.sqla_review_repository import page_statement  # noqa: E402
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory  # noqa: E402
from core.domain.precedents import course_key  # noqa: E402
from core.domain.review import ReviewState, review_id_for  # noqa: E402
from core.usecases.reviews import ReviewQuery, Reviews  # noqa: E402

TENANT, OTHER = "bench-uni", "bench-other"
NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.timezone.utc)
COLUMNS = ("tenant_id", "review_id", "request_id", "state", "assignee_key_id", "deadline", "created_at", "updated_at",
           "history", "version", "rodada", "terms", "instituicao", "curso", "instituicao_key", "curso_key")
INSTITUTIONS = [f"Universidade Federal {n:03d}" for n in range(300)]  # where the origem was taught
COURSES = [f"DST-{n:02d}" for n in range(60)]  # the destino curriculum's course codes


class Clock:
    def now(self) -> dt.datetime:
        return NOW

    def monotonic(self) -> float:
        return time.monotonic()


def rows(tenant: str, count: int, rng: random.Random) -> io.StringIO:
    """COPY text of `count` open items, oldest first (ids sort by opening time)."""
    out = io.StringIO()
    starts = sorted(NOW - dt.timedelta(seconds=rng.uniform(0, 180 * 86400)) for _ in range(count))
    for i, opened in enumerate(starts):
        draw = rng.random()
        state = "pendente" if draw < 0.60 else "em_analise" if draw < 0.95 else "parecer_emitido"
        assignee = "\\N" if state == "pendente" else f"reviewer-{rng.randrange(50):02d}"
        request_id = f"{tenant}-req-{i}"
        instituicao, curso = rng.choice(INSTITUTIONS), rng.choice(COURSES)
        values = (tenant, review_id_for(request_id, opened), request_id, state, assignee, (opened + dt.timedelta(days=30)).isoformat(),
                  opened.isoformat(), opened.isoformat(), "[]", "1", "1",
                  '{"prazo_parecer_dias": 30, "prazo_recurso_dias": 10, "homologacao_obrigatoria": true}',
                  instituicao, curso, course_key(instituicao), course_key(curso))
        out.write("\t".join(values) + "\n")
    out.seek(0)
    return out


def load(url: str, items: int) -> None:
    rng = random.Random(12)
    with psycopg.connect(url) as connection:
        for tenant, count in ((TENANT, items), (OTHER, 500)):
            with connection.cursor().copy(f"COPY review_items ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                copy.write(rows(tenant, count, rng).read())
        connection.commit()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE review_items")  # what autovacuum does to a table this size


def timed(call: Callable[[], object], runs: int) -> dict[str, float]:
    call()  # warm: plan caches, connection pool
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 2), "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 2)}


def db_execution_ms(engine: Engine, query: ReviewQuery) -> float:
    """The server's execution time of the page's SQL (EXPLAIN ANALYZE), the median of 5."""
    overdue_at = NOW if query.overdue else None
    opened_before = None if query.min_age_days is None else NOW - dt.timedelta(days=query.min_age_days)
    statement = page_statement(
        TENANT, query.limit, query.after, query.state, query.assignee, overdue_at, query.instituicao, query.curso, opened_before
    )
    sql = str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    times = []
    with engine.connect() as connection:
        for _ in range(5):
            plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + sql).scalar_one()
            times.append(float(plan[0]["Execution Time"]))
    return round(statistics.median(times), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with throwaway_database() as name:
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        upgrade_to_head(url)
        started = time.perf_counter()
        load(url.replace("+psycopg", ""), args.items)
        load_s = time.perf_counter() - started
        engine = create_engine_for(url)
        uows = SqlaUnitOfWorkFactory(session_factory(engine))
        reviews = Reviews(uows, Clock())
        middle = reviews.search(TENANT, ReviewQuery(limit=200, after=None))[-1].review_id
        with uows.reading() as uow:
            deep = uow.reviews.list_items(TENANT, 1, after=None)[0].review_id
        queries = {
            "first_page": ReviewQuery(),
            "state_pendente": ReviewQuery(state=ReviewState.PENDENTE),
            "state_parecer_emitido": ReviewQuery(state=ReviewState.PARECER_EMITIDO),
            "assignee_mine": ReviewQuery(assignee="reviewer-07"),
            "overdue": ReviewQuery(overdue=True),
            "institution": ReviewQuery(instituicao="universidade federal 123"),
            "course": ReviewQuery(curso="dst 07"),
            "institution_and_course": ReviewQuery(instituicao=INSTITUTIONS[42], curso=COURSES[7]),
            "older_than_90_days": ReviewQuery(min_age_days=90),
            "next_page": ReviewQuery(after=middle),
            "state_and_next_page": ReviewQuery(state=ReviewState.EM_ANALISE, after=deep),
            "limit_200": ReviewQuery(limit=200),
        }
        figures: dict[str, object] = {"items": args.items, "runs": args.runs, "load_s": round(load_s, 1),
                                      "loadavg_1m_before": round(os.getloadavg()[0], 1)}
        for label, query in queries.items():
            figures[label] = timed(lambda q=query: reviews.search(TENANT, q), args.runs)  # type: ignore[misc]
            figures[label]["db_exec_ms"] = db_execution_ms(engine, query)  # type: ignore[index]
        figures["metrics_backlog"] = timed(reviews.backlog, max(10, args.runs // 10))
        figures["loadavg_1m_after"] = round(os.getloadavg()[0], 1)  # a shared machine: read the figures with it
        engine.dispose()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
