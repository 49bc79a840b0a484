"""Load benchmark of POST /v1/equivalences/evaluate (prints figures; asserts nothing).

Two phases against a running server:
  1. closed loop: --concurrency clients send back-to-back for --duration s -> max throughput.
     Driven by wrk (apt-get install wrk) when it is installed: a Python load generator on
     this 2-core machine eats the CPU the server is being measured on (--generator python
     forces it anyway, and shows its own CPU use);
  2. open loop: requests offered at --rate per second for --duration s -> latency at that load
     (Python; at 100 req/s it costs little CPU).
Every request carries a new request_id (no idempotent replay); pairs come from the shared
dev data, so ementas repeat as a real curriculum's do (the mapping cache is part of the system).

  python bench/evaluate_load.py --start-server postgres   # throwaway PG database, 2 workers
  python bench/evaluate_load.py --url http://127.0.0.1:8000 --api-key KEY --server-pid PID
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
BENCH_KEY = "eqv_live_bench-key-0123456789abcdefghij"


def load_pairs() -> list[dict[str, Any]]:
    ementas = {e["id"]: e for e in map(json.loads, (DATA / "ementas_dev.jsonl").read_text().splitlines())}
    bodies = []
    for pair in map(json.loads, (DATA / "pairs_dev.jsonl").read_text().splitlines()):
        o, d = ementas[pair["origem_id"]], ementas[pair["destino_id"]]
        hours = d["hours"] or 60
        bodies.append(
            {
                "origem": {"nome": o["course_name"], "carga_horaria": hours, "ementa": o["ementa"], "aprovado": True},
                "destino": {"nome": d["course_name"], "carga_horaria": hours, "ementa": d["ementa"]},
            }
        )
    return bodies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def summary(name: str, latencies: list[float], errors: int, elapsed: float) -> dict[str, Any]:
    return {
        "phase": name,
        "requests": len(latencies),
        "errors": errors,
        "throughput_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else None,
    }


async def one(client: httpx.AsyncClient, body: dict[str, Any], latencies: list[float]) -> bool:
    started = time.perf_counter()
    response = await client.post("/v1/equivalences/evaluate", json={**body, "request_id": f"bench-{uuid.uuid4().hex}"})
    latencies.append(time.perf_counter() - started)
    return response.status_code == 200


async def closed_loop(url: str, key: str, bodies: list[dict[str, Any]], concurrency: int, duration: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": key}, limits=limits, timeout=30) as client:

        async def worker(seed: int) -> None:
            nonlocal errors
            rng = random.Random(seed)
            while time.perf_counter() < deadline:
                if not await one(client, rng.choice(bodies), latencies):
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        return summary(f"closed loop, {concurrency} clients", latencies, errors, time.perf_counter() - started)


async def open_loop(url: str, key: str, bodies: list[dict[str, Any]], rate: float, duration: float) -> dict[str, Any]:
    latencies: list[float] = []
    results: list[bool] = []
    rng = random.Random(7)
    async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": key}, timeout=30) as client:
        tasks = []
        started = time.perf_counter()
        for i in range(int(rate * duration)):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(client, rng.choice(bodies), latencies)))
        results = list(await asyncio.gather(*tasks))
        return summary(f"open loop, {rate:g} req/s offered", latencies, results.count(False), time.perf_counter() - started)


def rss_mb(pid: int) -> dict[str, float]:
    root = psutil.Process(pid)
    processes = [root, *root.children(recursive=True)]
    sizes = [p.memory_info().rss / 2**20 for p in processes if p.is_running()]
    return {"max_process_rss_mb": round(max(sizes), 1), "total_rss_mb": round(sum(sizes), 1), "processes": len(sizes)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def started_server(runtime: str, workers: int, redis_url: str | None = None) -> Iterator[tuple[str, int]]:
    """A throwaway database (PostgreSQL or SQLite), migrated and seeded, served by `equivalence serve`."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"EQV_BOOTSTRAP_API_KEY": BENCH_KEY, "API_KEY_PEPPER": "bench-pepper-0123456789", "PYTHONPATH": str(ROOT)}
    tmp = Path(f"/tmp/eqv-bench-{uuid.uuid4().hex[:8]}")
    env["EQV_VAR_DIR"] = str(tmp / "var")
    db_name = f"eqv_bench_{uuid.uuid4().hex[:10]}"
    if runtime == "postgres":
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f'CREATE DATABASE "{db_name}"'], check=True)
        env["DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:5432/{db_name}"
        if redis_url:  # the full runtime as deployed: Redis is the broker and the mapping cache
            env |= {"REDIS_URL": redis_url, "EQV_QUEUE_NAMESPACE": f"eqv-bench-{uuid.uuid4().hex[:8]}"}
        cli = [sys.executable, "-m", "entrypoints.cli"]
        subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
        subprocess.run([*cli, "seed"], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield url, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)
        if runtime == "postgres":
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'], check=False)
        subprocess.run(["rm", "-rf", str(tmp)], check=False)


def cpu_seconds(pid: int | None) -> float:
    """CPU time of a process and its children (the API workers), or 0 when unknown."""
    if pid is None:
        return 0.0
    root = psutil.Process(pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        times = process.cpu_times()
        total += times.user + times.system
    return total


async def measured(phase, pid: int | None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Run a phase and add where the CPU went: server ms per request, load generator share."""
    me = psutil.Process()
    server_before, client_before = cpu_seconds(pid), sum(me.cpu_times()[:2])
    row = await phase
    if pid is not None and row["requests"]:
        row["server_cpu_ms_per_request"] = round((cpu_seconds(pid) - server_before) * 1000 / row["requests"], 2)
    row["load_generator_cpu_s"] = round(sum(me.cpu_times()[:2]) - client_before, 1)
    return row


async def wrk_closed_loop(url: str, key: str, bodies: list[dict[str, Any]], concurrency: int, duration: float) -> dict[str, Any]:
    """The closed loop with wrk and bench/wrk_evaluate.lua (fresh request_id per request)."""
    bodies_file = Path(f"/tmp/eqv-bench-bodies-{uuid.uuid4().hex[:8]}.jsonl")
    bodies_file.write_text("\n".join(json.dumps(b, ensure_ascii=False) for b in bodies) + "\n")
    env = {**os.environ, "EQV_BODIES": str(bodies_file), "EQV_API_KEY": key}
    command = ["wrk", "-t2", f"-c{concurrency}", f"-d{int(duration)}s", "-s", str(ROOT / "bench" / "wrk_evaluate.lua"), url]
    try:
        process = await asyncio.create_subprocess_exec(*command, env=env, stdout=asyncio.subprocess.PIPE)
        output, _ = await process.communicate()
    finally:
        bodies_file.unlink(missing_ok=True)
    row = json.loads(output.decode().strip().splitlines()[-1])
    errors = row.pop("non_2xx") + row.pop("socket_errors")
    return {"phase": f"closed loop (wrk), {concurrency} connections", **row, "errors": errors}


async def run(url: str, key: str, pid: int | None, args: argparse.Namespace) -> None:
    bodies = load_pairs()
    await closed_loop(url, key, bodies, 4, 2.0)  # warm-up: caches, connection pools
    use_wrk = args.generator == "wrk" or (args.generator == "auto" and shutil.which("wrk"))
    loop = wrk_closed_loop if use_wrk else closed_loop
    report = [await measured(loop(url, key, bodies, args.concurrency, args.duration), pid)]
    report.append(await measured(open_loop(url, key, bodies, args.rate, args.duration), pid))
    for row in report:
        print(json.dumps(row))
    if pid is not None:
        print(json.dumps({"server_rss": rss_mb(pid)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--api-key", default=os.environ.get("EQV_API_KEY", BENCH_KEY))
    parser.add_argument("--server-pid", type=int, default=None)
    parser.add_argument("--start-server", choices=["postgres", "sqlite"], default=None)
    parser.add_argument("--workers", type=int, default=2, help="API processes when --start-server")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/0", help="with --start-server postgres ('' for none)"
    )
    args = parser.parse_args()
    if args.start_server:
        with started_server(args.start_server, args.workers, args.redis_url or None) as (url, pid):
            print(json.dumps({"runtime": args.start_server, "redis": bool(args.redis_url), "workers": args.workers, "cpus": os.cpu_count()}))
            asyncio.run(run(url, BENCH_KEY, pid, args))
    else:
        asyncio.run(run(args.url, args.api_key, args.server_pid, args))


if __name__ == "__main__":
    main()
