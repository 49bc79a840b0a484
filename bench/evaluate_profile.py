"""Where one cold evaluation's CPU goes, in one process (prints figures; asserts nothing).

Builds the full runtime in this process (a throwaway PostgreSQL database, migrated and seeded;
Redis as mapping cache and rate limiter unless --redis-url ''), then sends --count cold
evaluations one at a time through the whole HTTP stack (Litestar TestClient: auth, rate limit,
mapping, scoring, store and audit). Prints CPU ms per evaluation of this process (PostgreSQL's
backend not included). Run it under py-spy for the breakdown, every thread counted while it
holds the GIL:

  py-spy record --gil --rate 250 --format raw -o /tmp/p.txt -- python bench/evaluate_profile.py --count 300
  python bench/profile_summary.py /tmp/p.txt

--mode warm repeats one ementa pair (every mapping a cache hit): what the web path, auth and
storage cost without mapping.

The app is built as `equivalence serve` builds each API process (`serve_app`: its start-up heap
frozen once the mappers are warm, ADR 0044); --no-heap-freeze builds it as before. The
collector's passes during the measured part are printed per generation: how many, their CPU
(thread time of the collecting thread) in total and at most. A full pass (generation 2) holds
the GIL, so its length is a pause every request in the process waits out:

  python bench/evaluate_profile.py --count 1500 --redis-url ''
  python bench/evaluate_profile.py --count 1500 --redis-url '' --no-heap-freeze
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_data import DEFAULT_DATA, BodySource, CacheJanitor  # noqa: E402
from bench_servers import BENCH_KEY, ROOT, throwaway_database  # noqa: E402

sys.path.insert(0, str(ROOT))  # this checkout's code, whatever another checkout installed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--warm", type=int, default=20, help="requests before measuring")
    parser.add_argument("--mode", choices=["cold", "warm"], default="cold")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--no-heap-freeze", action="store_true", help="build the app without freezing its start-up heap")
    args = parser.parse_args(argv)
    bodies = BodySource("cold", args.data_dir).next(args.warm + args.count)
    if args.mode == "warm":
        bodies = [bodies[0]] * len(bodies)
    janitor = CacheJanitor(args.redis_url or None)
    janitor.forget(bodies)
    with throwaway_database() as db_name:
        env = {"EQV_BOOTSTRAP_API_KEY": BENCH_KEY, "API_KEY_PEPPER": "bench-pepper-0123456789",
               "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{db_name}",
               "EQV_VAR_DIR": f"/tmp/eqv-profile-{uuid.uuid4().hex[:8]}"}
        if args.redis_url:
            env |= {"REDIS_URL": args.redis_url, "EQV_QUEUE_NAMESPACE": f"eqv-profile-{uuid.uuid4().hex[:8]}"}
        os.environ.pop("REDIS_URL", None)
        os.environ.update(env)
        cli = [sys.executable, "-m", "entrypoints.cli"]
        child_env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run([*cli, "migrate"], env=child_env, check=True, capture_output=True, cwd=ROOT)
        subprocess.run([*cli, "seed"], env=child_env, check=True, capture_output=True, cwd=ROOT)
        from litestar.testing import TestClient

        from entrypoints.asgi import create_app

        headers = {"X-API-Key": BENCH_KEY}
        collections = CollectorPasses()
        with TestClient(create_app(freeze_heap=not args.no_heap_freeze)) as client:
            statuses: dict[int, int] = {}
            for i, body in enumerate(bodies):
                if i == args.warm:
                    if not args.no_heap_freeze:
                        wait_for_frozen_heap()
                    collections.start()
                    cpu, wall = time.process_time(), time.perf_counter()
                body = {**body, "request_id": uuid.uuid4().hex}
                status = client.post("/v1/equivalences/evaluate", json=body, headers=headers).status_code
                statuses[status] = statuses.get(status, 0) + 1
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            collections.stop()
        janitor.forget_all()
    print(f"{args.mode}: {args.count} evaluations, statuses {statuses}, "
          f"CPU {cpu / args.count * 1000:.2f} ms/evaluation (this process), wall {wall / args.count * 1000:.2f} ms")
    print(f"start-up heap frozen: {gc.get_freeze_count()} objects; garbage collector during the measured part:")
    for line in collections.report(args.count):
        print(f"  {line}")
    return 0


class CollectorPasses:
    """The collector's passes (generation, CPU seconds of the collecting thread) between start and stop."""

    def __init__(self) -> None:
        self.passes: list[tuple[int, float]] = []
        self._began = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.thread_time()
        else:
            self.passes.append((info["generation"], time.thread_time() - self._began))

    def start(self) -> None:
        gc.callbacks.append(self._callback)

    def stop(self) -> None:
        gc.callbacks.remove(self._callback)

    def report(self, evaluations: int) -> list[str]:
        lines = []
        for generation in (0, 1, 2):
            spent = [cpu for g, cpu in self.passes if g == generation]
            if spent:
                lines.append(f"generation {generation}: {len(spent)} passes, {sum(spent) * 1000:.1f} ms CPU in all, "
                             f"longest {max(spent) * 1000:.1f} ms")
        total = sum(cpu for _, cpu in self.passes)
        lines.append(f"all passes: {total * 1000 / max(evaluations, 1):.3f} ms CPU per evaluation")
        return lines


def wait_for_frozen_heap(deadline_s: float = 120.0) -> None:
    """The freeze runs in the mappers' warm-up thread: measure only once it has."""
    ends = time.monotonic() + deadline_s
    while gc.get_freeze_count() == 0 and time.monotonic() < ends:
        time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main())
