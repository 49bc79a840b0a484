"""Build adapters/mappers/data/pt_word_zipf.tsv.gz: background word frequencies for topic weights.

The topic matcher weighs a word by how rare it is in general Portuguese (a rare word says more
about a syllabus than a common one). The frequencies come from the `wordfreq` package (data
CC BY-SA 4.0, see adapters/mappers/data/README.md), folded the way the matcher folds text
(lowercase, no accents), so that "funcao" and "função" weigh alike. Only needed to rebuild
the file; the service reads the file and never needs wordfreq:

    pip install -c constraints.txt wordfreq && python tools/build_word_frequencies.py
"""

from __future__ import annotations

import gzip
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.mappers.text import fold  # noqa: E402

MIN_ZIPF = 2.0
OUT = ROOT / "adapters" / "mappers" / "data" / "pt_word_zipf.tsv.gz"


def main() -> int:
    import wordfreq
    from importlib.metadata import version

    totals: dict[str, float] = {}
    for word, freq in wordfreq.get_frequency_dict("pt", wordlist="best").items():
        if not word.isalpha():
            continue
        key = fold(word)
        totals[key] = totals.get(key, 0.0) + freq
    rows = sorted(
        (round(math.log10(freq) + 9, 2), word) for word, freq in totals.items() if math.log10(freq) + 9 >= MIN_ZIPF
    )
    rows.reverse()
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as fh:
        fh.write(f"# folded word<TAB>zipf; from wordfreq {version('wordfreq')} 'pt' (CC BY-SA 4.0)\n")
        for zipf, word in rows:
            fh.write(f"{word}\t{zipf:g}\n")
    print(f"{len(rows)} words -> {OUT} ({OUT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
