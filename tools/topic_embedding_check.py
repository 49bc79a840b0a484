"""Would embedding similarity between topics tell equivalent pairs apart better than the lexical
topic matcher? Figures for ADR 0042 (prints; asserts nothing; needs the `embeddings` extra).

For every labelled pair of a dev set it computes three pair-level signals:
- lexical: the coverage `LexicalTopicMatcher.compare` gives (what the service scores);
- embedding: each destino topic's best cosine similarity with any origem topic (the in-process
  model, USE-multilingual), averaged over the destino's topics;
- combined: the mean of the two.
For each signal it prints the AUC of "equivalent" against every other label and the best
auto-accept recall any threshold reaches while false accepts stay within --max-fa (the issue's
2%). A signal whose best recall is below the target cannot reach it by a threshold, whatever the
rest of the pipeline does. It also prints the CPU time of embedding one ementa's topics.

    python tools/topic_embedding_check.py                       # both dev sets beside the repository
    python tools/topic_embedding_check.py --sets pairs_dev2 --max-fa 0.02
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.mappers.local_embedder import LocalEmbedder  # noqa: E402
from adapters.mappers.topic_matcher import LexicalTopicMatcher  # noqa: E402
from core.domain.reading import read_syllabus  # noqa: E402
from core.domain.topics import segment  # noqa: E402


def _jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """P(a random positive scores above a random negative), ties counting half."""
    above = (positive[:, None] > negative[None, :]).sum() + 0.5 * (positive[:, None] == negative[None, :]).sum()
    return float(above / (len(positive) * len(negative)))


def best_recall(positive: np.ndarray, negative: np.ndarray, max_fa: float) -> tuple[float, float]:
    """The highest share of positives at or above a threshold that lets at most max_fa of the
    negatives through, and that threshold."""
    best = (0.0, float("inf"))
    for threshold in np.unique(np.concatenate([positive, negative])):
        if (negative >= threshold).mean() <= max_fa:
            recall = float((positive >= threshold).mean())
            if recall > best[0]:
                best = (recall, float(threshold))
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--sets", nargs="+", default=["pairs_dev", "pairs_dev2"])
    parser.add_argument("--max-fa", type=float, default=0.02)
    args = parser.parse_args(argv)
    embedder = LocalEmbedder(timeout_s=600.0)
    embedder.load()
    lexical = LexicalTopicMatcher()
    for name in args.sets:
        suffix = name.removeprefix("pairs_dev")
        ementas = {e["id"]: e for e in _jsonl(args.data_dir / f"ementas_dev{suffix}.jsonl")}
        pairs = _jsonl(args.data_dir / f"{name}.jsonl")
        texts = {key: read_syllabus(str(e["ementa"]))[0].text for key, e in ementas.items()}
        vectors: dict[str, np.ndarray] = {}
        cpu = []
        for key, text in texts.items():
            topics = list(segment(text)) or [text]
            started = time.process_time()
            vectors[key] = embedder.embed(topics)
            cpu.append(time.process_time() - started)
        labels, signals = [], {"lexical": [], "embedding": [], "combined": []}
        for pair in pairs:
            origem, destino = str(pair["origem_id"]), str(pair["destino_id"])
            lex = lexical.compare(texts[origem], texts[destino]).coverage
            emb = float((vectors[destino] @ vectors[origem].T).max(axis=1).mean())
            labels.append(pair["label"] == "equivalent")
            signals["lexical"].append(lex)
            signals["embedding"].append(emb)
            signals["combined"].append((lex + emb) / 2)
        is_equivalent = np.array(labels)
        print(f"{name}: {len(pairs)} pairs, {int(is_equivalent.sum())} equivalent; "
              f"embedding one ementa's topics: {1000 * float(np.median(cpu)):.1f} ms CPU (median)")
        for signal, values in signals.items():
            scores = np.array(values)
            positive, negative = scores[is_equivalent], scores[~is_equivalent]
            recall, threshold = best_recall(positive, negative, args.max_fa)
            print(f"  {signal:9s} AUC {auc(positive, negative):.3f}; best recall with false accepts <= "
                  f"{100 * args.max_fa:.0f}%: {100 * recall:.1f}% ({round(recall * len(positive))} of {len(positive)}, "
                  f"threshold {threshold:.3f})")


if __name__ == "__main__":
    main()
