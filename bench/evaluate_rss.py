"""Memory of an API process under cold evaluations (prints figures; asserts nothing).

Starts `equivalence serve` (one API process by default) over a throwaway PostgreSQL database and
Redis, as deployed, then sends --evaluations POST /v1/equivalences/evaluate requests, each with
two ementas no earlier request carried (bench/bench_data.py, cold mode), from --clients threads.
Prints the RSS of the API process (and of the whole serve tree) when ready and every --every
evaluations, then the peak. The caches of an API process are bounded, so the RSS must level off:
issue 16's target is <= 200 MB per process.

  python bench/evaluate_rss.py                          # 8,000 cold evaluations, RSS every 1,000
  python bench/evaluate_rss.py --evaluations 2000 --every 500 --runtime sqlite
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_data import DEFAULT_DATA, CacheJanitor, ColdBodies
from bench_servers import BENCH_KEY, started_service, throwaway_database


def rss(serve_pid: int) -> dict[str, float]:
    """MB of the processes that answer requests (serve's uvicorn children, or serve itself when
    it has none), of serve itself, and of the whole tree."""
    root = psutil.Process(serve_pid)
    children = [p.memory_info().rss / 2**20 for p in root.children(recursive=True)]
    own = root.memory_info().rss / 2**20
    return {"api_process_max_mb": round(max(children or [own]), 1), "serve_supervisor_mb": round(own, 1),
            "tree_total_mb": round(own + sum(children), 1)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=8000)
    parser.add_argument("--every", type=int, default=1000, help="print the RSS every this many evaluations")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=1, help="API processes")
    parser.add_argument("--runtime", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="postgres runtime ('' for none)")
    parser.add_argument("--seed", type=int, default=int(time.time()), help="seed of the generated ementas")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--server-log", type=Path, default=None, help="keep the service's log (JSON lines) in this file")
    args = parser.parse_args(argv)
    bodies = ColdBodies(args.data_dir, args.seed)
    redis_url = args.redis_url or None if args.runtime == "postgres" else None
    janitor = CacheJanitor(redis_url)
    with ExitStack() as stack:
        db_name = stack.enter_context(throwaway_database()) if args.runtime == "postgres" else None
        url, pid = stack.enter_context(started_service(args.runtime, args.workers, db_name, redis_url, args.server_log))
        client = stack.enter_context(httpx.Client(base_url=url, headers={"X-API-Key": BENCH_KEY}, timeout=120))
        print(json.dumps({"runtime": args.runtime, "workers": args.workers, "clients": args.clients, "cpus": os.cpu_count(),
                          "load_average": [round(x, 1) for x in os.getloadavg()], "evaluations": 0, **rss(pid)}), flush=True)
        peak = 0.0
        statuses: Counter[int] = Counter()

        def evaluate(body: dict[str, object]) -> int:
            return client.post("/v1/equivalences/evaluate", json=body).status_code

        started = time.monotonic()
        with ThreadPoolExecutor(args.clients) as pool:
            for start in range(0, args.evaluations, args.every):
                batch = [bodies.body(i) | {"request_id": f"rss-{uuid.uuid4().hex}"} for i in range(start, min(start + args.every, args.evaluations))]
                janitor.remember(batch)
                statuses.update(pool.map(evaluate, batch))
                figures = rss(pid)
                peak = max(peak, figures["api_process_max_mb"])
                print(json.dumps({"evaluations": min(start + args.every, args.evaluations),
                                  "seconds": round(time.monotonic() - started, 1), **figures}), flush=True)
        janitor.forget_all()
        print(json.dumps({"peak_api_process_rss_mb": peak, "statuses": statuses,
                          "load_average": [round(x, 1) for x in os.getloadavg()]}), flush=True)


if __name__ == "__main__":
    main()
