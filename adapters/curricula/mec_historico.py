"""MEC's Histórico Escolar Digital (XML, leiaute v1.05) as a case's transcript (POST /v1/cases, ADR 0027).

Validated against the official XSDs shipped in adapters/curricula/xsd/ (root
`HistoricoEscolarDigital_v1.05.xsd`; lxml, `no_network=True`, no DTD, no entities), every schema
error naming the element and its line. The Histórico carries no ementas: they come alongside, by
`CodigoDisciplina`. A `ds:Signature` is detected and reported, never verified; an unsigned
document is validated as if it carried one (like the Currículo import, docs/adr/0016-curricula.md).

Each `Disciplina` becomes one course of the transcript (`AtividadeComplementar`, `Estagio` and
`SituacaoDiscente` entries are not courses and are skipped):
- `CargaHoraria` (1..n): summed; all `HoraRelogio` → hora_relogio, all `HoraAula` → hora_aula with
  the minutes the caller states (the Histórico does not say them; the Currículo of the origem
  does), mixed → converted to clock hours;
- `Aprovado` → approved; `Pendente`, `Reprovado` → not approved (their name is the status);
- `Nota`/`NotaAteCem` → nota; `Conceito`, `ConceitoRM`, `ConceitoEspecificoDoCurso` → conceito;
- a code taken more than once (failed, then passed): the last approved entry, else the last one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from lxml import etree

from adapters.curricula.document import CurriculumFormatError
from adapters.curricula.mec_xml import DS, MEC, XSD_DIR, _element_path, _short, _with_placeholder_signature

ROOT_XSD = "HistoricoEscolarDigital_v1.05.xsd"
ROOTS = ("DocumentoHistoricoEscolarFinal", "DocumentoHistoricoEscolarParcial", "DocumentoHistoricoEscolarSegundaViaNatoFisico")
FORMAT = "mec_historico_escolar_digital_v1.05"
MAX_PROBLEMS = 20
_NS = {"m": MEC, "ds": DS}
_GRADES = ("Nota", "NotaAteCem")
_CONCEPTS = ("Conceito", "ConceitoRM", "ConceitoEspecificoDoCurso")
_OUTCOMES = ("Aprovado", "Pendente", "Reprovado")


@lru_cache(maxsize=1)
def historico_schema() -> etree.XMLSchema:
    """The Histórico schema, loaded once from the files shipped with the service (no network)."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(XSD_DIR / ROOT_XSD), parser))


@dataclass(frozen=True)
class Historico:
    """The transcript read from a Histórico: courses shaped as `historico[i]` of the case body."""

    root: str
    signature_present: bool
    codigo_curriculo: str | None
    instituicao: str | None
    courses: list[dict[str, Any]]
    lines: list[int]  # each course's Disciplina line (to locate a later error)
    without_ementa: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """What the case answer says about the document it read."""
        return {
            "formato": FORMAT,
            "raiz": self.root,
            "assinatura_presente": self.signature_present,
            "assinatura_verificada": False,
            "codigo_curriculo": self.codigo_curriculo,
            "instituicao": self.instituicao,
            "disciplinas": len(self.courses),
            "sem_ementa": self.without_ementa,
        }


def decode_historico(body: bytes, ementas: Mapping[str, str], minutos_hora_aula: int | None) -> Historico:
    """Histórico XML bytes + ementas by code → Historico. Raises CurriculumFormatError whose
    `problems` name each bad element (or `ementas.<code>`) and its line."""
    root = _parse(body)
    signed = root.find("ds:Signature", _NS) is not None
    _validate(root if signed else _with_placeholder_signature(root))
    info = root.find("m:infHistoricoEscolar", _NS)
    assert info is not None  # the schema requires it
    chosen: dict[str, tuple[Any, bool]] = {}
    for element in info.findall("m:HistoricoEscolar/m:ElementosHistorico/m:Disciplina", _NS):
        code = _text(element, "m:CodigoDisciplina")
        if code is None:
            raise CurriculumFormatError(
                "historico_xml", f"line {element.sourceline}: Disciplina without CodigoDisciplina: its ementa cannot be matched"
            )
        approved = element.find("m:Aprovado", _NS) is not None
        if code not in chosen or approved or not chosen[code][1]:
            chosen[code] = (element, approved)
    unknown = sorted(set(ementas) - set(chosen))
    if unknown:
        problems = [(f"ementas.{c}", f"no Disciplina with CodigoDisciplina {c!r} in the histórico") for c in unknown]
        raise CurriculumFormatError(problems[0][0], problems[0][1], problems)
    instituicao = _text(info, "m:IesEmissora/m:Nome")
    ordered = sorted(chosen.items(), key=lambda item: item[1][0].sourceline or 0)
    courses = [_course(code, element, ementas.get(code, ""), instituicao, minutos_hora_aula) for code, (element, _) in ordered]
    return Historico(
        root=_local(str(root.tag)),
        signature_present=signed,
        codigo_curriculo=_text(info, "m:HistoricoEscolar/m:CodigoCurriculo"),
        instituicao=instituicao,
        courses=courses,
        lines=[element.sourceline or 0 for _, (element, _) in ordered],
        without_ementa=[code for code, _ in ordered if not ementas.get(code, "").strip()],
    )


def _course(code: str, element: Any, ementa: str, instituicao: str | None, minutes: int | None) -> dict[str, Any]:
    course: dict[str, Any] = {"codigo": code, "nome": _text(element, "m:NomeDisciplina"), "ementa": ementa}
    course.update(_workload(element, minutes))
    periodo = _text(element, "m:PeriodoLetivo")
    if periodo:
        course["periodo"] = periodo[:20]
    if instituicao:
        course["instituicao"] = instituicao[:300]
    for name in _GRADES:
        value = _text(element, f"m:{name}")
        if value is not None:
            course["nota"] = float(value)
    for name in _CONCEPTS:
        value = _text(element, f"m:{name}")
        if value:
            course["conceito"] = value[:20]
    outcome = next(name for name in _OUTCOMES if element.find(f"m:{name}", _NS) is not None)
    course.update(status=outcome, aprovado=outcome == "Aprovado")
    return course


def _workload(element: Any, minutes: int | None) -> dict[str, Any]:
    aula = [float(e.text) for e in element.findall("m:CargaHoraria/m:HoraAula", _NS)]
    relogio = [float(e.text) for e in element.findall("m:CargaHoraria/m:HoraRelogio", _NS)]
    if aula and minutes is None:
        raise CurriculumFormatError(
            "historico_minutos_hora_aula",
            f"line {element.find('m:CargaHoraria', _NS).sourceline}: Disciplina/CargaHoraria/HoraAula: the Histórico "
            "does not say how many clock minutes its hora-aula has; send historico_minutos_hora_aula (e.g. 50)",
        )
    if aula and not relogio:
        return {"carga_horaria": sum(aula), "unidade_carga": "hora_aula", "minutos_hora_aula": minutes}
    clock = sum(relogio) + (sum(aula) * (minutes or 60) / 60 if aula else 0.0)
    return {"carga_horaria": round(clock, 2), "unidade_carga": "hora_relogio"}


def _parse(body: bytes) -> Any:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise CurriculumFormatError("historico_xml", f"line {exc.lineno or 1}: XML is not well-formed: {exc.msg}") from None
    if root.getroottree().docinfo.doctype:
        raise CurriculumFormatError("historico_xml", "line 1: a DOCTYPE is not allowed in a Histórico document")
    if root.tag not in {f"{{{MEC}}}{name}" for name in ROOTS}:
        raise CurriculumFormatError(
            "historico_xml",
            f"line {root.sourceline}: the root element must be one of {', '.join(ROOTS)} in namespace {MEC}, not {root.tag}",
        )
    return root


def _validate(root: Any) -> None:
    schema = historico_schema()
    try:
        if schema.validate(root):
            return
    except etree.XMLSchemaValidateError as exc:
        raise CurriculumFormatError("historico_xml", f"the document cannot be validated: {exc}") from None
    problems = [
        ("historico_xml", f"line {entry.line}: {_element_path(root, entry.path)}: {_short(entry.message)}")
        for entry in list(schema.error_log)[:MAX_PROBLEMS]
    ]
    raise CurriculumFormatError(problems[0][0], problems[0][1], problems)


def _text(element: Any, path: str) -> str | None:
    found = element.find(path, _NS)
    return None if found is None or found.text is None else found.text.strip()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
