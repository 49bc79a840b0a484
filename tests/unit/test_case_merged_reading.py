"""A case reads each ementa once and decides a combination on its members' merged reading (ADR 0027).

The merged reading must be what `evaluate` would read: for one origem course exactly the same
evaluation; for a combination the topic comparison of the joined texts, and never less coverage
than any member has alone.
"""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.curricula.document import CurriculumIn, document_to_curriculum
from adapters.mappers.lexical_mapper import LexicalMapper
from adapters.mappers.taxonomy_json import load_default_taxonomy
from adapters.mappers.topic_matcher import LexicalTopicMatcher
from core.domain.curriculum import CurriculumUnit
from core.domain.model import Course, Decision, Policy
from core.domain.reading import ReviewReason
from core.ports.topic_matcher import TopicMatcher
from core.usecases.bootstrap import DEFAULT_TENANT
from core.usecases.cases import EvaluateCase, JoinedCaseTopics, merged_reading, pair_command
from core.usecases.evaluate import EvaluateCommand, EvaluatePair
from tests.fakes import FakeUnitOfWorkFactory, FixedClock
from tests.support.case_world import case_world, realistic, transcript

TAXONOMY = load_default_taxonomy()
POLICY = Policy(version="default-v1")
MATCHER = LexicalTopicMatcher()
PAIRS = EvaluatePair(FakeUnitOfWorkFactory(), LexicalMapper(), None, FixedClock(), topic_matcher=MATCHER)
ORIGENS = [c["ementa"] for c in realistic()["transcript"]] + ["\n".join(u["ementa"]) for u in realistic()["curriculo"]["units"]]
DESTINOS = ["\n".join(u["ementa"]) for u in realistic()["curriculo"]["units"]]
ENGLISH = (
    "Introduction to linear algebra with applications. Vector spaces and their subspaces. Linear "
    "transformations and the matrices that represent them. Eigenvalues and eigenvectors of matrices."
)


def _command(origem: str, destino: str, hours: int, approved: bool | None, year: int | None) -> EvaluateCommand:
    return EvaluateCommand(
        "t", "r", "h",
        Course("Origem", hours, origem, aprovado=approved, ano_conclusao=year),
        Course("Destino", 60, destino),
    )


@settings(max_examples=40, deadline=None)
@given(
    o=st.integers(0, len(ORIGENS) - 1),
    d=st.integers(0, len(DESTINOS) - 1),
    hours=st.integers(20, 120),
    approved=st.sampled_from([True, None, False]),
    year=st.sampled_from([None, 2001, 2022]),
)
def test_one_course_merged_reading_decides_exactly_as_evaluate(o: int, d: int, hours: int, approved: bool | None, year: int | None) -> None:
    command = _command(ORIGENS[o], DESTINOS[d], hours, approved, year)
    expected = PAIRS.decide(command, TAXONOMY, POLICY)
    origem, destino = PAIRS.read(ORIGENS[o], TAXONOMY), PAIRS.read(DESTINOS[d], TAXONOMY)
    table = MATCHER.for_case([origem.syllabus.text], [destino.syllabus.text])
    with_excerpts = PAIRS.decide_read(command, TAXONOMY, POLICY, merged_reading([origem], destino, table.compare((0,), 0, True)))
    without = PAIRS.decide_read(command, TAXONOMY, POLICY, merged_reading([origem], destino, table.compare((0,), 0)))
    assert with_excerpts == expected  # the whole evaluation: decision, score, justification, reading
    assert (without.decisao, without.score, without.motivo_revisao) == (expected.decisao, expected.score, expected.motivo_revisao)
    assert table.pairwise(0, 0) == pytest.approx(MATCHER.compare(origem.syllabus.text, destino.syllabus.text).coverage)


@settings(max_examples=40, deadline=None)
@given(members=st.lists(st.integers(0, len(ORIGENS) - 1), min_size=1, max_size=3, unique=True), d=st.integers(0, len(DESTINOS) - 1))
def test_a_combination_covers_at_least_what_each_member_covers_and_reads_as_the_joined_text(members: list[int], d: int) -> None:
    texts = [PAIRS.read(ORIGENS[i], TAXONOMY).syllabus.text for i in range(len(ORIGENS))]
    destino = PAIRS.read(DESTINOS[d], TAXONOMY).syllabus.text
    table = MATCHER.for_case(texts, [destino])
    combined = table.compare(tuple(members), 0)
    for m in members:
        assert combined.coverage >= table.compare((m,), 0).coverage
        assert combined.coverage >= table.pairwise(m, 0) - 1e-12
    joined = MATCHER.compare("\n\n".join(texts[i] for i in members), destino)
    assert table.compare(tuple(members), 0, excerpts=True) == joined
    assert [t.similaridade for t in combined.topics] == [t.similaridade for t in joined.topics]


def test_merged_concepts_are_the_members_concepts_together() -> None:
    a, b = PAIRS.read(ORIGENS[0], TAXONOMY), PAIRS.read(ORIGENS[1], TAXONOMY)
    destino = PAIRS.read(DESTINOS[0], TAXONOMY)
    table = MATCHER.for_case([a.syllabus.text, b.syllabus.text], [destino.syllabus.text])
    pair = merged_reading([a, b], destino, table.compare((0, 1), 0))
    assert {m.node_id for m in pair.origem_mapping.matches} == {m.node_id for m in a.mapping.matches + b.mapping.matches}
    assert pair.reading is not None and pair.reading.origem.text == a.syllabus.text + "\n\n" + b.syllabus.text


def test_a_combination_with_an_ementa_in_an_unsupported_language_goes_to_a_person() -> None:
    portuguese, english = PAIRS.read(DESTINOS[0], TAXONOMY), PAIRS.read(ENGLISH, TAXONOMY)
    destino = PAIRS.read(DESTINOS[0], TAXONOMY)
    table = MATCHER.for_case([portuguese.syllabus.text, english.syllabus.text], [destino.syllabus.text])
    command = _command(DESTINOS[0] + "\n\n" + ENGLISH, DESTINOS[0], 120, True, None)
    evaluation = PAIRS.decide_read(command, TAXONOMY, POLICY, merged_reading([portuguese, english], destino, table.compare((0, 1), 0)))
    assert evaluation.decisao is Decision.ANALISE_HUMANA
    assert evaluation.motivo_revisao is ReviewReason.IDIOMA_NAO_SUPORTADO


def test_every_stored_single_course_pair_of_a_case_is_what_evaluate_decides_for_it() -> None:
    world = case_world()
    document = world.evaluate_case(world.command())
    courses = {c.codigo: c for c in transcript()}
    units = {u.codigo: u for u in world_units()}
    base = EvaluateCommand(DEFAULT_TENANT, "", "", Course("-", 1, "-"), Course("-", 1, "-"))
    checked = 0
    for d in document["destinos"]:
        if not d["request_id"] or d["candidata"] is None or len(d["candidata"]["origens"]) != 1:
            continue
        with world.uows.reading() as uow:
            stored = uow.results.get(DEFAULT_TENANT, d["request_id"])
        assert stored is not None
        command = pair_command(base, [courses[d["candidata"]["origens"][0]]], units[d["codigo"]])
        expected = PAIRS.decide(command, TAXONOMY, POLICY)
        assert (stored.decision, stored.score) == (expected.decisao.value, expected.score)
        checked += 1
    assert checked >= 3


class _PlainMatcher:
    """A TopicMatcher without `for_case`: the case compares the joined texts."""

    version = MATCHER.version

    def compare(self, origem: str, destino: str):  # type: ignore[no-untyped-def]
        return MATCHER.compare(origem, destino)


def test_a_matcher_without_for_case_gives_the_same_answer() -> None:
    fast, plain = case_world(), case_world()
    matcher: TopicMatcher = _PlainMatcher()
    slow_case = EvaluateCase(plain.uows, plain.evaluate_case._pairs, matcher, plain.evaluate_case._solver, plain.clock, plain.evaluate_case._ids)  # noqa: SLF001
    a = fast.evaluate_case(fast.command())
    b = slow_case(plain.command())
    assert [(d["codigo"], d["decisao"], d["origens"], d["score"]) for d in a["destinos"]] == [
        (d["codigo"], d["decisao"], d["origens"], d["score"]) for d in b["destinos"]
    ]
    assert JoinedCaseTopics(matcher, ["a"], ["b"]).pairwise(0, 0) == 0.0


def world_units() -> tuple[CurriculumUnit, ...]:
    return document_to_curriculum(msgspec.convert(realistic()["curriculo"], CurriculumIn)).units
