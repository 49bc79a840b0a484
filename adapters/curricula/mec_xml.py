"""MEC's Currículo Escolar Digital (XML, leiaute v1.05) → Curriculum, validated against the official XSDs.

The XSDs (adapters/curricula/xsd/, see SOURCES.md there) load from the package with lxml and
`no_network=True`; documents are parsed without network, DTDs or entity expansion. Every schema
error names the element and its line. The schema's root requires one or more `ds:Signature`:
a signature is only *detected*, never verified (`signature_present`). A document without one is
validated as if it carried one (a placeholder is added to a copy) and stored with
`signature_present = false`, so an unsigned export of the academic system can be imported and
the difference stays visible (docs/adr/0016-curricula.md).
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

from adapters.curricula.document import CurriculumFormatError, document_to_curriculum
from core.domain.catalog import VERSION_PATTERN
from core.domain.curriculum import Curriculum
from core.domain.workload import MAX_MINUTES, MIN_MINUTES

MEC = "http://portal.mec.gov.br/diplomadigital/arquivos-em-xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
XSD_DIR = Path(__file__).parent / "xsd"
ROOT_XSD = "CurriculoEscolarDigital_v1.05.xsd"
MAX_PROBLEMS = 20
_NS = {"m": MEC, "ds": DS}


@lru_cache(maxsize=1)
def curriculum_schema() -> etree.XMLSchema:
    """The Currículo schema, loaded once from the files shipped with the service (no network)."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(XSD_DIR / ROOT_XSD), parser))


def decode_xml(body: bytes, version: str | None = None) -> Curriculum:
    """Currículo XML bytes → Curriculum (named `version`, else its CodigoCurriculo).

    Raises CurriculumFormatError whose `problems` name each bad element and line.
    """
    root = _parse(body)
    signed = root.find("ds:Signature", _NS) is not None
    _validate(root if signed else _with_placeholder_signature(root))
    info = root.find("m:infCurriculoEscolar", _NS)
    assert info is not None  # the schema requires it
    codigo = _text(info, "m:CodigoCurriculo")
    name = version or codigo
    if name is None or not re.match(VERSION_PATTERN, name):
        raise CurriculumFormatError(
            "version", f"CodigoCurriculo {codigo!r} cannot name a version: give one (?version= or --version)"
        )
    minutes = int(_text(info, "m:MinutosRelogioDaHoraAula") or 0)
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        element = info.find("m:MinutosRelogioDaHoraAula", _NS)
        raise CurriculumFormatError(
            "CurriculoEscolar/infCurriculoEscolar/MinutosRelogioDaHoraAula",
            f"line {element.sourceline}: MinutosRelogioDaHoraAula {minutes} is outside {MIN_MINUTES}..{MAX_MINUTES}",
        )
    elements = info.findall("m:infEstruturaCurricular/m:UnidadeCurricular", _NS)
    document = {
        "version": name,
        "codigo_curriculo": codigo,
        "nome_curso": _text(info, "m:DadosCurso/m:NomeCurso") or _text(info, "m:DadosCursoNSF/m:NomeCurso"),
        "units": [_unit(element, minutes) for element in elements],
    }
    try:
        return document_to_curriculum(document, "xml", signature_present=signed)
    except CurriculumFormatError as exc:
        raise CurriculumFormatError(exc.field, _located(exc, elements)) from None


def _parse(body: bytes) -> Any:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 1
        raise CurriculumFormatError("body", f"line {line}: XML is not well-formed: {exc.msg}") from None
    if root.getroottree().docinfo.doctype:
        raise CurriculumFormatError("body", "line 1: a DOCTYPE is not allowed in a Currículo document")
    if root.tag != f"{{{MEC}}}CurriculoEscolar":
        raise CurriculumFormatError(
            _local(str(root.tag)), f"line {root.sourceline}: the root element must be {{{MEC}}}CurriculoEscolar, not {root.tag}"
        )
    return root


def _validate(root: Any) -> None:
    schema = curriculum_schema()
    try:
        if schema.validate(root):
            return
    except etree.XMLSchemaValidateError as exc:  # lxml refuses some trees outright (e.g. entity nodes)
        raise CurriculumFormatError("body", f"the document cannot be validated: {exc}") from None
    problems = [
        (_element_path(root, entry.path), f"line {entry.line}: {_short(entry.message)}")
        for entry in list(schema.error_log)[:MAX_PROBLEMS]
    ]
    raise CurriculumFormatError(problems[0][0], problems[0][1], problems)


def _with_placeholder_signature(root: Any) -> Any:
    """A copy carrying a schema-valid, meaningless ds:Signature: the rest is validated as usual."""
    signed = copy.deepcopy(root)
    signature = etree.SubElement(signed, f"{{{DS}}}Signature")
    info = etree.SubElement(signature, f"{{{DS}}}SignedInfo")
    etree.SubElement(info, f"{{{DS}}}CanonicalizationMethod", Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#")
    etree.SubElement(info, f"{{{DS}}}SignatureMethod", Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")
    reference = etree.SubElement(info, f"{{{DS}}}Reference", URI="")
    etree.SubElement(reference, f"{{{DS}}}DigestMethod", Algorithm="http://www.w3.org/2001/04/xmlenc#sha256")
    etree.SubElement(reference, f"{{{DS}}}DigestValue").text = "AA=="
    etree.SubElement(signature, f"{{{DS}}}SignatureValue").text = "AA=="
    return signed


def _unit(element: Any, minutes: int) -> dict[str, Any]:
    hora_aula = _text(element, "m:CargaHorariaEmHoraAula")
    unit: dict[str, Any] = {
        "codigo": _text(element, "m:Codigo"),
        "nome": _text(element, "m:Nome"),
        "tipo": _text(element, "m:Tipo"),
        "ementa": [item.text or "" for item in element.findall("m:Ementa/m:ItemEmenta", _NS)],
        "pre_requisitos": [c.text or "" for c in element.findall("m:PreRequisitos/m:CodigoDependencia", _NS)],
        "equivalencias": [
            [c.text or "" for c in group.findall("m:CodigoUnidadeEquivalente", _NS)]
            for group in element.findall("m:Equivalencias/m:UnidadesCurricularesEquivalente", _NS)
        ],
    }
    fase = _text(element, "m:Fase")
    if fase is not None:
        unit["fase"] = fase
    if hora_aula is not None:  # the unit's own unit; its hora-relógio is the same workload converted
        unit.update(carga_horaria=int(hora_aula), unidade_carga="hora_aula", minutos_hora_aula=minutes)
    else:
        unit.update(carga_horaria=float(_text(element, "m:CargaHorariaEmHoraRelogio") or 0), unidade_carga="hora_relogio")
    return {key: value.strip() if isinstance(value, str) else value for key, value in unit.items()}


def _text(element: Any, path: str) -> str | None:
    found = element.find(path, _NS)
    return None if found is None or found.text is None else found.text.strip()


def _located(exc: CurriculumFormatError, elements: list[Any]) -> str:
    """A unit's problem, said with the line of its UnidadeCurricular element."""
    found = re.match(r"units\[(\d+)\]", exc.field)
    if found and int(found.group(1)) < len(elements):
        return f"line {elements[int(found.group(1))].sourceline}: UnidadeCurricular: {exc}"
    return str(exc)


def _element_path(root: Any, xpath: str | None) -> str:
    """`CurriculoEscolar/infCurriculoEscolar/infEstruturaCurricular/UnidadeCurricular[2]/Tipo`.

    lxml reports positional paths (`*/*[1]/*[8]`); they are resolved to names, with the
    position only where an element has siblings of the same name."""
    try:
        found = root.getroottree().xpath("/" + xpath.lstrip("/")) if xpath else []
    except etree.XPathError:
        found = []
    if not found or not isinstance(found[0], etree._Element):
        return _local(root.tag)
    steps = []
    element = found[0]
    while element is not None:
        parent = element.getparent()
        same = [] if parent is None else [e for e in parent if e.tag == element.tag]
        name = _local(element.tag)
        steps.append(f"{name}[{same.index(element) + 1}]" if len(same) > 1 else name)
        element = parent
    return "/".join(reversed(steps))


def _local(tag: str) -> str:
    return re.sub(r"^\{[^}]*\}|^[A-Za-z_][\w.-]*:", "", tag)


def _short(message: str) -> str:
    return message.replace(f"{{{MEC}}}", "").replace(f"{{{DS}}}", "ds:")
