"""Cases as jobs in the full runtime (prints figures; asserts nothing): issue 11.

--cases 40-course transcripts against the 60-unit curriculum of bench/case_speed.py, each posted to
`equivalence serve` with `"assincrono": true` and decided by `equivalence worker --processes 2
--threads 1` over a throwaway PostgreSQL database and a Redis namespace of its own. The workers are
started and ready before the clock starts; the clock stops when the last case row is stored.
Prints cases/s (first POST to last case stored), p50/p95 case latency (job created -> case
stored, read with SQL), failed jobs, and the peak RSS of each worker process.
Target (issue 11): 200 cases at >= 5 cases/s with 2 workers; RSS <= 300 MB per process.

  python bench/case_jobs.py [--cases 200] [--processes 2]

Measured 2026-12-03 on the shared 2-core machine: 200 cases, 2 worker processes: 2.35 cases/s,
p50 38 s / p95 76 s latency (all posted in 6.7 s, so mostly queueing), 0 failed, peak RSS 205 MB
per worker process.

ADR 0034 (a case's pairs stored in its own transaction with one multi-row insert and one audit
batch; clock hours converted once per destino), each pair of runs back to back, main (91b6fd5)
first or second as noted, same machine, always shared with other work:
  load ~3,  200 cases: after 3.80 cases/s (p50 25 s), main 3.22 (p50 27 s); peak RSS 245 / 244 MB
  load ~3,  100 cases: after 2.33, main 2.19 (before the clock-hours change)
  load ~15, 100 cases: after 0.53, main 0.42
  load ~20, 200 cases: main 0.84 then 0.34, after 1.16 (round trips cost most under load)
In process (EvaluateCase over PostgreSQL, 8 cases, load ~2.5): main 417 ms wall / 348 ms CPU per
case, after 280 / 251. Still short of 5 cases/s: at load ~3 a case is ~50% scoring (the evaluate
pipeline on ~480 proposals), ~12% the solver (twice with a cap), ~12% storage.

ADR 0040 (uncapped solve skipped when the cap cannot bind, each pair's courses built once per
case, the topic comparison 2.35x faster, progress reports without a WAL-flush wait), 200 cases,
runs interleaved with main (9155165) on the shared machine at load 7-13 (other helpers' tests):
  main:  2.77 cases/s (worker CPU 242 ms/case), 4.29 (190), 4.16 (187), 4.31 (187)
  after: 4.20 cases/s (worker CPU 174 ms/case), 4.66 (185), 4.84 (159), 3.67 (190)
  peak RSS 245-248 MB per worker process in both. Cases/s and even CPU per case move by ±25%
  between identical runs here; bench/case_speed.py's CPU per case, in five interleaved pairs,
  was lower after in every pair (best 139.0 -> 118.5 ms, -15%). What is left is mostly the evaluate pipeline on each proposal and
  PostgreSQL.

On a quiet machine (load ~1) after the session-6 merge (882a900: ADR 0040 plus the cheaper
cold reading of ADR 0038's branch), 200 cases, 2 worker processes, two runs: 11.29 and 10.34
cases/s, p50 latency 8.2 / 8.6 s (all posted in 2.4-3.0 s), 0 failed, worker CPU 147 / 157 ms
per case, peak RSS 243 MB per worker process. bench/case_speed.py: case p50 108.6 ms, RSS 194 MB.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch_load import HEADERS, RssSampler, Started, _tree, cli, redis_namespace, run_env, wait_healthy, wait_workers_ready  # noqa: E402
from bench_data import DEFAULT_DATA  # noqa: E402
from bench_servers import throwaway_database  # noqa: E402
from evaluate_load import free_port, percentile  # noqa: E402
from solver_speed import build, load  # noqa: E402

VERSION = "bench-unicamp-60"
POLICY = {"limite_percentual": 50, "validade_anos": 15, "limiar_carga": 0.9}


def curriculum(rows: list[dict[str, Any]]) -> dict[str, Any]:
    destinos, _ = build(rows, 0)
    units = []
    for d in destinos:
        w = d.workload
        items = [s.strip() for s in d.ementa.split(". ") if s.strip()] or [d.name]
        unit = {"codigo": d.code, "nome": d.name[:300], "carga_horaria": w.amount, "unidade_carga": w.unit.value, "ementa": items}
        if w.minutos_hora_aula is not None:
            unit["minutos_hora_aula"] = w.minutos_hora_aula
        units.append(unit)
    return {"version": VERSION, "units": units}


def case_body(rows: list[dict[str, Any]], run: int) -> dict[str, Any]:
    _, origens = build(rows, run + 1)
    random.Random(run).shuffle(origens)
    courses = []
    for o in origens:
        w = o.workload
        course = {"codigo": o.code, "nome": o.name[:300], "carga_horaria": w.amount, "unidade_carga": w.unit.value,
                  "ementa": o.ementa, "aprovado": True}
        if w.minutos_hora_aula is not None:
            course["minutos_hora_aula"] = w.minutos_hora_aula
        if o.year is not None:
            course["ano"] = o.year
        courses.append(course)
    return {"historico": courses, "curriculo": {"versao": VERSION}, "politica": POLICY, "assincrono": True}


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process tree so far (its live processes)."""
    total = 0.0
    for process in _tree(pid):
        try:
            total += sum(process.cpu_times()[:2])
        except psutil.NoSuchProcess:
            continue
    return total


def count(connection: psycopg.Connection[Any], query: str) -> int:
    row = connection.execute(query).fetchone()  # type: ignore[arg-type]
    return int(row[0]) if row else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    rows = load(args.data_dir)
    bodies = [case_body(rows, i) for i in range(args.cases)]
    with ExitStack() as stack:
        db_name = stack.enter_context(throwaway_database())
        namespace = stack.enter_context(redis_namespace(args.redis_url))
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        env = run_env(db_name, args.redis_url, namespace, tmp)
        cli(env, tmp, "migrate")
        cli(env, tmp, "seed")
        started = Started(env, tmp)
        stack.callback(started.stop_all)
        port = free_port()
        server = started.start("serve", "--port", str(port), "--log-level", "warning")
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, server)
        worker = started.start("worker", "--processes", str(args.processes), "--threads", "1")
        wait_workers_ready(started, 1, args.processes, timeout=300)
        pg = f"postgresql://postgres@127.0.0.1:5432/{db_name}"
        with RssSampler(worker.pid) as rss, httpx.Client(base_url=base, headers=HEADERS, timeout=120) as client:
            created = client.post("/admin/curricula", json=curriculum(rows))
            assert created.status_code == 201, created.text
            worker_cpu0, server_cpu0 = cpu_seconds(worker.pid), cpu_seconds(server.pid)
            t0 = time.monotonic()
            for body in bodies:
                answer = client.post("/v1/cases", json=body)
                assert answer.status_code == 202, answer.text
            posted = time.monotonic() - t0
            with psycopg.connect(pg, autocommit=True) as connection:
                while True:
                    done = count(connection, "SELECT count(*) FROM cases")
                    failed = count(connection, "SELECT count(*) FROM jobs WHERE status IN ('failed', 'dead_lettered')")
                    if done + failed >= args.cases:
                        break
                    time.sleep(0.2)
                elapsed = time.monotonic() - t0
                worker_cpu, server_cpu = cpu_seconds(worker.pid) - worker_cpu0, cpu_seconds(server.pid) - server_cpu0
                latencies = [
                    row[0] for row in connection.execute(
                        "SELECT extract(epoch FROM c.created_at - j.created_at) FROM cases c JOIN jobs j ON j.job_id = c.case_id"
                    ).fetchall()
                ]
    latencies = sorted(float(x) for x in latencies)
    print(json.dumps({
        "cases": args.cases,
        "worker_processes": args.processes,
        "posting_s": round(posted, 2),
        "elapsed_s": round(elapsed, 2),
        "cases_per_s": round(done / elapsed, 2),
        "target_cases_per_s": 5,
        "latency_p50_s": round(percentile(latencies, 0.5), 2) if latencies else None,
        "latency_p95_s": round(percentile(latencies, 0.95), 2) if latencies else None,
        "failed": failed,
        # CPU per case: steadier than cases/s on a machine shared with other work
        "worker_cpu_ms_per_case": round(1000 * worker_cpu / max(1, done)),
        "server_cpu_ms_per_case": round(1000 * server_cpu / max(1, done)),
        "peak_rss_mb_per_process": {str(pid): round(mb) for pid, mb in rss.peaks.items()},
        "target_rss_mb": 300,
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
