"""SIGAA-style equivalence expressions: `(A E B) OU C` — E (and) binds tighter than OU (or).

    expressao := termo ("OU" termo)*
    termo     := fator ("E" fator)*
    fator     := CODIGO | "(" expressao ")"

`parse_expression` gives the alternatives, each a set of origem codes that together count as
the destino (disjunctive normal form, so `(A OU B) E C` is `(A E C) OU (B E C)`); codes are kept
as written. `format_expression` writes alternatives back; parsing it gives the same alternatives.
"""

from __future__ import annotations

import re

from core.domain.precedents import InvalidPrecedent

MAX_ALTERNATIVES = 64
"""An expression expanding to more alternatives is refused (no table needs that many)."""

Alternatives = tuple[tuple[str, ...], ...]
_TOKEN = re.compile(r"\s*(?:(?P<paren>[()])|(?P<word>[^\s()]+))")
_KEYWORDS = {"E": "AND", "OU": "OR"}


class ExpressionError(InvalidPrecedent):
    """An expression that does not parse; `position` is the 1-based column of the problem."""

    def __init__(self, position: int, message: str) -> None:
        super().__init__("origem", f"expressão inválida na posição {position}: {message}")
        self.position = position


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, 1-based column) of each token, then an END token."""
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        found = _TOKEN.match(text, pos)
        if found is None:  # only trailing whitespace left
            break
        if found.group("paren"):
            tokens.append((found.group("paren"), found.group("paren"), found.start("paren") + 1))
        elif found.group("word"):
            word = found.group("word")
            tokens.append((_KEYWORDS.get(word.upper(), "CODE"), word, found.start("word") + 1))
        pos = found.end()
    tokens.append(("END", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.at]

    def take(self) -> tuple[str, str, int]:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expression(self) -> Alternatives:
        alternatives = list(self.term())
        while self.peek()[0] == "OR":
            self.take()
            alternatives.extend(self.term())
        return _tidy(alternatives, self.peek()[2])

    def term(self) -> Alternatives:
        product: Alternatives = self.factor()
        while self.peek()[0] == "AND":
            self.take()
            right = self.factor()
            product = _tidy([left + other for left in product for other in right], self.peek()[2])
        return product

    def factor(self) -> Alternatives:
        kind, word, column = self.take()
        if kind == "CODE":
            return ((word,),)
        if kind == "(":
            inner = self.expression()
            closing = self.take()
            if closing[0] != ")":
                raise ExpressionError(closing[2], f"esperava ')' para o '(' da posição {column}")
            return inner
        if kind == "END":
            raise ExpressionError(column, "expressão incompleta: esperava um código ou '('")
        raise ExpressionError(column, f"esperava um código ou '(', encontrou '{word}'")


def _tidy(alternatives: list[tuple[str, ...]], column: int) -> Alternatives:
    """Each alternative's codes once and sorted; alternatives once, shortest first."""
    unique = {tuple(sorted(set(codes))) for codes in alternatives}
    if len(unique) > MAX_ALTERNATIVES:
        raise ExpressionError(column, f"a expressão gera mais de {MAX_ALTERNATIVES} alternativas")
    return tuple(sorted(unique, key=lambda codes: (len(codes), codes)))


def parse_expression(text: str) -> Alternatives:
    """The alternatives of an expression. Raises ExpressionError naming the position of the problem."""
    if not text.strip():
        raise ExpressionError(1, "expressão vazia")
    parser = _Parser(text)
    alternatives = parser.expression()
    kind, word, column = parser.peek()
    if kind != "END":
        raise ExpressionError(column, f"'{word}' inesperado depois de uma expressão completa")
    return alternatives


def format_expression(alternatives: Alternatives) -> str:
    """`(A E B) OU C`: each alternative of several codes in parentheses."""
    parts = [" E ".join(codes) if len(codes) == 1 else f"({' E '.join(codes)})" for codes in alternatives]
    return " OU ".join(parts)
