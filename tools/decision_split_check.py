"""Split check of the decision rules on labeled pairs (ADR 0031, ADR 0032); prints, asserts nothing.

For each labeled set given: the rates `eval-pairs` reports (lexical default, default policy) on
two halves of its families (sorted family names taken alternately: A, B, A, …), so a rule tuned
on one half can be checked on the other; and how well the topic path's signals tell equivalent
pairs from the others: ROC AUC of the topic coverage, and the equivalent pairs whose coverage
is above every non-equivalent pair but two (the false-accept budget of a 2% rate on ~100 pairs).

    python tools/decision_split_check.py ../shared/data/pairs_dev.jsonl:../shared/data/ementas_dev.jsonl \\
        ../shared/data/pairs_dev2.jsonl:../shared/data/ementas_dev2.jsonl
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from entrypoints.eval_pairs import rates, run_eval  # noqa: E402

HALVES = ("A", "B")


def _auc(positives: list[float], negatives: list[float]) -> float | None:
    if not positives or not negatives:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def check(pairs: str, ementas: str) -> None:
    report = run_eval(pairs, ementas, progress=None)
    rows = report["pairs"]
    families = sorted({str(r["family"]) for r in rows})
    half = {family: HALVES[i % 2] for i, family in enumerate(families)}
    print(f"== {pairs} ({report['rules_version']}, {report['topic_matcher_version']})")
    print(f"   all: {_fmt(rates(rows))}")
    for name in HALVES:
        members = [r for r in rows if half[str(r["family"])] == name]
        listed = ", ".join(f for f in families if half[f] == name)
        print(f"   half {name} ({listed}):\n      {_fmt(rates(members))}")
    scored = [r for r in rows if r["topic_coverage"] is not None]
    positives = [r["topic_coverage"] for r in scored if r["label"] == "equivalent"]
    negatives = sorted(
        (r["topic_coverage"] for r in scored if r["label"] != "equivalent"),
        reverse=True,
    )
    auc = _auc(positives, negatives)
    if auc is not None and len(negatives) > 2:
        above = sum(1 for p in positives if p > negatives[2])
        print(
            f"   topic coverage AUC (equivalent vs not) {auc:.3f}; equivalent above all but two "
            f"non-equivalent: {above}/{len(positives)} (bar {negatives[2]:.3f})"
        )


def _fmt(r: dict[str, object]) -> str:
    def pct(key: str) -> str:
        value = r[key]
        return "-" if value is None else f"{100 * float(value):.1f}%"  # type: ignore[arg-type]

    return (
        f"FA {pct('false_accept_rate')}  recall {pct('auto_accept_recall')}  "
        f"FR {pct('false_reject_rate')}  review {pct('review_rate')}"
    )


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    for spec in argv:
        pairs, _, ementas = spec.partition(":")
        check(pairs, ementas)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
