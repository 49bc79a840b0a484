"""Text hygiene, language, segmentation: what the readers see of an ementa."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from core.domain.hygiene import normalize, syllabus
from core.domain.language import ENGLISH, PORTUGUESE, SPANISH, UNKNOWN, detect_language
from core.domain.topics import TopicScore, segment, topic_coverage, topic_credit

WORDS = st.sampled_from(
    "função derivação integração ecológica população solução célula genética mecânica "
    "análise álgebra matrizes vetores espaços lineares estatística probabilidade".split()
)
TEXTS = st.lists(st.lists(WORDS, min_size=1, max_size=6).map(" ".join), min_size=1, max_size=6).map(". ".join)


@given(TEXTS)
def test_decomposed_accents_and_invisible_characters_read_the_same(text: str) -> None:
    nfd = unicodedata.normalize("NFD", text)
    invisible = text.replace(" ", " \u200b").replace("a", "a\u00ad")
    assert syllabus(nfd) == syllabus(text) == syllabus(invisible)


def test_bullets_and_control_characters_become_plain_lines() -> None:
    assert normalize("• Limites\r\n● Derivadas\x07\n1) Integrais") == "Limites\nDerivadas\nIntegrais"


def test_bibliography_and_objectives_are_not_the_syllabus() -> None:
    text = (
        "Ementa: Estruturas de dados; listas. Objetivos: capacitar o aluno em C. "
        "Conteúdo programático: pilhas e filas.\nBibliografia básica\nSTEWART, J. Cálculo: limites, derivadas."
    )
    read = syllabus(text)
    assert "Estruturas de dados" in read.text and "pilhas e filas" in read.text
    assert "capacitar" not in read.text and "STEWART" not in read.text and "derivadas" not in read.text
    assert any("Bibliografia" in note for note in read.set_aside)
    assert any("Objetivos" in note for note in read.set_aside)


def test_a_section_word_inside_a_topic_is_not_a_heading() -> None:
    text = "Avaliação de desempenho de sistemas. Conceito, objeto e objetivo da Ecologia."
    assert syllabus(text).text == text


def test_negated_topics_are_removed_and_reported() -> None:
    read = syllabus("Funções reais. Não aborda derivadas nem integrais. Séries, exceto séries de Fourier; Matrizes.")
    assert "derivadas" not in read.text and "Fourier" not in read.text
    assert "Funções reais" in read.text and "Matrizes" in read.text
    assert len(read.set_aside) == 2


def test_language_of_syllabi() -> None:
    assert detect_language("Limites e continuidade. Derivadas e aplicações da derivada.") == PORTUGUESE
    assert detect_language("Introduction to relational databases: the relational model and SQL.") == ENGLISH
    assert detect_language("Data structures: stacks, queues, lists, trees and graphs. Hashing.") == ENGLISH
    assert detect_language("Introducción a las bases de datos: el modelo relacional y la normalización.") == SPANISH
    assert detect_language("Cálculo I.") == UNKNOWN


def test_segmentation_follows_sentences_lists_and_units() -> None:
    assert segment("Unidade I: Limites. Unidade II - Derivadas; regras de derivação.\nIntegrais") == (
        "Limites",
        "Derivadas",
        "regras de derivação",
        "Integrais",
    )
    assert segment("1. Estequiometria 2. Soluções 3. Ligações químicas") == (
        "Estequiometria",
        "Soluções",
        "Ligações químicas",
    )
    assert segment("   ...  ") == ()


def test_module_chapter_and_lesson_headings_are_structure_not_topics() -> None:
    """A syllabus laid out in modules lists the same topics as one without: a heading word with a
    number is cut out wherever it stands (line start, after ": " or " - ", any case)."""
    assert segment("Módulo 1: Limites e continuidade. Módulo 2: Derivadas.") == ("Limites e continuidade", "Derivadas")
    assert segment("Limites\nMÓDULO II - Derivadas\nCapítulo 3 – Integrais") == ("Limites", "Derivadas", "Integrais")
    assert segment("Conteúdo: Tema 1 Células - Parte IV: Tecidos; Tópico 2. Órgãos") == (
        "Conteúdo", "Células", "Tecidos", "Órgãos",
    )
    assert segment("Aula 1: Estática. Semana 2: Dinâmica. Bloco ix - Fluidos") == ("Estática", "Dinâmica", "Fluidos")
    assert segment("INTRODUÇÃO 1.1 Conceitos 1.2 Fatores") == ("INTRODUÇÃO", "Conceitos", "Fatores")
    # the same words as content, or a number that is not a section, stay
    assert segment("Temas atuais da parte vital. Módulos de Young. Python 3.10 e bibliotecas") == (
        "Temas atuais da parte vital", "Módulos de Young", "Python 3.10 e bibliotecas",
    )


HEADINGS = st.sampled_from(["Módulo", "MÓDULO", "Capítulo", "capitulo", "Tema", "Parte", "Tópico", "Aula", "Semana", "Bloco", "Unidade"])
NUMBERS = st.sampled_from(["1", "2", "12", "I", "II", "iv", "X"])
SEPARATORS = st.sampled_from([": ", " - ", " – ", ". ", " "])


@given(st.lists(st.tuples(HEADINGS, NUMBERS, SEPARATORS, st.lists(WORDS, min_size=1, max_size=5).map(" ".join)), min_size=1, max_size=6),
       st.sampled_from(["\n", ". ", "; "]))
def test_headings_before_topics_never_change_them(items: list[tuple[str, str, str, str]], joint: str) -> None:
    plain = joint.join(topic for _, _, _, topic in items)
    headed = joint.join(f"{heading} {number}{sep}{topic}" for heading, number, sep, topic in items)
    assert segment(headed) == segment(plain)


@given(st.floats(min_value=0, max_value=1), st.floats(min_value=0, max_value=1))
def test_topic_credit_is_monotone_and_bounded(a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert 0.0 <= topic_credit(low) <= topic_credit(high) <= 1.0


def test_coverage_of_nothing_is_zero() -> None:
    assert topic_coverage(()) == 0.0
    assert topic_coverage((TopicScore("Limites", 4.0, 0.0),)) == 0.0
    assert topic_coverage((TopicScore("Limites", 4.0, 1.0), TopicScore("Séries", 4.0, 0.0))) == 0.5


def test_the_quoted_origem_topic_is_the_one_that_shares_most() -> None:
    from adapters.mappers.topic_matcher import LexicalTopicMatcher

    comparison = LexicalTopicMatcher().compare(
        "Morfologia das bactérias, vírus e fungos. Fisiologia dos microrganismos. Genética bacteriana.",
        "Genética de bactérias.",
    )
    (topic,) = comparison.topics
    assert topic.similaridade == 1.0 and topic.trecho_origem == "Genética bacteriana"


def test_a_very_long_syllabus_is_read_up_to_the_limit_and_says_so() -> None:
    from core.domain.hygiene import MAX_SYLLABUS_CHARS

    sentence = "Limites e continuidade de funções reais. "
    text = sentence * (2 * MAX_SYLLABUS_CHARS // len(sentence))
    read = syllabus(text)
    assert len(read.text) <= MAX_SYLLABUS_CHARS and read.text.endswith(".")
    assert any("não lido" in note for note in read.set_aside)
    assert syllabus(sentence * 3).set_aside == ()
