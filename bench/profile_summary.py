"""Where the time of the evaluate path goes, from a py-spy profile (prints figures; asserts nothing).

Reads py-spy's raw (collapsed) output and prints (1) the share of samples per part of the
evaluate path, each sample going to the innermost frame that matches a part (so the Redis call
under the mapping cache counts as "Redis mapping cache", not as "mapping"), and (2) the functions
with the largest own (leaf) share, and (3) the share whose leaf is in a database or Redis client
(waiting on the network or on a busy CPU). Profile the service under load, for example:

  python bench/evaluate_load.py --start-server postgres --no-floor --connections 16 --duration 45 --rate 2 &
  # its first line names the service's pid ("pids": {"ours": PID}); once the phase runs:
  py-spy record --pid PID --subprocesses --duration 30 --rate 100 --nonblocking --format raw -o /tmp/p.txt
  py-spy record ... --gil -o /tmp/p-gil.txt     # only samples holding the GIL: Python CPU
  python bench/profile_summary.py /tmp/p.txt

Without --gil, py-spy counts every thread that is not idle, so on a loaded machine it also counts
threads that are runnable but waiting for a CPU; --gil counts Python CPU only (C code that
releases the GIL, such as libpq's network wait, is then left out).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

# (part, pattern on one frame "function (file:line)"); the innermost matching frame decides.
PARTS: list[tuple[str, re.Pattern[str]]] = [
    ("Redis mapping cache (get + set)", re.compile(r"redis_mapping_cache\.py")),
    ("local mapping cache", re.compile(r"(tiered|memory)_mapping_cache\.py")),
    ("lexical mapping", re.compile(r"lexical_mapper\.py|mappers/text\.py|EvaluatePair\._map ")),
    ("rate limiter", re.compile(r"redis_rate_limiter\.py|rate_limit\.py")),
    ("API-key auth", re.compile(r"adapters/http/auth\.py|usecases/auth\.py|sqla_api_key_repository\.py")),
    ("tenant read (auth check + defaults)", re.compile(r"sqla_tenant_repository\.py")),
    ("store result + audit (write transaction)", re.compile(r"EvaluatePair\._store ")),
    ("replay check + versions (read)", re.compile(r"EvaluatePair\.__call__ \(core/usecases/evaluate\.py:9[2-6]\)|_resolve_versions")),
    ("hard rules + scoring (core/domain)", re.compile(r"core/domain/")),
    ("response document", re.compile(r"evaluation_document|routes_equivalences\.py:11[6-9]|msgspec")),
    ("metrics and request log", re.compile(r"adapters/metrics/|prometheus|request_log\.py|structlog")),
]
WEB = "web path (uvicorn, Litestar, asyncio, thread hand-off, rest)"
CLIENTS = re.compile(r"\((psycopg|sqlalchemy|redis)/")


def read(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [f for f in stack.split(";") if not f.startswith("process ")]
        stacks.append((frames, int(count)))
    return stacks


def part_of(frames: list[str]) -> str:
    for frame in reversed(frames):
        for name, pattern in PARTS:
            if pattern.search(frame):
                return name
    return WEB


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("profile", type=Path, help="py-spy record --format raw output")
    parser.add_argument("--top", type=int, default=20, help="functions to list by own share")
    args = parser.parse_args(argv)
    stacks = read(args.profile)
    total = sum(count for _, count in stacks) or 1
    parts: Counter[str] = Counter()
    own: Counter[str] = Counter()
    in_clients = 0
    for frames, count in stacks:
        parts[part_of(frames)] += count
        if frames:
            own[frames[-1]] += count
            in_clients += count if CLIENTS.search(frames[-1]) else 0
    print(f"{total} samples from {args.profile}")
    print("\n| part of the evaluate path | share |\n|---|---|")
    for name, count in parts.most_common():
        print(f"| {name} | {100 * count / total:.1f}% |")
    print(f"\nleaf in psycopg/SQLAlchemy/redis-py (network wait or waiting for a CPU): {100 * in_clients / total:.1f}%")
    print("\n| own share | function |\n|---|---|")
    for frame, count in own.most_common(args.top):
        print(f"| {100 * count / total:.1f}% | {frame} |")


if __name__ == "__main__":
    main()
