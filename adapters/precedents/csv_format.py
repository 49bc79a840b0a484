"""The precedent table as CSV (UTF-8, comma or semicolon separated, a header row).

Columns (docs/adr/0024-precedents.md; unknown columns are refused):
- `instituicao` (required): the origem institution;
- `origem` (required): one code, or a SIGAA expression `(A E B) OU C` — one precedent per alternative;
- `ementa_origem`: the ementa; with several codes, each one's as `[A] texto… [B] texto…`.
  Without an ementa the precedent is only shown as evidence (a fingerprint cannot be confirmed);
- `destino_codigo` and/or `course_id` (at least one): the curriculum unit / course it counts as;
- `tipo`: `binding` (default) or `advisory`;
- `vigencia_inicio` (required) and `vigencia_fim` (optional, first day no longer in force), YYYY-MM-DD;
- `escopo`, `parecer`: free text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from core.domain.precedent_expression import ExpressionError, parse_expression
from core.domain.precedents import InvalidPrecedent, Origin, PrecedentKind
from core.usecases.precedents import PrecedentDraft

COLUMNS = (
    "instituicao", "origem", "ementa_origem", "destino_codigo", "course_id",
    "tipo", "vigencia_inicio", "vigencia_fim", "escopo", "parecer",
)
REQUIRED = ("instituicao", "origem", "vigencia_inicio")
MAX_ROWS = 100_000
_TAGGED = re.compile(r"\[([^\]\n]+)\]")


def parse_precedents_csv(text: str) -> list[PrecedentDraft]:
    """Drafts of every row's alternatives. Raises InvalidPrecedent with `linhas[N].coluna` as field."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise InvalidPrecedent("arquivo", "arquivo CSV vazio")
    delimiter = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip() for name in reader.fieldnames or []]
    unknown = sorted(set(header) - set(COLUMNS))
    if unknown:
        raise InvalidPrecedent("cabecalho", f"colunas desconhecidas: {', '.join(unknown)} (aceitas: {', '.join(COLUMNS)})")
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InvalidPrecedent("cabecalho", f"faltam as colunas: {', '.join(missing)}")
    drafts: list[PrecedentDraft] = []
    for line, raw in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            raise InvalidPrecedent("arquivo", f"mais de {MAX_ROWS} linhas: divida o arquivo")
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        drafts.extend(_row_drafts(row, line))
    if not drafts:
        raise InvalidPrecedent("arquivo", "nenhuma linha de precedente no arquivo")
    return drafts


def _row_drafts(row: dict[str, str], line: int) -> list[PrecedentDraft]:
    for name in REQUIRED:
        if not row.get(name):
            raise InvalidPrecedent(f"linhas[{line}].{name}", f"linha {line}: '{name}' é obrigatório")
    try:
        alternatives = parse_expression(row["origem"])
    except ExpressionError as error:
        raise InvalidPrecedent(f"linhas[{line}].origem", f"linha {line}: {error}") from error
    ementas = _ementas(row.get("ementa_origem", ""), alternatives, line)
    kind = _kind(row.get("tipo", ""), line)
    valid_from = _date(row["vigencia_inicio"], f"linhas[{line}].vigencia_inicio", line)
    valid_to = _date(row["vigencia_fim"], f"linhas[{line}].vigencia_fim", line) if row.get("vigencia_fim") else None
    return [
        PrecedentDraft(
            origens=tuple(Origin(row["instituicao"], code, ementas.get(code, "")) for code in codes),
            destino_codigo=row.get("destino_codigo") or None,
            course_id=row.get("course_id") or None,
            kind=kind,
            valid_from=valid_from,
            valid_to=valid_to,
            escopo=row.get("escopo") or None,
            parecer=row.get("parecer") or None,
            expressao=row["origem"] if len(alternatives) > 1 or len(codes) > 1 else None,
            line=line,
        )
        for codes in alternatives
    ]


def _ementas(text: str, alternatives: tuple[tuple[str, ...], ...], line: int) -> dict[str, str]:
    codes = {code for codes in alternatives for code in codes}
    if not text:
        return {}
    tags = list(_TAGGED.finditer(text))
    if not tags or tags[0].start() != 0 and text[: tags[0].start()].strip():
        if len(codes) > 1:
            raise InvalidPrecedent(
                f"linhas[{line}].ementa_origem", f"linha {line}: com vários códigos, marque cada ementa: [COD] texto"
            )
        return {next(iter(codes)): text}
    out: dict[str, str] = {}
    for index, tag in enumerate(tags):
        code = tag.group(1).strip()
        if code not in codes:
            raise InvalidPrecedent(f"linhas[{line}].ementa_origem", f"linha {line}: '[{code}]' não está na expressão de origem")
        end = tags[index + 1].start() if index + 1 < len(tags) else len(text)
        out[code] = text[tag.end() : end].strip()
    return out


def _kind(text: str, line: int) -> PrecedentKind:
    try:
        return PrecedentKind(text.lower() or "binding")
    except ValueError:
        raise InvalidPrecedent(f"linhas[{line}].tipo", f"linha {line}: tipo deve ser 'binding' ou 'advisory'") from None


def _date(text: str, field: str, line: int) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidPrecedent(field, f"linha {line}: data inválida '{text}' (use AAAA-MM-DD)") from None
