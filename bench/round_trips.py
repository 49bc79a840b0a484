"""Round trips and CPU per cold evaluation, counted, not timed (steady on a shared machine).

Starts the service (1 worker, PostgreSQL throwaway database, a private `redis-server` on a free
port), sends --warm cold requests, then --count more one at a time, each with ementas no earlier
request carried. Reports per evaluation: PostgreSQL transactions of the database (commits and
rollbacks, `pg_stat_database`), Redis commands by name (`INFO commandstats` of the private
server), and server CPU ms (the service's processes, without PostgreSQL).

  python bench/round_trips.py --count 100
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil
import psycopg
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_data import BodySource  # noqa: E402
from bench_servers import BENCH_KEY, PG_ADMIN, free_port, started_service, throwaway_database  # noqa: E402


def _transactions(db_name: str) -> int:
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute("SELECT pg_stat_clear_snapshot()")
        row = connection.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s", (db_name,)
        ).fetchone()
    return int(row[0]) if row else 0


def _commands(client: redis.Redis) -> dict[str, int]:
    stats = client.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in stats.items()}


def _cpu_s(pid: int) -> float:
    root = psutil.Process(pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        times = process.cpu_times()
        total += times.user + times.system
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--warm", type=int, default=10)
    args = parser.parse_args(argv)
    if shutil.which("redis-server") is None:
        print("redis-server not found", file=sys.stderr)
        return 2
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="eqv-rt-")
    redis_server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(port=port)
        for _ in range(50):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        source = BodySource("cold")
        with throwaway_database() as db_name, started_service("postgres", 1, db_name, f"redis://127.0.0.1:{port}/0") as (url, pid):
            headers = {"X-API-Key": BENCH_KEY}
            with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
                for body in source.next(args.warm):
                    http.post("/v1/equivalences/evaluate", json=body).raise_for_status()
                bodies = source.next(args.count)
                time.sleep(1.5)  # PostgreSQL flushes backend statistics about once a second
                xacts, commands, cpu = _transactions(db_name), _commands(client), _cpu_s(pid)
                for body in bodies:
                    http.post("/v1/equivalences/evaluate", json=body).raise_for_status()
                cpu = _cpu_s(pid) - cpu
                time.sleep(1.5)
                xacts = _transactions(db_name) - xacts
                after = _commands(client)
        n = args.count
        per_command = {k: round((v - commands.get(k, 0)) / n, 2) for k, v in sorted(after.items()) if v - commands.get(k, 0)}
        per_command.pop("info", None)
        print(json.dumps({
            "evaluations": n,
            "pg_transactions_per_eval": round(xacts / n, 2),
            "redis_commands_per_eval": per_command,
            "server_cpu_ms_per_eval": round(cpu * 1000 / n, 2),
        }))
    finally:
        redis_server.terminate()
        redis_server.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
