"""Speed of one decision's reading, mapping and scoring (prints figures; asserts nothing).

What `evaluate` spends between the hard rules and storing: hygiene and language of both
ementas, the lexical mapper on the default taxonomy, the topic matcher and the fused
decision — on COLD ~2,000-character ementas (every run builds new texts, so no cache helps).
Target (issue 10): p50 <= 5 ms with the lexical default. Then the CPU budget of issue 14: the
CPU time of a maximum-size request (two 20,000-character ementas of words never seen before)
against a typical one (two ~2,000-character syllabi), best of a few runs each.

  python bench/decision_speed.py [--runs 300]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.mappers.lexical_mapper import LexicalMapper  # noqa: E402
from adapters.mappers.taxonomy_json import load_default_taxonomy  # noqa: E402
from adapters.mappers.topic_matcher import LexicalTopicMatcher  # noqa: E402
from mapper_speed import EMENTA_PARTS  # noqa: E402
from core.domain.model import Course, Policy  # noqa: E402
from core.domain.pipeline import evaluate  # noqa: E402
from core.usecases.reading import read_pair  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    taxonomy, mapper, topics = load_default_taxonomy(), LexicalMapper(), LexicalTopicMatcher()
    sentences = [s.strip() for s in EMENTA_PARTS.split(". ") if s.strip()]
    rng = random.Random(7)
    policy, today = Policy(), dt.date(2026, 12, 1)

    def ementa(k: int) -> str:
        rng.shuffle(sentences)
        return ". ".join(sentences)[:1990] + f". Tópico {k}."

    read_pair(ementa(0), ementa(1), taxonomy, mapper, None, topics, False)  # index, tables
    times, cpu_times = [], []
    for k in range(args.runs):
        o = Course("Origem", 60, ementa(2 * k + 2), aprovado=True)
        d = Course("Destino", 60, ementa(2 * k + 3))
        start, cpu_start = time.perf_counter(), time.process_time()
        read = read_pair(o.ementa, d.ementa, taxonomy, mapper, None, topics, False)
        evaluate(o, d, taxonomy, policy, read.origem_mapping, read.destino_mapping, today, read.reading)
        times.append((time.perf_counter() - start) * 1000)
        cpu_times.append((time.process_time() - cpu_start) * 1000)
    times.sort()
    p50, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
    print(f"cold decision (2 ementas of ~2,000 chars): p50 {p50:.2f} ms, p95 {p95:.2f} ms over {args.runs} runs; "
          f"CPU p50 {statistics.median(cpu_times):.2f} ms, mean {statistics.fmean(cpu_times):.2f} ms "
          "(wall includes waiting for a core on a busy machine)")

    def cpu_ms(origem: str, destino: str) -> float:
        o, d = Course("Origem", 60, origem, aprovado=True), Course("Destino", 60, destino)
        start = time.process_time()
        read = read_pair(o.ementa, d.ementa, taxonomy, mapper, None, topics, False)
        evaluate(o, d, taxonomy, policy, read.origem_mapping, read.destino_mapping, today, read.reading)
        return (time.process_time() - start) * 1000

    def unseen_words(chars: int) -> str:
        words: list[str] = []
        length = 0
        while length < chars:
            word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 11)))
            words.append(word)
            length += len(word) + 1
        return " ".join(words)[:chars]

    typical = min(cpu_ms(ementa(10_000 + 2 * k), ementa(10_001 + 2 * k)) for k in range(5))
    maximum = min(cpu_ms(unseen_words(20_000), unseen_words(20_000)) for _ in range(3))
    print(f"CPU per decision: typical {typical:.1f} ms, maximum-size unseen words {maximum:.1f} ms ({maximum / typical:.1f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
