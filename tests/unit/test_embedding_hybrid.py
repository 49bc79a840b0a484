"""HybridMapper: lexical and embedding confidences combined; embeddings are no free source of concepts;
an embedding failure fails the hybrid."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from adapters.mappers.hybrid_mapper import HybridMapper
from core.domain.model import ConceptMatch, Taxonomy, TaxonomyNode
from core.ports.concept_mapper import MapperError

TAXONOMY = Taxonomy(
    "t",
    (
        TaxonomyNode("mat.lim", "matematica", "calculo", "Limites"),
        TaxonomyNode("mat.der", "matematica", "calculo", "Derivadas"),
        TaxonomyNode("mat.int", "matematica", "calculo", "Integrais"),
        TaxonomyNode("mat.mat", "matematica", "algebra linear", "Matrizes"),
        TaxonomyNode("eco.dem", "economia", "micro", "Demanda"),
    ),
)


@dataclass
class FixedMapper:
    answer: tuple[ConceptMatch, ...] = ()
    fails: bool = False
    version: str = "fixed-1"

    def map(self, text, taxonomy):
        if self.fails:
            raise MapperError("down")
        return self.answer


def hybrid(lexical=(), embedding=(), **kwargs) -> HybridMapper:
    return HybridMapper(
        FixedMapper(lexical, version="lexical-1"), FixedMapper(embedding, version="embed-m-1"), **kwargs
    )


def by_id(matches):
    return {m.node_id: m for m in matches}


def test_version_combines_both_sides():
    assert hybrid().version == "hybrid-lexical-1-embed-m-1"


def test_agreement_is_surer_than_either_side():
    lexical, embedding = ConceptMatch("mat.lim", 0.6, ("limites",)), ConceptMatch("mat.lim", 0.6, ("Limites.",))
    result = by_id(hybrid((lexical,), (embedding,)).map("x", TAXONOMY))
    assert result["mat.lim"].confidence > 0.6
    assert result["mat.lim"].evidence == ("limites", "Limites.")


def test_one_sided_matches_keep_about_their_confidence():
    result = by_id(
        hybrid((ConceptMatch("mat.lim", 0.7, ("a",)),), (ConceptMatch("mat.der", 0.5, ("b",)),)).map("x", TAXONOMY)
    )
    assert result["mat.lim"].confidence == 0.7
    assert result["mat.der"].confidence == pytest.approx(0.8 * 0.5)


def test_embedding_only_concepts_must_share_area_and_subarea_with_the_lexical_ones():
    result = by_id(
        hybrid(
            (ConceptMatch("mat.lim", 0.9, ("a",)),),
            (
                ConceptMatch("eco.dem", 0.9, ("b",)),  # another area
                ConceptMatch("mat.mat", 0.9, ("d",)),  # same broad area, another subject: not enough
                ConceptMatch("mat.int", 0.9, ("c",)),  # same area and subarea
            ),
        ).map("x", TAXONOMY)
    )
    assert set(result) == {"mat.lim", "mat.int"}


def test_an_embedding_only_concept_is_never_surer_than_the_lexical_evidence_of_its_subject():
    result = by_id(
        hybrid((ConceptMatch("mat.lim", 0.4, ("a",)),), (ConceptMatch("mat.int", 1.0, ("c",)),)).map("x", TAXONOMY)
    )
    assert result["mat.int"].confidence == 0.4


def test_without_lexical_evidence_the_embeddings_add_nothing():
    assert hybrid((), (ConceptMatch("eco.dem", 0.9, ("b",)), ConceptMatch("mat.lim", 1.0, ("c",)))).map("x", TAXONOMY) == ()


def test_embeddings_still_confirm_what_the_keywords_found():
    result = by_id(
        hybrid((ConceptMatch("eco.dem", 0.5, ("a",)),), (ConceptMatch("eco.dem", 0.9, ("b",)),)).map("x", TAXONOMY)
    )
    assert result["eco.dem"].confidence > 0.5


def test_weak_combined_confidence_is_dropped_and_order_is_by_confidence():
    result = hybrid(
        (ConceptMatch("mat.lim", 0.5, ("a",)), ConceptMatch("mat.der", 0.3, ("b",))),
        (ConceptMatch("mat.der", 0.9, ("b",)), ConceptMatch("mat.int", 0.2, ("c",))),
    ).map("x", TAXONOMY)
    assert [m.node_id for m in result] == ["mat.der", "mat.lim"]


def test_embedding_failure_fails_the_hybrid_so_the_chain_can_degrade():
    mapper = HybridMapper(FixedMapper((ConceptMatch("mat.lim", 0.9),)), FixedMapper(fails=True))
    with pytest.raises(MapperError):
        mapper.map("x", TAXONOMY)


def test_rejects_a_weight_outside_unit_interval():
    with pytest.raises(ValueError):
        hybrid(embedding_weight=1.5)
