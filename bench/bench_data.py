"""Request bodies for the benchmarks: warm (the dev pairs, repeating) or cold (distinct ementas).

warm: the 200 dev pairs over the 71 ementas of ementas_dev.jsonl, cycled; after the first pass
      every mapping is a cache hit (a curriculum whose courses the service has seen before).
cold: every body carries two ementas that no earlier body carried, so every mapping misses the
      mapping cache (a transcript whose courses are new). Body `i` of seed `s` is always the same
      text: the pair of dev/dev2 courses is drawn with random.Random(f"{s}:{i}"), each ementa
      starts with that course's own sentences, continues with the other sentences of its family
      (shuffled), then with those of families paired with it in the labeled pairs (Cálculo I next
      to Cálculo II), then with any sentence of the same data set, until a drawn target length of
      1,500-2,500 characters; a code unique to (seed, i, side) ends it.
Bodies are built before a phase's load starts, so building them costs nothing during the run.
The data files live in shared/data beside the repository or a parent of it (/work/shared/data for a\nworktree under /work/wt); --data-dir or EQV_BENCH_DATA overrides.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import redis

ROOT = Path(__file__).resolve().parents[1]


def _default_data() -> Path:
    """EQV_BENCH_DATA, else the nearest shared/data beside the repository or one of its parents."""
    if "EQV_BENCH_DATA" in os.environ:
        return Path(os.environ["EQV_BENCH_DATA"])
    found = (parent / "shared" / "data" for parent in ROOT.parents)
    return next((path for path in found if path.is_dir()), ROOT.parent / "shared" / "data")


DEFAULT_DATA = _default_data()
MIN_CHARS, MAX_CHARS = 1_500, 2_500
_SENTENCE_END = re.compile(r"(?<=[.;])\s+")


class MissingData(SystemExit):
    """Raised (exits with a message, no traceback) when a data file the chosen mode needs is absent."""


def _read_jsonl(path: Path, mode: str) -> list[dict[str, Any]]:
    if not path.is_file():
        raise MissingData(
            f"error: the {mode} mode needs {path}, which does not exist. Point --data-dir (or EQV_BENCH_DATA) "
            "at the directory holding ementas_dev.jsonl, pairs_dev.jsonl, ementas_dev2.jsonl and pairs_dev2.jsonl."
        )
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _course(record: dict[str, Any], ementa: str, hours: int, aprovado: bool) -> dict[str, Any]:
    course: dict[str, Any] = {"nome": record["course_name"], "carga_horaria": hours, "ementa": ementa}
    return course | {"aprovado": True} if aprovado else course


def warm_bodies(data_dir: Path = DEFAULT_DATA) -> list[dict[str, Any]]:
    """The 200 dev pairs as evaluate bodies (no request_id); ementas repeat across bodies."""
    ementas = {e["id"]: e for e in _read_jsonl(data_dir / "ementas_dev.jsonl", "warm")}
    bodies = []
    for pair in _read_jsonl(data_dir / "pairs_dev.jsonl", "warm"):
        origem, destino = ementas[pair["origem_id"]], ementas[pair["destino_id"]]
        hours = destino["hours"] or 60
        bodies.append(
            {
                "origem": _course(origem, origem["ementa"], hours, aprovado=True),
                "destino": _course(destino, destino["ementa"], hours, aprovado=False),
            }
        )
    return bodies


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if len(s.strip()) > 3]


def _shuffled(rng: random.Random, pool: list[str]) -> Iterator[str]:
    """The pool in a random order, drawn lazily (a data set's pool has ~900 sentences; few are needed)."""
    if len(pool) <= 64:
        yield from rng.sample(pool, len(pool))
        return
    for _ in range(4 * len(pool)):
        yield pool[rng.randrange(len(pool))]


class ColdBodies:
    """Distinct evaluate bodies, deterministic by (seed, index); see the module docstring."""

    def __init__(self, data_dir: Path = DEFAULT_DATA, seed: int = 2026) -> None:
        self.seed = seed
        self._records: dict[str, dict[str, Any]] = {}
        self._pairs: list[tuple[str, str]] = []
        self._family_of: dict[str, str] = {}
        self._set_of_family: dict[str, int] = {}
        self._by_family: dict[str, list[str]] = defaultdict(list)
        self._by_set: dict[int, list[str]] = defaultdict(list)
        neighbours: dict[str, set[str]] = defaultdict(set)
        for number, suffix in enumerate(("", "2")):
            for record in _read_jsonl(data_dir / f"ementas_dev{suffix}.jsonl", "cold"):
                self._records[record["id"]] = record
                self._family_of[record["id"]] = record["family"]
                self._set_of_family[record["family"]] = number
                sentences = _sentences(record["ementa"])
                self._by_family[record["family"]].extend(sentences)
                self._by_set[number].extend(sentences)
            for pair in _read_jsonl(data_dir / f"pairs_dev{suffix}.jsonl", "cold"):
                self._pairs.append((pair["origem_id"], pair["destino_id"]))
                a, b = self._family_of[pair["origem_id"]], self._family_of[pair["destino_id"]]
                if pair["kind"] != "different_area" and a != b:
                    neighbours[a].add(b)
                    neighbours[b].add(a)
        self._neighbour_sentences = {
            family: [s for other in sorted(neighbours[family]) for s in self._by_family[other]] for family in self._by_family
        }

    def _ementa(self, rng: random.Random, record_id: str, code: str) -> str:
        family = self._family_of[record_id]
        own = _sentences(self._records[record_id]["ementa"])
        pools = [self._by_family[family], self._neighbour_sentences[family], self._by_set[self._set_of_family[family]]]
        target = rng.randint(MIN_CHARS, MAX_CHARS - 100)
        tail = f" Código do plano de ensino: {code}."
        chosen, used, length = [], set(), 0
        for pool in [own, *(_shuffled(rng, p) for p in pools)]:
            for sentence in pool:
                if length >= target:
                    break
                if sentence in used or length + len(sentence) + 1 + len(tail) > MAX_CHARS:
                    continue
                chosen.append(sentence)
                used.add(sentence)
                length += len(sentence) + 1
        return " ".join(chosen) + tail

    def body(self, index: int) -> dict[str, Any]:
        rng = random.Random(f"{self.seed}:{index}")
        origem_id, destino_id = rng.choice(self._pairs)
        origem, destino = self._records[origem_id], self._records[destino_id]
        hours = destino["hours"] or 60
        code = f"EQB-{self.seed}-{index:08d}"
        return {
            "origem": _course(origem, self._ementa(rng, origem_id, f"{code}-O"), hours, aprovado=True),
            "destino": _course(destino, self._ementa(rng, destino_id, f"{code}-D"), hours, aprovado=False),
        }

    def take(self, start: int, count: int) -> list[dict[str, Any]]:
        return [self.body(i) for i in range(start, start + count)]


class BodySource:
    """Hands out bodies per phase: warm repeats the dev pairs, cold never repeats an ementa in a run."""

    def __init__(self, mode: str, data_dir: Path = DEFAULT_DATA, seed: int = 2026) -> None:
        self.mode = mode
        self._warm = warm_bodies(data_dir) if mode == "warm" else []
        self._cold = ColdBodies(data_dir, seed) if mode == "cold" else None
        self._next = 0

    def next(self, count: int) -> list[dict[str, Any]]:
        """Bodies for a phase of at most `count` requests (warm: the dev pairs, whatever `count`)."""
        if self._cold is None:
            return self._warm
        bodies = self._cold.take(self._next, count)
        self._next += count
        return bodies


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CacheJanitor:
    """Deletes the shared Redis mapping-cache entries (eqv:map:<mapper>:<taxonomy>:<content>:<sha256 of the
    text>) of the ementas a run sends: before a cold phase, so that a run with the same seed before
    it cannot make it warm, and at the end, so that the shared Redis keeps nothing of a benchmark.
    Best effort: a Redis error is printed, never raised. Runs only between phases (SCAN eqv:map:*)."""

    def __init__(self, redis_url: str | None) -> None:
        self._url = redis_url
        self._sent = {_digest("aquecimento")}  # what the service's start-up warming maps

    def remember(self, bodies: list[dict[str, Any]]) -> set[str]:
        """Note the bodies' ementas for forget_all; returns their digests."""
        digests = {_digest(body[side]["ementa"]) for body in bodies for side in ("origem", "destino")}
        self._sent |= digests
        return digests

    def forget(self, bodies: list[dict[str, Any]]) -> int:
        """Delete the entries of the bodies' ementas now (and at forget_all); returns how many there were."""
        return self._delete(self.remember(bodies))

    def forget_all(self) -> int:
        return self._delete(self._sent)

    def _delete(self, digests: set[str]) -> int:
        if not self._url or not digests:
            return 0
        try:
            client = redis.Redis.from_url(self._url)
            try:
                keys = [k for k in client.scan_iter(match="eqv:map:*", count=1000) if k.rsplit(b":", 1)[-1].decode() in digests]
                for start in range(0, len(keys), 1000):
                    client.delete(*keys[start : start + 1000])
                return len(keys)
            finally:
                client.close()
        except redis.RedisError as exc:
            print(f"note: could not clean the mapping cache in {self._url}: {exc}")
            return 0
