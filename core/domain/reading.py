"""Reading both ementas before deciding: hygiene, language, topics — and when to abstain.

The taxonomy path (concepts) decides well only where the taxonomy has words for the subject;
the topic path (`core.domain.topics`) works in any subject but reads words, not meaning. A
decision is automatic only when the evidence is solid; otherwise it goes to a person with the
reason in Portuguese. Never INDEFERIDO for lack of vocabulary or for a foreign language.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from core.domain.hygiene import SyllabusText, syllabus
from core.domain.language import ENGLISH, SPANISH, detect_language
from core.domain.model import ConceptMatch, Decision, Taxonomy
from core.domain.topics import TopicComparison


class ReviewReason(str, enum.Enum):
    """Why a pair went to human review (the codes are part of the API)."""

    EMENTA_INSUFICIENTE = "ementa_insuficiente"
    IDIOMA_NAO_SUPORTADO = "idioma_nao_suportado"
    AREA_FORA_DO_VOCABULARIO = "area_fora_do_vocabulario"
    COBERTURA_INCERTA = "cobertura_incerta"
    MAPEAMENTO_DEGRADADO = "mapeamento_degradado"
    CARGA_HORARIA_LIMITROFE = "carga_horaria_limitrofe"
    APROVACAO_NAO_INFORMADA = "aprovacao_nao_informada"
    PRECEDENTE_RELACIONADO = "precedente_relacionado"  # a related precedent is shown, never applied (ADR 0024)


REASON_TEXT = {
    ReviewReason.EMENTA_INSUFICIENTE: "ementa insuficiente para uma decisão automática",
    ReviewReason.IDIOMA_NAO_SUPORTADO: "ementa em idioma não suportado pela leitura automática",
    ReviewReason.AREA_FORA_DO_VOCABULARIO: "área fora do vocabulário da taxonomia e cobertura de tópicos não conclusiva",
    ReviewReason.COBERTURA_INCERTA: "cobertura incerta: os indícios não bastam para deferir nem para indeferir",
    ReviewReason.MAPEAMENTO_DEGRADADO: "mapeamento de conceitos indisponível ou incompleto (modo degradado)",
    ReviewReason.CARGA_HORARIA_LIMITROFE: "conteúdo equivalente, mas carga horária da origem menor que a da destino",
    ReviewReason.APROVACAO_NAO_INFORMADA: "aprovação na disciplina de origem não informada",
    ReviewReason.PRECEDENTE_RELACIONADO: "há precedente relacionado (consultivo, ementa reformulada ou combinação de origens) para a análise",
}

UNSUPPORTED_LANGUAGES = frozenset({ENGLISH, SPANISH})
MIN_TOPIC_MASS = 12.0
"""A destino (or origem) whose topics weigh less than this ("Cálculo I.") cannot be judged."""
IN_VOCABULARY = 0.6
"""The taxonomy speaks for a destino when its concepts account for this share of its topics."""
TOPICS_GRANT = 0.7
"""The origem lists this share of the destino's topics: equivalent in any subject."""
TOPICS_AGREE = 0.3
"""A taxonomy DEFERIDO stands only if the topic path sees at least this much coverage."""
TOPICS_NEAR = 0.55
"""Where the taxonomy knows the subject and its score falls short of DEFERIDO by at most
NEAR_MARGIN points, topics listing this share agree with it: two readings that nearly grant
are one that grants."""
NEAR_MARGIN = 4.0
"""Points (of 100) below the policy's min_score_deferir that still count as "nearly grants"."""
TOPICS_DENY = 0.1
"""Below this share the origem lists almost none of the destino's topics: INDEFERIDO."""
TOPICS_DENY_OUT_OF_VOCABULARY = 0.15
"""The same where the taxonomy does not know the destino's subject. Where it does, a taxonomy
that does not deny is evidence against denying, so the bar stays lower there."""
TOPICS_DENY_NONE_COVERED = 0.25
"""Outside the taxonomy, below this share the origem lists too little of the destino when it
also covers not one destino topic fully (none in `cobertos`) and both ementas list topics
(`solid_destino` of each): INDEFERIDO. Where the origem is prose (objectives in one or two
long sentences) its topics are implied, not listed, and the lower bar stays. Split check (ADR
0032): the highest bar with no new false reject on half of the families (0.25) gave none on the
other half either; 0.3 denied an equivalent pair on one half."""
MIN_DENY_TOPICS = 4
"""INDEFERIDO needs a destino of at least this many topics: one to three long segments are
prose (objectives, a run-on sentence), and a low share of them is no solid evidence that
core topics are missing."""
LIST_TOPIC_MASS = 15.0
"""...unless they are two or three short topics (a list): at most this word mass each on
average, about what nine in ten syllabus topics weigh."""


def solid_destino(destino_topics: int, destino_mass: float) -> bool:
    """Whether the destino lists enough topics for a low coverage to prove topics missing."""
    if destino_topics >= MIN_DENY_TOPICS:
        return True
    return destino_topics >= 2 and 0 < destino_mass / destino_topics <= LIST_TOPIC_MASS
MOSTLY_MISSING = 0.65
"""Outside the taxonomy, a solid destino (`solid_destino`) this share of whose topic weight the
origem does not list at all (no topic reaches PARTLY: none of its words, or nearly none),
compared with an origem that lists topics too, is missing core topics: INDEFERIDO whatever the
rest covers (at most 1 - MOSTLY_MISSING). A reworded topic is still partly listed, and the
labels' equivalent pairs miss at most a quarter of the destino's core topics. Split check (ADR
0038, families alternately in halves A/B across both dev sets): the lowest bar denying no
equivalent pair on half B (0.6) holds on half A; the one half A allows (0.5) denies three on
half B. The highest share of any equivalent pair on either set is 0.62: 0.65 keeps a margin."""
TOPICS_CONFIRM_DENY = 0.3
"""A taxonomy INDEFERIDO stands only if the topic path also sees less than this coverage."""
TOPICS_ALL_LISTED = 0.4
"""Every topic of a solid destino (`solid_destino`) at least partly listed by the origem (none
in `faltantes`) and this coverage: equivalent in any subject. A non-equivalent pair is one
where core destino topics are missing; different wording of topics the origem does list lowers
the coverage, not the count of missing topics. Split check (ADR 0032): a bar of 0.2, chosen
on half of the families, granted non-equivalent pairs on the other half; 0.3 was safe on
both; 0.4 keeps a margin over the highest-covering non-equivalent pair with nothing missing."""


@dataclass(frozen=True, slots=True)
class Reading:
    """Both ementas as read: the syllabus text, its language, and the destino's topics scored."""

    origem: SyllabusText
    destino: SyllabusText
    idioma_origem: str
    idioma_destino: str
    topics: TopicComparison

    @property
    def destino_mass(self) -> float:
        return sum(t.peso for t in self.topics.topics)

    @property
    def origem_mass(self) -> float:
        return self.topics.origem_mass

    @property
    def origem_topics(self) -> int:
        return self.topics.origem_topics


@lru_cache(maxsize=1024)  # ~3 KB an entry
def read_syllabus(text: str) -> tuple[SyllabusText, str]:
    """Hygiene then language: what any mapper or matcher must read instead of the raw text.

    Pure and cached: a transcript's ementa is read once however many pairs it is in."""
    body = syllabus(text)
    return body, detect_language(body.text)


MIN_AREA_CONCEPTS = 3
"""The taxonomy speaks for an area of the destino only if it finds this many of its concepts:
one or two concepts of an area ("energia", "dinâmica" in an ecology syllabus; "classes" in a
political-science one) are words the area shares with everyday language, not its subject."""


def vocabulary_coverage(
    topics: TopicComparison, destino_matches: tuple[ConceptMatch, ...], taxonomy: Taxonomy, cutoff: float
) -> float:
    """Share of the destino's topic weight in which the taxonomy found a confident concept of
    an area the destino is really about (area context, see MIN_AREA_CONCEPTS)."""
    confident = [m for m in destino_matches if m.confidence >= cutoff and m.node_id in taxonomy.by_id]
    per_area = Counter(taxonomy.node(m.node_id).area for m in confident)
    evidence = [
        e for m in confident if per_area[taxonomy.node(m.node_id).area] >= MIN_AREA_CONCEPTS for e in m.evidence
    ]
    total = sum(t.peso for t in topics.topics)
    if total <= 0 or not evidence:
        return 0.0
    joined = "\n".join(evidence)  # a topic never holds a line break (segment cuts there)
    heads = frozenset(e[:40] for e in evidence)

    def explained(topico: str) -> bool:
        head = topico[:40]
        inside = head in joined if "\n" not in head else any(head in e for e in evidence)
        return inside or any(h in topico for h in heads)

    known = sum(t.peso for t in topics.topics if explained(t.topico))
    return known / total


def abstention(reading: Reading) -> ReviewReason | None:
    """A reason the pair cannot be judged automatically at all, before weighing coverage."""
    if {reading.idioma_origem, reading.idioma_destino} & UNSUPPORTED_LANGUAGES:
        return ReviewReason.IDIOMA_NAO_SUPORTADO
    if reading.destino_mass < MIN_TOPIC_MASS or reading.origem_mass < MIN_TOPIC_MASS:
        return ReviewReason.EMENTA_INSUFICIENTE
    return None


def combine(
    taxonomy_decision: Decision,
    topic_coverage: float,
    vocabulary: float,
    critical_missing: bool = False,
    destino_topics: int = MIN_DENY_TOPICS,
    destino_mass: float = 0.0,
    taxonomy_near: bool = False,
    nothing_missing: bool = False,
    none_covered: bool = False,
    origem_solid: bool = False,
    missing_share: float = 0.0,
) -> tuple[Decision, ReviewReason | None]:
    """Fuse the taxonomy's decision with the topic path's coverage; abstain when they disagree.

    DEFERIDO needs the topic path to list most destino topics, or the taxonomy to know the
    subject, grant it, and the topic path not to contradict it, or the taxonomy to know the
    subject and nearly grant it (`taxonomy_near`: undecided, within NEAR_MARGIN points of
    min_score_deferir) with topics at TOPICS_NEAR, or a solid destino none of whose topics the
    origem leaves out (`nothing_missing`) with topics at TOPICS_ALL_LISTED, unless the taxonomy
    knows the subject and denies it or misses a critical concept. INDEFERIDO needs the topic path
    to see almost nothing (outside the taxonomy, less than TOPICS_DENY_NONE_COVERED when
    `none_covered` — no destino topic fully covered — and the origem lists topics too,
    `origem_solid`; or, likewise outside the taxonomy with a solid origem, at least
    MOSTLY_MISSING of the destino's topic weight not listed at all, `missing_share`), or the taxonomy to know the subject, deny it, and the topic
    path to confirm little coverage; either needs a destino that lists topics (`solid_destino`). A
    critical concept the policy demands (exigir_criticos), missing
    from a destino whose subject the taxonomy knows, is the institution's own rule: its
    INDEFERIDO stands. Anything else is a person's call.
    """
    in_vocabulary = vocabulary >= IN_VOCABULARY
    if in_vocabulary and critical_missing and taxonomy_decision is Decision.INDEFERIDO:
        return Decision.INDEFERIDO, None
    nearly = (
        in_vocabulary
        and taxonomy_near
        and not critical_missing
        and taxonomy_decision is Decision.ANALISE_HUMANA
        and topic_coverage >= TOPICS_NEAR
    )
    solid = solid_destino(destino_topics, destino_mass)
    all_listed = (
        solid
        and nothing_missing
        and not (in_vocabulary and (critical_missing or taxonomy_decision is Decision.INDEFERIDO))
        and topic_coverage >= TOPICS_ALL_LISTED
    )
    if (
        topic_coverage >= TOPICS_GRANT
        or (in_vocabulary and taxonomy_decision is Decision.DEFERIDO and topic_coverage >= TOPICS_AGREE)
        or nearly
        or all_listed
    ):
        return Decision.DEFERIDO, None
    deny_below = TOPICS_DENY if in_vocabulary else TOPICS_DENY_OUT_OF_VOCABULARY
    if not in_vocabulary and none_covered and origem_solid:
        deny_below = max(deny_below, TOPICS_DENY_NONE_COVERED)
    mostly_missing = not in_vocabulary and origem_solid and missing_share >= MOSTLY_MISSING
    if solid and (
        ((topic_coverage < deny_below or mostly_missing) and taxonomy_decision is not Decision.DEFERIDO)
        or (in_vocabulary and taxonomy_decision is Decision.INDEFERIDO and topic_coverage < TOPICS_CONFIRM_DENY)
    ):
        return Decision.INDEFERIDO, None
    reason = ReviewReason.COBERTURA_INCERTA if in_vocabulary else ReviewReason.AREA_FORA_DO_VOCABULARIO
    return Decision.ANALISE_HUMANA, reason
