"""Calibration of the topic path (rules-2026.12.3, topics-2; topics-3 also cuts module and
chapter headings out of the topics): the subject's own words do not cover a topic, a short
prose destino is no evidence for INDEFERIDO, and outside the taxonomy little topic coverage is
enough to deny only with a destino of several topics."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from adapters.mappers.topic_matcher import LexicalTopicMatcher
from core.domain.model import Decision
from core.domain.reading import (
    IN_VOCABULARY,
    LIST_TOPIC_MASS,
    MIN_DENY_TOPICS,
    TOPICS_ALL_LISTED,
    TOPICS_NEAR,
    TOPICS_DENY,
    TOPICS_DENY_NONE_COVERED,
    TOPICS_DENY_OUT_OF_VOCABULARY,
    TOPICS_GRANT,
    ReviewReason,
    combine,
    solid_destino,
)
from core.domain.topics import PARTLY

QUIMICA = "Cinética química. Equilíbrio químico. Soluções químicas. Ligações químicas. Estequiometria."
ORDER = {Decision.INDEFERIDO: 0, Decision.ANALISE_HUMANA: 1, Decision.DEFERIDO: 2}
DECISIONS = st.sampled_from(list(Decision))
SHARES = st.floats(min_value=0, max_value=1)


def test_the_subject_word_alone_does_not_cover_a_topic() -> None:
    """"química" is in every topic of a chemistry syllabus: sharing it is not listing kinetics."""
    comparison = LexicalTopicMatcher().compare("Química orgânica: nomenclatura. Ligações químicas.", QUIMICA)
    by_topic = {t.topico: t.similaridade for t in comparison.topics}
    assert by_topic["Cinética química"] < PARTLY
    assert by_topic["Ligações químicas"] == 1.0
    assert comparison.coverage < 0.4


def test_the_subject_word_still_counts_in_a_short_destino() -> None:
    """With one or two topics there is no "subject word" to tell apart: nothing is damped."""
    comparison = LexicalTopicMatcher().compare("Química geral e inorgânica.", "Cinética química.")
    assert comparison.topics[0].similaridade >= PARTLY


def test_the_topic_matcher_is_deterministic_across_instances() -> None:
    first = LexicalTopicMatcher().compare("Ligações químicas. Soluções.", QUIMICA)
    assert LexicalTopicMatcher().compare("Ligações químicas. Soluções.", QUIMICA) == first


@given(DECISIONS, SHARES, SHARES, st.integers(min_value=0, max_value=MIN_DENY_TOPICS - 1))
def test_a_destino_of_few_topics_is_never_denied_on_coverage(
    taxonomy: Decision, coverage: float, vocabulary: float, topics: int
) -> None:
    decision, reason = combine(taxonomy, coverage, vocabulary, critical_missing=False, destino_topics=topics)
    assert decision is not Decision.INDEFERIDO
    assert (reason is None) == (decision is Decision.DEFERIDO)


@given(DECISIONS, SHARES, SHARES, SHARES, st.booleans(), st.integers(min_value=0, max_value=40))
def test_more_topic_coverage_never_gives_a_worse_decision(
    taxonomy: Decision, a: float, b: float, vocabulary: float, critical: bool, topics: int
) -> None:
    low, high = sorted((a, b))
    worse, _ = combine(taxonomy, low, vocabulary, critical, topics)
    better, _ = combine(taxonomy, high, vocabulary, critical, topics)
    assert ORDER[better] >= ORDER[worse]


def test_outside_the_taxonomy_little_coverage_of_many_topics_is_denied() -> None:
    below = (TOPICS_DENY + TOPICS_DENY_OUT_OF_VOCABULARY) / 2
    assert combine(Decision.ANALISE_HUMANA, below, 0.0, destino_topics=MIN_DENY_TOPICS) == (
        Decision.INDEFERIDO,
        None,
    )


def test_where_the_taxonomy_knows_the_subject_and_does_not_deny_the_lower_bar_holds() -> None:
    below = (TOPICS_DENY + TOPICS_DENY_OUT_OF_VOCABULARY) / 2
    assert combine(Decision.ANALISE_HUMANA, below, IN_VOCABULARY, destino_topics=10) == (
        Decision.ANALISE_HUMANA,
        ReviewReason.COBERTURA_INCERTA,
    )


def test_a_long_prose_destino_goes_to_review_not_denied() -> None:
    assert combine(Decision.INDEFERIDO, 0.0, 0.0, destino_topics=MIN_DENY_TOPICS - 1) == (
        Decision.ANALISE_HUMANA,
        ReviewReason.AREA_FORA_DO_VOCABULARIO,
    )


def test_most_destino_topics_listed_is_a_grant_in_any_subject() -> None:
    assert combine(Decision.INDEFERIDO, TOPICS_GRANT, 0.0, destino_topics=2) == (Decision.DEFERIDO, None)


def test_a_missing_critical_concept_of_a_known_subject_stays_the_institutions_rule() -> None:
    assert combine(Decision.INDEFERIDO, 0.5, IN_VOCABULARY, critical_missing=True, destino_topics=1) == (
        Decision.INDEFERIDO,
        None,
    )


def test_two_or_three_short_topics_are_a_list_and_can_be_denied() -> None:
    short_list = combine(Decision.INDEFERIDO, 0.0, 0.0, destino_topics=3, destino_mass=3 * LIST_TOPIC_MASS)
    prose = combine(Decision.INDEFERIDO, 0.0, 0.0, destino_topics=3, destino_mass=3 * LIST_TOPIC_MASS + 1)
    assert short_list == (Decision.INDEFERIDO, None)
    assert prose[0] is Decision.ANALISE_HUMANA
    assert combine(Decision.INDEFERIDO, 0.0, 0.0, destino_topics=1, destino_mass=1.0)[0] is Decision.ANALISE_HUMANA


def test_a_taxonomy_that_nearly_grants_and_topics_that_agree_grant() -> None:
    assert combine(Decision.ANALISE_HUMANA, TOPICS_NEAR, IN_VOCABULARY, taxonomy_near=True) == (
        Decision.DEFERIDO,
        None,
    )


@given(SHARES, SHARES, st.booleans(), st.booleans(), DECISIONS)
def test_nearly_granting_needs_every_condition(
    coverage: float, vocabulary: float, near: bool, critical: bool, taxonomy: Decision
) -> None:
    """Without the taxonomy knowing the subject, its near grant, topics at TOPICS_NEAR, no
    critical concept missing and an undecided taxonomy, the rule grants nothing the others would not."""
    with_rule, _ = combine(taxonomy, coverage, vocabulary, critical, taxonomy_near=near)
    without, _ = combine(taxonomy, coverage, vocabulary, critical, taxonomy_near=False)
    if with_rule is not without:
        assert with_rule is Decision.DEFERIDO and near and not critical
        assert taxonomy is Decision.ANALISE_HUMANA and vocabulary >= IN_VOCABULARY and coverage >= TOPICS_NEAR


def test_a_solid_destino_with_no_topic_left_out_is_granted_in_any_subject() -> None:
    """Every destino topic at least partly listed: the wording differs, no core topic is missing."""
    listed = combine(Decision.ANALISE_HUMANA, TOPICS_ALL_LISTED, 0.0, destino_topics=MIN_DENY_TOPICS, nothing_missing=True)
    assert listed == (Decision.DEFERIDO, None)
    below = combine(
        Decision.ANALISE_HUMANA, TOPICS_ALL_LISTED - 0.01, 0.0, destino_topics=MIN_DENY_TOPICS, nothing_missing=True
    )
    assert below == (Decision.ANALISE_HUMANA, ReviewReason.AREA_FORA_DO_VOCABULARIO)


def test_a_prose_destino_with_nothing_missing_still_goes_to_review() -> None:
    """One to three long segments are no list of topics: "nothing missing" proves nothing there."""
    decided = combine(
        Decision.ANALISE_HUMANA, TOPICS_ALL_LISTED, 0.0, destino_topics=3, destino_mass=90.0, nothing_missing=True
    )
    assert decided == (Decision.ANALISE_HUMANA, ReviewReason.AREA_FORA_DO_VOCABULARIO)


def test_a_known_subject_the_taxonomy_denies_is_not_granted_for_nothing_missing() -> None:
    decision, _ = combine(
        Decision.INDEFERIDO, TOPICS_ALL_LISTED, IN_VOCABULARY, destino_topics=MIN_DENY_TOPICS, nothing_missing=True
    )
    assert decision is not Decision.DEFERIDO


@given(DECISIONS, SHARES, SHARES, st.booleans(), st.integers(min_value=0, max_value=40), st.floats(0, 400))
def test_granting_on_nothing_missing_needs_every_condition(
    taxonomy: Decision, coverage: float, vocabulary: float, critical: bool, topics: int, mass: float
) -> None:
    """The rule grants nothing the others would not unless the destino is solid, topics reach
    TOPICS_ALL_LISTED and the taxonomy, where it knows the subject, neither denies nor misses a
    critical concept; and it never turns a decision into a worse one."""
    with_rule, _ = combine(taxonomy, coverage, vocabulary, critical, topics, mass, nothing_missing=True)
    without, _ = combine(taxonomy, coverage, vocabulary, critical, topics, mass, nothing_missing=False)
    if with_rule is not without:
        assert with_rule is Decision.DEFERIDO
        assert solid_destino(topics, mass) and coverage >= TOPICS_ALL_LISTED
        assert not (vocabulary >= IN_VOCABULARY and (critical or taxonomy is Decision.INDEFERIDO))
    assert ORDER[with_rule] >= ORDER[without]


@given(DECISIONS, SHARES, SHARES, SHARES, st.booleans(), st.integers(min_value=0, max_value=40), st.booleans())
def test_more_topic_coverage_never_gives_a_worse_decision_with_nothing_missing(
    taxonomy: Decision, a: float, b: float, vocabulary: float, critical: bool, topics: int, nothing_missing: bool
) -> None:
    low, high = sorted((a, b))
    worse, _ = combine(taxonomy, low, vocabulary, critical, topics, 60.0, nothing_missing=nothing_missing)
    better, _ = combine(taxonomy, high, vocabulary, critical, topics, 60.0, nothing_missing=nothing_missing)
    assert ORDER[better] >= ORDER[worse]


def test_outside_the_taxonomy_no_topic_covered_and_little_coverage_is_denied() -> None:
    """Both ementas list topics, the origem fully covers none of the destino's and lists less
    than TOPICS_DENY_NONE_COVERED of it: solid evidence that core topics are missing."""
    low = (TOPICS_DENY_OUT_OF_VOCABULARY + TOPICS_DENY_NONE_COVERED) / 2
    args = (Decision.ANALISE_HUMANA, low, 0.0)
    assert combine(*args, destino_topics=MIN_DENY_TOPICS, none_covered=True, origem_solid=True) == (
        Decision.INDEFERIDO,
        None,
    )
    prose_origem = combine(*args, destino_topics=MIN_DENY_TOPICS, none_covered=True, origem_solid=False)
    one_covered = combine(*args, destino_topics=MIN_DENY_TOPICS, none_covered=False, origem_solid=True)
    known_subject = combine(
        Decision.ANALISE_HUMANA, low, IN_VOCABULARY, destino_topics=MIN_DENY_TOPICS, none_covered=True, origem_solid=True
    )
    assert prose_origem[0] is one_covered[0] is known_subject[0] is Decision.ANALISE_HUMANA


@given(DECISIONS, SHARES, SHARES, st.booleans(), st.integers(min_value=0, max_value=40), st.floats(0, 400))
def test_denying_when_no_topic_is_covered_needs_every_condition(
    taxonomy: Decision, coverage: float, vocabulary: float, critical: bool, topics: int, mass: float
) -> None:
    """The rule denies nothing the others would not unless the subject is outside the taxonomy,
    the destino is solid, coverage is under TOPICS_DENY_NONE_COVERED and the taxonomy does not
    grant; it never turns a decision into a better one."""
    with_rule, _ = combine(taxonomy, coverage, vocabulary, critical, topics, mass, none_covered=True, origem_solid=True)
    without, _ = combine(taxonomy, coverage, vocabulary, critical, topics, mass)
    if with_rule is not without:
        assert with_rule is Decision.INDEFERIDO and without is Decision.ANALISE_HUMANA
        assert vocabulary < IN_VOCABULARY and solid_destino(topics, mass)
        assert coverage < TOPICS_DENY_NONE_COVERED and taxonomy is not Decision.DEFERIDO


@given(DECISIONS, SHARES, SHARES, SHARES, st.integers(min_value=0, max_value=40), st.booleans(), st.booleans())
def test_more_topic_coverage_never_gives_a_worse_decision_when_no_topic_is_covered(
    taxonomy: Decision, a: float, b: float, vocabulary: float, topics: int, none_covered: bool, origem_solid: bool
) -> None:
    low, high = sorted((a, b))
    flags = {"none_covered": none_covered, "origem_solid": origem_solid}
    worse, _ = combine(taxonomy, low, vocabulary, False, topics, 60.0, **flags)
    better, _ = combine(taxonomy, high, vocabulary, False, topics, 60.0, **flags)
    assert ORDER[better] >= ORDER[worse]


def test_the_topic_matcher_counts_the_origem_topics() -> None:
    comparison = LexicalTopicMatcher().compare("Ligações químicas. Soluções. Estequiometria.", QUIMICA)
    assert comparison.origem_topics == 3


def test_module_headings_are_neither_missing_nor_covered_topics() -> None:
    """A destino laid out in modules is covered by an origem that lists its topics without them,
    and two unrelated syllabi do not share coverage through their "Módulo N" headings."""
    matcher = LexicalTopicMatcher()
    destino = (
        "Módulo 1: Estrutura da célula procariótica. Módulo 2: Metabolismo microbiano. "
        "Módulo 3: Controle dos microrganismos. Módulo 4: Genética bacteriana."
    )
    origem = "Estrutura da célula procariótica; metabolismo microbiano; controle dos microrganismos; genética bacteriana."
    comparison = matcher.compare(origem, destino)
    assert [t.topico for t in comparison.topics] == [
        "Estrutura da célula procariótica", "Metabolismo microbiano", "Controle dos microrganismos", "Genética bacteriana",
    ]
    assert comparison.coverage == 1.0
    unrelated = "Módulo 1: Teoria do Estado. Módulo 2: Partidos políticos. Módulo 3: Sistemas eleitorais. Módulo 4: Democracia."
    assert matcher.compare(unrelated, destino).coverage == 0.0
