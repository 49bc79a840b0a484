"""Speed of the offline lexical mapper (prints figures; asserts nothing).

Maps a ~2,000-character Portuguese ementa against the shipped default taxonomy and against a
synthetic 5,000-concept taxonomy, and prints the index build time and the p50/p95 time per
mapping over --runs runs (after the index is built and a warm-up run). Target (issue): the
5,000-concept p50 stays at or under 5 ms.

  python bench/mapper_speed.py [--runs 300] [--concepts 5000]

Each run maps a differently shuffled ementa (no run repeats a text). The synthetic taxonomy
reuses the vocabulary of the shipped keywords in random 1-4 word
phrases (fixed seed), so the ementa keeps hitting many keyword prefixes, as a large real
taxonomy in the same language would.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.mappers.lexical_mapper import LexicalMapper  # noqa: E402
from adapters.mappers.taxonomy_json import load_default_taxonomy  # noqa: E402
from core.domain.model import Level, Taxonomy, TaxonomyNode  # noqa: E402

EMENTA_PARTS = (
    "Introdução à organização de computadores e representação de informação na memória. "
    "Algoritmos: representação em pseudocódigo e fluxogramas; variáveis, constantes, operadores "
    "aritméticos, lógicos e relacionais; estruturas de controle (sequência, seleção e repetição). "
    "Tipos de dados básicos e estruturados: vetores, matrizes, cadeias de caracteres e registros. "
    "Modularização: funções, procedimentos e passagem de parâmetros. Recursividade. Ponteiros e "
    "alocação dinâmica de memória. Manipulação de arquivos texto e binários. Listas lineares, "
    "pilhas e filas; árvores binárias de busca; tabelas de espalhamento. Métodos de ordenação e "
    "de busca; noções de complexidade de algoritmos e notação assintótica. Banco de dados: modelo "
    "entidade-relacionamento, modelo relacional, álgebra relacional, linguagem SQL, normalização "
    "e dependências funcionais; processamento de transações e controle de concorrência. "
    "Limites, continuidade e derivadas de funções de uma variável; integral definida e técnicas "
    "de integração; sequências e séries. Estatística descritiva, probabilidade condicional, "
    "variáveis aleatórias discretas e contínuas, distribuição normal, intervalos de confiança e "
    "testes de hipóteses. Oferta e demanda, elasticidade, teoria do consumidor e da firma, "
    "estruturas de mercado. Balanço patrimonial, demonstração do resultado do exercício, método "
    "das partidas dobradas. Metodologia científica: tipos de pesquisa, normas da ABNT, citações "
    "e referências bibliográficas; redação de trabalhos acadêmicos e ética na pesquisa."
)


def ementa(length: int = 2000, seed: int | None = None) -> str:
    """A ~``length``-char ementa; a seed reshuffles its sentences (a different text each run)."""
    sentences = [p.strip() for p in EMENTA_PARTS.split(". ") if p.strip()]
    if seed is not None:
        random.Random(seed).shuffle(sentences)
    text = ". ".join(sentences)
    while len(text) < length:
        text = f"{text} {text}"
    return text[:length].rsplit(" ", 1)[0] + "."


def synthetic_taxonomy(size: int, seed: int = 7) -> Taxonomy:
    """``size`` concepts whose keywords are random phrases over the shipped vocabulary."""
    shipped = load_default_taxonomy()
    vocab = sorted({w for n in shipped.nodes for k in n.keywords for w in k.split() if len(w) > 3})
    rng = random.Random(seed)
    nodes = []
    for i in range(size):
        keywords = tuple(
            " ".join(rng.sample(vocab, rng.choice((1, 2, 2, 3, 3, 4)))) for _ in range(rng.randint(4, 12))
        )
        nodes.append(
            TaxonomyNode(
                node_id=f"syn.{i:05d}",
                area=f"area{i % 12}",
                subarea=f"sub{i % 60}",
                conceito=keywords[0].capitalize(),
                descricao="Conceito sintético de teste de desempenho.",
                keywords=keywords,
                nivel=rng.choice(list(Level)),
                critico=rng.random() < 0.05,
            )
        )
    return Taxonomy(f"synthetic-{size}", tuple(nodes))


def measure(taxonomy: Taxonomy, runs: int) -> dict[str, float]:
    """Index build time, then one mapping per run, each of a differently shuffled ementa."""
    mapper = LexicalMapper()
    start = time.perf_counter()
    mapper.map(ementa(), taxonomy)  # builds the index
    build_ms = (time.perf_counter() - start) * 1000
    texts = [ementa(seed=i) for i in range(runs)]
    times = []
    found = 0
    for text in texts:
        start = time.perf_counter()
        found = len(mapper.map(text, taxonomy))
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "concepts": len(taxonomy.nodes),
        "build_ms": build_ms,
        "p50_ms": statistics.median(times),
        "p95_ms": times[min(len(times) - 1, int(0.95 * len(times)))],
        "found": found,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--concepts", type=int, default=5000)
    args = parser.parse_args(argv)
    print(f"ementa: {len(ementa())} characters (sentences reshuffled each run), {args.runs} runs per taxonomy")
    for label, taxonomy in (
        ("shipped", load_default_taxonomy()),
        (f"synthetic-{args.concepts}", synthetic_taxonomy(args.concepts)),
    ):
        r = measure(taxonomy, args.runs)
        print(
            f"{label:>16}: {r['concepts']:5d} concepts  index build {r['build_ms']:8.1f} ms  "
            f"map p50 {r['p50_ms']:.2f} ms  p95 {r['p95_ms']:.2f} ms  ({r['found']} concepts found)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
