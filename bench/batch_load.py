"""Batch benchmark in the full runtime (prints figures; asserts nothing).

One batch of --items evaluations (default 10,000, each with its own request_id) is submitted to `equivalence serve` and processed by `equivalence worker
--processes 2` over a throwaway PostgreSQL database and a Redis namespace of its own. Prints
one JSON object: submission and processing time, end-to-end items/s (submission to the last
result), p50/p95 item latency (job created_at -> the item's job_items.updated_at, read with SQL
at the end), failed items, and the peak RSS of each worker process (psutil every 0.5 s).
Everything it starts is stopped, the database dropped and the namespace's keys deleted.

--mode cold: every item carries two ementas no other item (and no earlier run's leftover cache
  entry) has: 1,500-2,500 characters recombined from the dev and dev2 ementas by a seeded RNG
  (bench/bench_data.py), so every mapping misses the mapping cache;
--mode warm: the 200 dev pairs cycled (71 ementas: after the first items every mapping hits);
--mode both (default): warm, then cold, each over a fresh database, then one line with both items/s.
Items are built before the clock starts. The shared Redis mapping-cache entries of the items'
ementas are deleted before a cold run and after every run.

  python bench/batch_load.py                    # 10,000 items, both modes, 2 worker processes, 8 threads each
  python bench/batch_load.py --mode cold --items 2000 --processes 2 --threads 4
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_data import DEFAULT_DATA, BodySource, CacheJanitor
from bench_servers import throwaway_database
from evaluate_load import BENCH_KEY, ROOT, free_port, percentile

HEADERS = {"X-API-Key": BENCH_KEY}


def run_env(db_name: str, redis_url: str, namespace: str, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EQV_", "EMBED_", "LLM_"))}
    return env | {
        "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{db_name}",
        "REDIS_URL": redis_url,
        "API_KEY_PEPPER": "bench-pepper-0123456789",
        "EQV_BOOTSTRAP_API_KEY": BENCH_KEY,
        "EQV_QUEUE_NAMESPACE": namespace,
        "EQV_VAR_DIR": str(tmp / "var"),
        "PYTHONPATH": str(ROOT),
    }


@contextmanager
def redis_namespace(redis_url: str) -> Iterator[str]:
    namespace = f"eqv-bench-{uuid.uuid4().hex[:12]}"
    try:
        yield namespace
    finally:
        client = redis.Redis.from_url(redis_url)
        try:
            keys = list(client.scan_iter(f"{namespace}:*", count=1000))
            for start in range(0, len(keys), 1000):
                client.delete(*keys[start : start + 1000])
        finally:
            client.close()


class Started:
    """Processes with output in files; terminated (then killed) at the end, children included."""

    def __init__(self, env: dict[str, str], tmp: Path) -> None:
        self.env, self.tmp = env, tmp
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []  # one per process, same index

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        self.logs.append(self.tmp / f"{args[0]}-{len(self.processes)}.log")
        log = open(self.logs[-1], "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", *args], env=self.env, cwd=self.tmp, stdout=log, stderr=log
        )
        log.close()
        self.processes.append(process)
        return process

    def log(self, index: int) -> str:
        path = self.logs[index]
        return path.read_text(errors="replace") if path.exists() else ""

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                for child in _tree(process.pid)[1:]:
                    child.kill()
                process.kill()
                process.wait(timeout=5)


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def cli(env: dict[str, str], tmp: Path, *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "entrypoints.cli", *args], env=env, cwd=tmp, capture_output=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"equivalence {' '.join(args)} failed: {done.stderr.decode(errors='replace')[-2000:]}")


def wait_healthy(base: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"serve exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("serve never became healthy")


def wait_workers_ready(started: Started, index: int, processes: int, timeout: float = 60.0) -> None:
    """Each worker process prints 'worker: N threads on queue namespace ...' once it consumes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if started.processes[index].poll() is not None:
            raise RuntimeError(f"worker exited with {started.processes[index].returncode}: {started.log(index)[-2000:]}")
        if started.log(index).count("threads on queue namespace") >= processes:
            return
        time.sleep(0.2)
    raise RuntimeError(f"workers not ready after {timeout} s: {started.log(index)[-2000:]}")


class RssSampler:
    """Peak RSS of every process in a tree (the worker supervisor and its children), every 0.5 s."""

    def __init__(self, pid: int, interval: float = 0.5) -> None:
        self.pid, self.interval = pid, interval
        self.peaks: dict[int, float] = {}
        self.peak_total = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> RssSampler:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def sample(self) -> None:
        total = 0.0
        for process in _tree(self.pid):
            try:
                rss = process.memory_info().rss / 2**20
            except psutil.NoSuchProcess:
                continue
            total += rss
            self.peaks[process.pid] = max(self.peaks.get(process.pid, 0.0), rss)
        self.peak_total = max(self.peak_total, total)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()


def postgres_cpu() -> dict[int, float]:
    """CPU seconds of the local PostgreSQL processes (when this user may read them)."""
    seconds = {}
    for process in psutil.process_iter(["name"]):
        if process.info["name"] in ("postgres", "postmaster"):
            try:
                seconds[process.pid] = sum(process.cpu_times()[:2])
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
    return seconds


def build_items(source: BodySource, count: int, run_id: str) -> list[dict[str, Any]]:
    bodies = source.next(count)
    return [{**bodies[i % len(bodies)], "request_id": f"bench-{run_id}-{i:06d}"} for i in range(count)]


def item_latencies(db_url: str, job_id: str) -> dict[str, Any]:
    """Per item: job created_at -> the item's last update (its finish), from the database."""
    with psycopg.connect(db_url, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT extract(epoch FROM i.updated_at - j.created_at), i.status"
            " FROM job_items i JOIN jobs j ON j.job_id = i.job_id WHERE i.job_id = %s",
            (job_id,),
        ).fetchall()
        job = connection.execute(
            "SELECT extract(epoch FROM started_at - created_at), extract(epoch FROM finished_at - created_at)"
            " FROM jobs WHERE job_id = %s",
            (job_id,),
        ).fetchone()
    latencies = [float(seconds) for seconds, _ in rows]
    return {
        "items_in_db": len(rows),
        "failed": sum(1 for _, status in rows if status == "failed"),
        "not_finished": sum(1 for _, status in rows if status not in ("done", "failed")),
        "item_latency_p50_s": round(percentile(latencies, 0.50), 3),
        "item_latency_p95_s": round(percentile(latencies, 0.95), 3),
        "item_latency_max_s": round(max(latencies), 3) if latencies else None,
        "db_first_item_started_s": None if job is None or job[0] is None else round(float(job[0]), 3),
        "db_job_finished_s": None if job is None or job[1] is None else round(float(job[1]), 3),
    }


def run(args: argparse.Namespace, mode: str) -> dict[str, Any]:
    run_id = uuid.uuid4().hex[:8]
    tmp = Path(f"/tmp/eqv-bench-batch-{run_id}")
    tmp.mkdir(parents=True)
    items = build_items(BodySource(mode, args.data_dir, args.seed), args.items, run_id)
    body = json.dumps({"items": items}, ensure_ascii=False).encode()
    janitor = CacheJanitor(args.redis_url)
    janitor.remember(items)  # deleted at the end
    stale = janitor.forget(items) if mode == "cold" else 0  # cold: what an earlier run left
    with ExitStack() as stack:
        stack.callback(subprocess.run, ["rm", "-rf", str(tmp)], check=False)
        stack.callback(janitor.forget_all)
        db_name = stack.enter_context(throwaway_database())
        namespace = stack.enter_context(redis_namespace(args.redis_url))
        env = run_env(db_name, args.redis_url, namespace, tmp)
        cli(env, tmp, "migrate")
        cli(env, tmp, "seed")
        started = Started(env, tmp)
        stack.callback(started.stop_all)
        port = free_port()
        serve = started.start("serve", "--port", str(port), "--log-level", "warning")
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, serve)
        worker = started.start("worker", "--processes", str(args.processes), "--threads", str(args.threads))
        wait_workers_ready(started, 1, args.processes)
        time.sleep(1.0)  # let the workers settle (imports, pools) before the clock starts

        with RssSampler(worker.pid) as rss, httpx.Client(base_url=base, headers=HEADERS, timeout=120) as client:
            cpu_before = {p.pid: sum(p.cpu_times()[:2]) for p in _tree(worker.pid) + _tree(serve.pid)}
            machine_before, postgres_before = psutil.cpu_times(), postgres_cpu()
            t0 = time.perf_counter()
            response = client.post(
                "/v1/equivalences/batch", content=body, headers={"Content-Type": "application/json"}
            )
            t_submitted = time.perf_counter()
            if response.status_code != 202:
                raise RuntimeError(f"submit answered {response.status_code}: {response.text[:2000]}")
            job_id = response.json()["job_id"]
            deadline = t_submitted + args.timeout
            state: dict[str, Any] = {}
            while time.perf_counter() < deadline:
                state = client.get(f"/v1/jobs/{job_id}").json()
                if state["status"] in ("done", "failed") and state["timings"]["finished_at"]:
                    break
                if worker.poll() is not None:
                    raise RuntimeError(f"worker exited with {worker.returncode}: {started.log(1)[-2000:]}")
                time.sleep(args.poll_interval)
            t_finished = time.perf_counter()
            rss.sample()
            machine_after, postgres_after = psutil.cpu_times(), postgres_cpu()
            cpu = {}
            for p in _tree(worker.pid) + _tree(serve.pid):
                try:
                    cpu[p.pid] = round(sum(p.cpu_times()[:2]) - cpu_before.get(p.pid, 0.0), 1)
                except psutil.NoSuchProcess:
                    pass
        finished = state.get("status") in ("done", "failed") and bool(state.get("timings", {}).get("finished_at"))
        e2e = t_finished - t0
        worker_children = [p.pid for p in _tree(worker.pid)[1:]] or [worker.pid]
        report: dict[str, Any] = {
            "mode": mode,
            "items": args.items,
            "stale_mapping_cache_entries_deleted": stale,
            "worker_processes": args.processes,
            "threads_per_process": args.threads,
            "cpus": os.cpu_count(),
            "finished": finished,
            "status": state.get("status"),
            "progress": state.get("progress"),
            "request_body_mb": round(len(body) / 2**20, 1),
            "submission_s": round(t_submitted - t0, 3),
            "processing_s": round(t_finished - t_submitted, 3),
            "end_to_end_s": round(e2e, 3),
            "items_per_s": round(args.items / e2e, 1) if finished else None,
            **item_latencies(env["DATABASE_URL"].replace("postgresql+psycopg", "postgresql"), job_id),
            "worker_peak_rss_mb": {str(pid): round(rss.peaks.get(pid, 0.0), 1) for pid in worker_children},
            "worker_supervisor_peak_rss_mb": round(rss.peaks.get(worker.pid, 0.0), 1) if worker_children != [worker.pid] else None,
            "worker_tree_peak_total_rss_mb": round(rss.peak_total, 1),
            "cpu_s": {
                "serve": round(sum(cpu.get(p.pid, 0.0) for p in _tree(serve.pid)), 1),
                "workers": {str(pid): cpu.get(pid) for pid in worker_children},
                "postgres": round(sum(postgres_after.values()) - sum(postgres_before.get(k, 0.0) for k in postgres_after), 1),
                "machine_busy": round(
                    (sum(machine_after) - machine_after.idle - machine_after.iowait)
                    - (sum(machine_before) - machine_before.idle - machine_before.iowait),
                    1,
                ),
            },
        }
        return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["both", "warm", "cold"], default="both", help="which bodies (default both, warm first)")
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=2, help="worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker process")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--timeout", type=float, default=600.0, help="longest wait for the job to finish (s)")
    parser.add_argument("--poll-interval", type=float, default=0.25)
    parser.add_argument("--seed", type=int, default=2026, help="cold: seed of the generated ementas")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA, help=f"dev data (default {DEFAULT_DATA})")
    args = parser.parse_args()
    modes = ["warm", "cold"] if args.mode == "both" else [args.mode]
    for mode in modes:
        BodySource(mode, args.data_dir, args.seed)  # a missing data file stops here, with its name
    # SIGTERM (e.g. `timeout`) unwinds like Ctrl-C, so the cleanup still runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    reports = []
    for mode in modes:
        reports.append(run(args, mode))
        print(json.dumps(reports[-1]), flush=True)
    print(json.dumps({"items_per_s": {r["mode"]: r["items_per_s"] for r in reports}, "load_average": os.getloadavg()}))


if __name__ == "__main__":
    main()
