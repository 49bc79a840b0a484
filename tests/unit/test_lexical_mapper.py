"""Properties and examples of the offline lexical mapper."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.mappers.lexical_mapper import LexicalMapper
from adapters.mappers.taxonomy_json import load_default_taxonomy
from adapters.mappers.text import excerpt, fold, tokenize
from core.domain.model import Taxonomy, TaxonomyNode

TAXONOMY = load_default_taxonomy()
MAPPER = LexicalMapper()

SAMPLES = [
    "Sistemas de Banco de Dados. Modelagem conceitual e modelo relacional. Linguagem SQL. "
    "Normalização: dependências funcionais e formas normais. Processamento de transações.",
    "Limites. Continuidade. Derivadas e regras de derivação. Aplicações da derivada. Integral indefinida.",
    "Lei de Coulomb. Campo elétrico. Lei de Gauss. Potencial elétrico. Capacitância. Corrente e "
    "resistência. Campo magnético. Lei de Ampère. Lei de Faraday. Equações de Maxwell.",
    "Processos e threads; escalonamento; sincronização; gerenciamento de memória; memória virtual.",
    "Espaços e Subespaços Vetoriais. Base e Dimensão. Transformações Lineares. Autovalores e Autovetores.",
    "Ativo. Passivo. Patrimônio Líquido. Método das partidas dobradas. Demonstrações contábeis.",
]

words = st.sampled_from(
    "banco de dados sql álgebra relacional limites derivadas integral vetores matrizes campo elétrico "
    "processos memória árvores listas pilhas oferta demanda ativo passivo pesquisa ABNT , . ; e ou".split()
)
ementa_text = st.one_of(
    st.sampled_from(SAMPLES),
    st.lists(words, max_size=60).map(" ".join),
    st.text(max_size=300),
)


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def signature(matches):
    return {(m.node_id, m.confidence) for m in matches}


@settings(max_examples=150, deadline=None)
@given(ementa_text)
def test_mapping_is_deterministic(text):
    assert MAPPER.map(text, TAXONOMY) == MAPPER.map(text, TAXONOMY)
    assert LexicalMapper().map(text, TAXONOMY) == MAPPER.map(text, TAXONOMY)


@settings(max_examples=150, deadline=None)
@given(ementa_text)
def test_evidence_is_an_exact_excerpt_of_the_input(text):
    for match in MAPPER.map(text, TAXONOMY):
        assert match.evidence
        for piece in match.evidence:
            assert piece and piece in text
            assert len(piece) <= 200


@settings(max_examples=150, deadline=None)
@given(ementa_text)
def test_confidences_are_within_bounds_and_sorted(text):
    matches = MAPPER.map(text, TAXONOMY)
    assert all(0.0 <= m.confidence <= 1.0 for m in matches)
    keys = [(-m.confidence, m.node_id) for m in matches]
    assert keys == sorted(keys)
    assert len({m.node_id for m in matches}) == len(matches)


@settings(max_examples=100, deadline=None)
@given(ementa_text, st.sampled_from(["upper", "lower", "strip", "title"]))
def test_accents_and_case_do_not_change_the_concepts(text, how):
    variant = {
        "upper": str.upper,
        "lower": str.lower,
        "strip": strip_accents,
        "title": str.title,
    }[how](text)
    if fold(variant) != fold(text) or len(variant) != len(text):
        return  # some characters (ß, ligatures) change length or meaning when re-cased
    assert signature(MAPPER.map(variant, TAXONOMY)) == signature(MAPPER.map(text, TAXONOMY))


@given(st.sampled_from(["", "   ", "\n\n", "...;;;", "xyzzy qwerty asdf", "12345 67890", "a e o de da"]))
def test_empty_or_garbage_text_maps_to_nothing(text):
    assert MAPPER.map(text, TAXONOMY) == ()


def test_excerpt_is_the_clause_around_the_match():
    text = "Introdução. Modelo relacional e álgebra relacional; SQL."
    start = text.index("álgebra")
    assert excerpt(text, start, start + len("álgebra relacional")) == "Modelo relacional e álgebra relacional"


def test_tokens_keep_offsets_into_the_original_text():
    text = "Funções de Várias Variáveis"
    assert [text[t.start : t.end] for t in tokenize(text)] == ["Funções", "Várias", "Variáveis"]


def ids(text, cutoff=0.5):
    return {m.node_id for m in MAPPER.map(text, TAXONOMY) if m.confidence >= cutoff}


def test_a_databases_ementa_maps_to_database_concepts():
    found = ids(SAMPLES[0])
    assert {"comp.bd.sgbd", "comp.bd.modelo_relacional", "comp.bd.sql", "comp.bd.normalizacao",
            "comp.bd.transacoes"} <= found
    assert all(n.startswith("comp.bd.") for n in found)


def test_calculus_one_is_told_apart_from_multivariable_calculus():
    one = ids(SAMPLES[1])
    multi = ids("Funções de várias variáveis. Derivadas parciais. Integrais duplas e triplas. Teorema de Stokes.")
    assert {"mat.calc.limites", "mat.calc.derivadas"} <= one
    assert "mat.calc.integrais_multiplas" not in one
    assert {"mat.calc.varias_variaveis", "mat.calc.derivadas_parciais", "mat.calc.integrais_multiplas"} <= multi
    assert "mat.calc.limites" not in multi


def test_coordinated_lists_are_distributed():
    found = ids("Camadas de aplicação, transporte, rede e enlace. Produtos escalar e vetorial.")
    assert {"comp.redes.aplicacao", "comp.redes.transporte", "comp.redes.rede", "comp.redes.enlace",
            "mat.ga.produtos"} <= found


def test_a_longer_term_absorbs_the_shorter_one_inside_it():
    found = ids("Sistemas lineares. Matrizes.")
    assert "mat.al.matrizes_sistemas" in found
    assert not any(n.startswith("comp.") for n in found)


def test_a_word_sharing_only_a_stem_does_not_match():
    # "Diferenças" and "diferencial" share a Snowball stem but are different words
    assert not any(n.startswith("mat.") for n in ids("Diferenças básicas entre contabilidade financeira e gerencial"))


def test_other_areas_are_recognized():
    assert "fis.em.coulomb_campo" in ids(SAMPLES[2])
    assert {"comp.so.processos", "comp.so.escalonamento"} <= ids(SAMPLES[3])
    assert {"mat.al.espacos_vetoriais", "mat.al.autovalores"} <= ids(SAMPLES[4])
    assert {"cont.patrimonio", "cont.escrituracao", "cont.demonstracoes"} <= ids(SAMPLES[5])


def test_an_everyday_word_alone_does_not_bring_in_another_subject():
    # subjects the taxonomy does not know share everyday words with concepts it does
    assert not ids("Conceito, objeto e objetivo da Ecologia. Fluxo de energia nos ecossistemas.")
    assert "comp.poo.heranca" not in ids("Herança ligada ao sexo. Determinação do sexo. Mapa genético.")
    assert not any(n.startswith(("comp.", "mat.")) for n in ids("O Estado e as classes sociais. Relações de poder."))


def test_an_everyday_word_counts_next_to_its_subject():
    found = ids("Classes e objetos. Herança. Polimorfismo.")
    assert {"comp.poo.classes_objetos", "comp.poo.heranca", "comp.poo.polimorfismo"} <= found
    assert "fis.mec.trabalho_energia" in ids("Leis de Newton. Energia. Momento linear e colisões.")


def test_a_technical_or_many_word_keyword_counts_alone():
    assert ids("Polimorfismo.") == {"comp.poo.polimorfismo"}
    assert "fis.mec.trabalho_energia" in ids("Conservação da energia mecânica.")


def test_index_is_rebuilt_when_a_taxonomy_version_is_reused_with_other_nodes():
    mapper = LexicalMapper()
    node = TaxonomyNode("t.x", "a", "s", "Xadrez", keywords=("xadrez",))
    other = TaxonomyNode("t.y", "a", "s", "Damas", keywords=("damas",))
    assert [m.node_id for m in mapper.map("xadrez", Taxonomy("v", (node,)))] == ["t.x"]
    assert [m.node_id for m in mapper.map("damas", Taxonomy("v", (other,)))] == ["t.y"]


def test_version():
    assert MAPPER.version.startswith("lexical-")


def test_a_term_never_spans_a_sentence_break():
    found = ids("Vetores. A reta. O plano. Cônicas.")
    assert {"mat.ga.retas", "mat.ga.planos"} <= found


def test_a_conjunction_inside_the_text_splits_a_term_the_keyword_does_not_have():
    # "retas e planos" lists two topics; it is not the keyword "retas no plano"
    assert {"mat.ga.retas", "mat.ga.planos"} <= ids("Vetores no espaço. Retas e planos. Quádricas.")


def test_words_sharing_a_stem_but_not_their_ending_do_not_match():
    # "computadores" and "computabilidade" share the Snowball stem "comput"
    found = ids("Conceitos básicos de organização de computadores. Construção de algoritmos.")
    assert "comp.teoria.computabilidade" not in found


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(SAMPLES), min_size=1, max_size=4))
def test_joining_ementas_keeps_every_plainly_named_concept(parts):
    # the mapping of a concatenation finds at least the confident concepts of each part's own subject
    whole = ids(" ".join(parts), cutoff=0.0)
    for part in parts:
        strong = {m.node_id for m in MAPPER.map(part, TAXONOMY) if m.confidence >= 0.9}
        assert strong <= whole


def test_the_index_build_is_cached_per_taxonomy_version():
    mapper = LexicalMapper()
    mapper.map("Limites e derivadas.", TAXONOMY)
    first = mapper._index(TAXONOMY)
    mapper.map("Integrais duplas.", TAXONOMY)
    assert mapper._index(TAXONOMY) is first


def test_two_tenants_taxonomies_under_one_version_name_keep_their_own_index():
    # both objects stay alive at once (two tenants, one process): neither may answer for the other
    mapper = LexicalMapper()
    node = TaxonomyNode("t.x", "a", "s", "Xadrez", keywords=("xadrez",))
    other = TaxonomyNode("t.y", "a", "s", "Damas", keywords=("damas",))
    mine, theirs = Taxonomy("v", (node,)), Taxonomy("v", (other,))
    for _ in range(2):
        assert [m.node_id for m in mapper.map("xadrez e damas", mine)] == ["t.x"]
        assert [m.node_id for m in mapper.map("xadrez e damas", theirs)] == ["t.y"]


class _NodesThatCountComparisons(tuple):  # type: ignore[type-arg]
    compared = 0

    def __eq__(self, other: object) -> bool:
        type(self).compared += 1
        return tuple.__eq__(self, other)  # type: ignore[arg-type]

    __hash__ = tuple.__hash__


def test_the_index_lookup_never_compares_the_taxonomy_by_value(monkeypatch):
    import adapters.mappers.lexical_mapper as lexical

    builds = []
    real_build = lexical._build_index
    monkeypatch.setattr(lexical, "_build_index", lambda t: builds.append(t) or real_build(t))
    nodes = _NodesThatCountComparisons(TAXONOMY.nodes)
    taxonomy = Taxonomy(TAXONOMY.version, nodes)
    mapper = LexicalMapper()
    for _ in range(5):
        mapper.map("Limites e derivadas.", taxonomy)
    assert len(builds) == 1 and _NodesThatCountComparisons.compared == 0
    # an equal, new object (the same version loaded again) reuses the index after one comparison
    again = Taxonomy(TAXONOMY.version, tuple(TAXONOMY.nodes))
    assert mapper._index(again) is mapper._index(taxonomy) and len(builds) == 1
