"""Load benchmark of POST /v1/equivalences/evaluate next to its floor (prints figures; asserts nothing).

--mode cold (default): every request carries two ementas no earlier request of the run carried
  (1,500-2,500 characters, recombined from the dev and dev2 ementas; bench/bench_data.py), so
  every mapping misses the mapping cache, as for a transcript whose courses are new.
--mode warm: the 200 dev pairs cycled; after the warm-up every mapping is a cache hit (a
  curriculum the service has seen). Quote both: warm alone flatters the service.

For each connection count (--connections) and round (--rounds) the service ("ours") and the
floor (bench/floor_app.py: parse the same body, commit one ~3 KB row with psycopg 3, nothing
else; same uvicorn settings and process count; its own table in the same throwaway database) are
driven in turn, the order alternating, closed loop for --duration s each with wrk
(bench/wrk_evaluate.lua; `apt-get install -y wrk`; found on PATH, else --generator python, whose
own CPU competes with the servers'). Then an open loop (Python) offers --rate req/s to each for
--duration s: p50/p99 at that load. No request waits in the generator (OPEN_LOOP_CLIENTS clients,
no connection limit); `send_lag_p99_ms`/`send_lag_max_ms` say how late requests left it, and
the phase's figures hold only while those stay small. Every request has a new request_id (no
idempotent replay).
Each phase reports CPU ms per request: the server processes plus their PostgreSQL backends
(psutil; PostgreSQL's shared background processes are not counted), the load generator's CPU
and how busy the whole machine was. Bodies are built before each phase starts. A final table
compares ours with the floor; the RSS of both follows. The Redis mapping cache is shared and
outlives a run: cold mode deletes the entries an earlier run left for a phase's ementas before
the phase, and every run deletes the entries of all the ementas it sent at the end.

  python bench/evaluate_load.py --start-server postgres                  # cold, 1/4/16/64 connections, floor
  python bench/evaluate_load.py --start-server postgres --mode warm --connections 16 --duration 5
  python bench/evaluate_load.py --url http://127.0.0.1:8000 --api-key KEY --server-pid PID   # no floor
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import resource
import shutil
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_data import DEFAULT_DATA, BodySource, CacheJanitor
from bench_servers import (  # noqa: F401 - BENCH_KEY, ROOT and free_port are imported by batch_load
    BENCH_KEY,
    ROOT,
    CpuMeter,
    free_port,
    rss_mb,
    started_floor,
    started_service,
    throwaway_database,
)

Bodies = list[dict[str, Any]]
WARMUP_BODIES = 1_000


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def summary(latencies: list[float], errors: int, elapsed: float) -> dict[str, Any]:
    return {
        "requests": len(latencies),
        "errors": errors,
        "throughput_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else None,
    }


JSON_BODY = {"Content-Type": "application/json"}


def encoded(body: dict[str, Any]) -> bytes:
    """A request's bytes with a request_id of its own, built before the clock starts: encoding a
    ~5 KB body is the generator's work, not the service's latency."""
    return json.dumps({**body, "request_id": f"bench-{uuid.uuid4().hex}"}, ensure_ascii=False).encode()


async def one(client: httpx.AsyncClient, body: dict[str, Any] | bytes, latencies: list[float], statuses: dict[str, int] | None = None) -> bool:
    """One request (a body, or its bytes from `encoded`); False for anything but 200. `statuses`
    counts the others by status (or by the client error, e.g. ReadError: the server closed the
    connection), so a run never dies of one."""
    content = body if isinstance(body, bytes) else encoded(body)
    started = time.perf_counter()
    try:
        response = await client.post("/v1/equivalences/evaluate", content=content, headers=JSON_BODY)
    except httpx.HTTPError as exc:
        outcome = type(exc).__name__
    else:
        latencies.append(time.perf_counter() - started)
        outcome = str(response.status_code)
    if statuses is not None and outcome != "200":
        statuses[outcome] = statuses.get(outcome, 0) + 1
    return outcome == "200"


async def closed_loop(url: str, key: str, bodies: Bodies, concurrency: int, duration: float) -> dict[str, Any]:
    """Python closed loop: bodies taken in order (wrapping when the phase outlasts them)."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + duration
    order = itertools.cycle(bodies)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": key}, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                if not await one(client, next(order), latencies):
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return {"phase": "closed loop (python)", "connections": concurrency, **summary(latencies, errors, time.perf_counter() - started)}


async def wrk_closed_loop(url: str, key: str, bodies: Bodies, concurrency: int, duration: float) -> dict[str, Any]:
    """The closed loop with wrk and bench/wrk_evaluate.lua (fresh request_id per request; a request
    counts as an error after 60 s, not wrk's default 2 s, so slow answers stay in the latencies)."""
    bodies_file = Path(f"/tmp/eqv-bench-bodies-{uuid.uuid4().hex[:8]}.jsonl")
    bodies_file.write_text("\n".join(json.dumps(b, ensure_ascii=False) for b in bodies) + "\n")
    threads = min(2, concurrency)  # wrk needs at least one connection per thread
    env = {**os.environ, "EQV_BODIES": str(bodies_file), "EQV_API_KEY": key, "EQV_RUN_ID": uuid.uuid4().hex[:12],
           "EQV_WRK_THREADS": str(threads)}
    command = ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{int(duration)}s", "--timeout", "60s", "-s", str(ROOT / "bench" / "wrk_evaluate.lua"), url]
    try:
        process = await asyncio.create_subprocess_exec(*command, env=env, stdout=asyncio.subprocess.PIPE)
        output, _ = await process.communicate()
    finally:
        bodies_file.unlink(missing_ok=True)
    row = json.loads(output.decode().strip().splitlines()[-1])
    return {"phase": "closed loop (wrk)", "connections": concurrency, **row, "errors": row["non_2xx"] + row["socket_errors"]}


OPEN_LOOP_CLIENTS = 50
"""The open loop spreads its requests over this many clients, none with a connection limit.

One client capped at httpx's default 100 connections queued every request beyond them in its
pool, and httpcore reassigns its queue by scanning every connection for every queued request
(`AsyncConnectionPool._assign_requests_to_connections`) on each request start and end: with the
service behind the offered rate, hundreds of requests queued and the generator spent its CPU
there (22 s in one 10 s phase, py-spy) instead of sending. The service sat idle, connections it
had accepted got no headers within EQV_HTTP_HEADER_TIMEOUT_S (ReadError), and the rest failed
with PoolTimeout and ConnectTimeout: what looked like the service stopping for a minute at
100 req/s offered. Unlimited connections over many small pools keep that scan short, so every
request is sent when it is due and the service's own queueing is what the latencies show."""


async def open_loop(url: str, key: str, bodies: Bodies, rate: float, duration: float) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    lags: list[float] = []  # how late each request left the generator: figures are valid only if small
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    clients = [
        httpx.AsyncClient(base_url=url, headers={"X-API-Key": key}, limits=limits, timeout=60)
        for _ in range(OPEN_LOOP_CLIENTS)
    ]

    payloads = [encoded(bodies[i % len(bodies)]) for i in range(int(rate * duration))]

    async def due(i: int, at: float) -> bool:
        lags.append(time.perf_counter() - at)
        return await one(clients[i % len(clients)], payloads[i], latencies, statuses)

    try:
        tasks = []
        started = time.perf_counter()
        for i in range(len(payloads)):
            at = started + i / rate
            delay = at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(due(i, at)))
        results = list(await asyncio.gather(*tasks))
        elapsed = time.perf_counter() - started
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))
    return {"phase": "open loop", "offered_rps": rate, "non_200": statuses,
            "send_lag_p99_ms": round(percentile(lags, 0.99) * 1000, 1), "send_lag_max_ms": round(max(lags, default=0) * 1000, 1),
            **summary(latencies, results.count(False), elapsed)}


@dataclass
class Target:
    name: str  # "ours" or "floor"
    url: str
    key: str
    meter: CpuMeter
    pid: int | None


def _own_cpu() -> float:
    """CPU seconds of this script and its finished children (wrk)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


async def measured(target: Target, phase: Awaitable[dict[str, Any]], distinct_bodies: int | None) -> dict[str, Any]:
    """Run a phase; add CPU ms per request (server + its PostgreSQL backends), load generator and machine load."""
    target.meter.start()
    machine_before, own_before = psutil.cpu_times(), _own_cpu()
    row = {"target": target.name, **(await phase)}
    used, machine_after = target.meter.stop(), psutil.cpu_times()
    if target.pid is not None and row["requests"]:
        row["app_cpu_ms_per_req"] = round(used["app"] * 1000 / row["requests"], 2)
        if target.meter.db_name is not None:
            row["pg_cpu_ms_per_req"] = round(used["postgres"] * 1000 / row["requests"], 2)
        row["cpu_ms_per_req"] = round((used["app"] + used["postgres"]) * 1000 / row["requests"], 2)
    busy = [sum(t) - t.idle - t.iowait for t in (machine_before, machine_after)]
    total = sum(machine_after) - sum(machine_before)
    row["machine_busy_pct"] = round(100 * (busy[1] - busy[0]) / total, 1) if total > 0 else None
    row["load_generator_cpu_s"] = round(_own_cpu() - own_before, 1)
    if distinct_bodies is not None and target.name == "ours":
        row["repeated_bodies"] = max(0, row["requests"] - distinct_bodies)  # > 0: raise --max-rps
    print(json.dumps(row), flush=True)
    return row


def _table(rows: list[dict[str, Any]]) -> str:
    def cell(row: dict[str, Any] | None, key: str) -> str:
        return "–" if row is None or row.get(key) is None else f"{row[key]:g}"

    closed = [r for r in rows if r["phase"].startswith("closed")]
    lines = ["| round | connections | ours req/s | floor req/s | ours/floor | ours CPU ms/req (pg) | floor CPU ms/req (pg) | ours p99 ms | floor p99 ms |",
             "|---|---|---|---|---|---|---|---|---|"]
    for (rnd, connections), group in itertools.groupby(closed, key=lambda r: (r["round"], r["connections"])):
        by = {r["target"]: r for r in group}
        ours, floor = by.get("ours"), by.get("floor")
        ratio = f"{ours['throughput_rps'] / floor['throughput_rps']:.2f}" if ours and floor and floor["throughput_rps"] else "–"
        lines.append(f"| {rnd} | {connections} | {cell(ours, 'throughput_rps')} | {cell(floor, 'throughput_rps')} | {ratio} | "
                     f"{cell(ours, 'cpu_ms_per_req')} ({cell(ours, 'pg_cpu_ms_per_req')}) | "
                     f"{cell(floor, 'cpu_ms_per_req')} ({cell(floor, 'pg_cpu_ms_per_req')}) | {cell(ours, 'p99_ms')} | {cell(floor, 'p99_ms')} |")
    lines += ["", "| target | offered req/s | completed req/s | p50 ms | p99 ms | errors | CPU ms/req (pg) |", "|---|---|---|---|---|---|---|"]
    for r in (r for r in rows if r["phase"] == "open loop"):
        lines.append(f"| {r['target']} | {r['offered_rps']:g} | {r['throughput_rps']:g} | {r['p50_ms']:g} | {r['p99_ms']:g} | "
                     f"{r['errors']} | {cell(r, 'cpu_ms_per_req')} ({cell(r, 'pg_cpu_ms_per_req')}) |")
    return "\n".join(lines)


async def run(targets: list[Target], args: argparse.Namespace) -> None:
    source, janitor = BodySource(args.mode, args.data_dir, args.seed), CacheJanitor(args.redis_url or None)
    try:
        await _phases(targets, args, source, janitor)
    finally:
        print(json.dumps({"mapping_cache_entries_deleted_at_end": janitor.forget_all()}))
    for target in targets:
        if target.pid is not None:
            print(json.dumps({"target": target.name, "server_rss": rss_mb(target.pid)}))


async def _phases(targets: list[Target], args: argparse.Namespace, source: BodySource, janitor: CacheJanitor) -> None:
    cold = args.mode == "cold"

    def bodies_for(count: int) -> Bodies:
        """The next bodies; cold: entries an earlier run left in the shared cache for them are deleted first."""
        bodies = source.next(count)
        stale = janitor.forget(bodies) if cold else 0
        if stale:
            print(json.dumps({"stale_mapping_cache_entries_deleted": stale}))
        return bodies

    if not cold:
        janitor.remember(source.next(0))  # the dev ementas: deleted at the end
    for target in targets:  # warm-up: imports, pools, taxonomy load (cold: with ementas the phases never send)
        await closed_loop(target.url, target.key, bodies_for(WARMUP_BODIES), 4, 2.0)
    use_wrk = args.generator == "wrk" or (args.generator == "auto" and shutil.which("wrk"))
    loop = wrk_closed_loop if use_wrk else closed_loop
    rows = []
    for rnd in range(1, args.rounds + 1):
        for index, connections in enumerate(args.connections):
            bodies = bodies_for(math.ceil(args.max_rps * args.duration))  # ours and floor send the same bodies
            order = targets if (rnd + index) % 2 else targets[::-1]
            for target in order:
                phase = loop(target.url, target.key, bodies, connections, args.duration)
                rows.append({"round": rnd, **await measured(target, phase, len(bodies) if cold else None)})
    bodies = bodies_for(math.ceil(args.rate * args.duration))
    for target in targets:
        rows.append(await measured(target, open_loop(target.url, target.key, bodies, args.rate, args.duration), len(bodies) if cold else None))
    print()
    print(_table(rows))
    print()


def _counts(text: str) -> list[int]:
    counts = [int(part) for part in text.split(",") if part.strip()]
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("a comma-separated list of positive integers, e.g. 1,4,16,64")
    return counts


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["cold", "warm"], default="cold", help="distinct ementas per request (cold) or the dev pairs cycled (warm)")
    parser.add_argument("--start-server", choices=["postgres", "sqlite"], default=None, help="start the service (and, on postgres, the floor) over a throwaway database")
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="a running service (without --start-server; no floor)")
    parser.add_argument("--api-key", default=os.environ.get("EQV_API_KEY", BENCH_KEY))
    parser.add_argument("--server-pid", type=int, default=None, help="the running service's pid, for its CPU and RSS")
    parser.add_argument("--workers", type=int, default=2, help="API processes of the service and the floor when started")
    parser.add_argument("--no-floor", action="store_true", help="do not start the floor")
    parser.add_argument("--connections", type=_counts, default=[1, 4, 16, 64], help="closed-loop connection counts (default 1,4,16,64)")
    parser.add_argument("--rounds", type=int, default=1, help="repeat the closed-loop sweep (order alternates)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase (default 10)")
    parser.add_argument("--rate", type=float, default=100.0, help="open-loop offered req/s (default 100)")
    parser.add_argument("--max-rps", type=float, default=1000.0, help="cold: distinct bodies per closed-loop phase = max-rps x duration")
    parser.add_argument("--seed", type=int, default=2026, help="cold: seed of the generated ementas")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA, help=f"dev data (default {DEFAULT_DATA})")
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--server-log", type=Path, default=None, help="with --start-server: keep the service's log (JSON lines) in this file")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="with --start-server postgres ('' for none)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    BodySource(args.mode, args.data_dir, args.seed)  # a missing data file stops here, with its name
    with ExitStack() as stack:
        if not args.start_server:
            meter = CpuMeter(args.server_pid)
            asyncio.run(run([Target("ours", args.url, args.api_key, meter, args.server_pid)], args))
            return
        db_name = stack.enter_context(throwaway_database()) if args.start_server == "postgres" else None
        url, pid = stack.enter_context(
            started_service(args.start_server, args.workers, db_name, args.redis_url or None, args.server_log)
        )
        targets = [Target("ours", url, BENCH_KEY, CpuMeter(pid, db_name), pid)]
        if db_name is not None and not args.no_floor:
            floor_url, floor_pid = stack.enter_context(started_floor(db_name, args.workers))
            targets.append(Target("floor", floor_url, "", CpuMeter(floor_pid, db_name, floor=True), floor_pid))
        print(json.dumps({"runtime": args.start_server, "mode": args.mode, "redis": bool(args.redis_url), "workers": args.workers,
                          "floor": len(targets) > 1, "cpus": os.cpu_count(), "load_average": os.getloadavg(),
                          "pids": {t.name: t.pid for t in targets}}), flush=True)
        asyncio.run(run(targets, args))


if __name__ == "__main__":
    main()
