"""Primary → fallback → degraded: the mapping step never raises."""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.mapping import map_ementa
from core.domain.model import ConceptMatch, Taxonomy, TaxonomyNode
from core.ports.concept_mapper import MapperError

TAXONOMY = Taxonomy("t", (TaxonomyNode("a", "x", "y", "Limites"),))


@dataclass
class FixedMapper:
    """A fake mapper that answers a fixed list, or fails, and counts its calls."""

    answer: tuple[ConceptMatch, ...] = ()
    fails: bool = False
    version: str = "fixed-1"
    calls: int = 0

    def map(self, text: str, taxonomy: Taxonomy) -> tuple[ConceptMatch, ...]:
        self.calls += 1
        if self.fails:
            raise MapperError("down")
        return self.answer


GOOD = (ConceptMatch("a", 0.9, ("limites",)),)


def test_primary_answer_is_not_degraded():
    outcome = map_ementa("limites", TAXONOMY, FixedMapper(GOOD), FixedMapper(fails=True), True)
    assert outcome.matches == GOOD and not outcome.degraded and outcome.mapper_version == "fixed-1"


def test_failing_primary_uses_fallback_and_is_degraded():
    fallback = FixedMapper(GOOD, version="fallback-1")
    outcome = map_ementa("limites", TAXONOMY, FixedMapper(fails=True), fallback, True)
    assert outcome.degraded and outcome.matches == GOOD and outcome.mapper_version == "fallback-1"
    assert "down" in (outcome.error or "")


def test_empty_primary_uses_fallback():
    fallback = FixedMapper(GOOD, version="fallback-1")
    outcome = map_ementa("limites", TAXONOMY, FixedMapper(()), fallback, True)
    assert outcome.degraded and fallback.calls == 1


def test_fallback_not_allowed_degrades_without_calling_it():
    fallback = FixedMapper(GOOD)
    outcome = map_ementa("limites", TAXONOMY, FixedMapper(fails=True), fallback, False)
    assert outcome.degraded and outcome.matches == () and fallback.calls == 0


def test_both_failing_is_degraded_not_an_exception():
    outcome = map_ementa("limites", TAXONOMY, FixedMapper(fails=True), FixedMapper(fails=True), True)
    assert outcome.degraded and outcome.matches == ()


def test_concepts_outside_the_taxonomy_are_dropped():
    invented = (ConceptMatch("invented", 1.0, ("x",)), *GOOD)
    outcome = map_ementa("limites", TAXONOMY, FixedMapper(invented), None, True)
    assert outcome.matches == GOOD


def test_empty_answer_the_fallback_confirms_is_an_answer_not_a_failure():
    fallback = FixedMapper((), version="fallback-1")
    outcome = map_ementa("arte barroca", TAXONOMY, FixedMapper((), version="primary-1"), fallback, True)
    assert outcome.matches == () and not outcome.degraded and outcome.mapper_version == "primary-1"
    assert fallback.calls == 1


def test_empty_answer_without_fallback_is_an_answer_not_a_failure():
    outcome = map_ementa("arte barroca", TAXONOMY, FixedMapper(()), None, True)
    assert outcome.matches == () and not outcome.degraded
