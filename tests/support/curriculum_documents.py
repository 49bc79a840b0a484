"""Currículo Escolar Digital v1.05 documents built from the schema (there is no public sample).

`currículo_xml()` gives a document that validates against the official XSDs; tests change one
element to make it invalid. The units come from real ementas (tests/integration and e2e reuse them).
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

MEC = "http://portal.mec.gov.br/diplomadigital/arquivos-em-xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"


@dataclass(frozen=True)
class XmlUnit:
    codigo: str
    nome: str
    hora_relogio: str
    hora_aula: int | None = None
    tipo: str = "Disciplina"
    ementa: tuple[str, ...] = ()
    fase: str | None = None
    equivalencias: tuple[tuple[str, ...], ...] = ()
    pre_requisitos: tuple[str, ...] = ()


UNITS = (
    XmlUnit("INE5401", "Introdução à Computação", "60.00", 72, ementa=("Algoritmos e lógica de programação.", "Representação de dados."), fase="1"),
    XmlUnit("INE5408", "Estruturas de Dados", "60.00", 72, ementa=("Listas, pilhas e filas.", "Árvores e grafos."), fase="2",
            pre_requisitos=("INE5401",), equivalencias=(("OLD100", "OLD101"), ("OLD200",))),
    XmlUnit("INE5433", "Trabalho de Conclusão de Curso I", "108.00", tipo="Trabalho de Conclusão de Curso", fase="8"),
)

_SIGNATURE = f"""
  <ds:Signature xmlns:ds="{DS}">
    <ds:SignedInfo>
      <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
      <ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
      <ds:Reference URI="">
        <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
        <ds:DigestValue>q83vEjRWeJA=</ds:DigestValue>
      </ds:Reference>
    </ds:SignedInfo>
    <ds:SignatureValue>q83vEjRWeJA=</ds:SignatureValue>
  </ds:Signature>"""


def _unit(unit: XmlUnit) -> str:
    parts = [f"<Tipo>{escape(unit.tipo)}</Tipo>", f"<Codigo>{unit.codigo}</Codigo>", f"<Nome>{escape(unit.nome)}</Nome>"]
    if unit.hora_aula is not None:
        parts.append(f"<CargaHorariaEmHoraAula>{unit.hora_aula}</CargaHorariaEmHoraAula>")
    parts.append(f"<CargaHorariaEmHoraRelogio>{unit.hora_relogio}</CargaHorariaEmHoraRelogio>")
    if unit.ementa:
        parts.append("<Ementa>" + "".join(f"<ItemEmenta>{escape(i)}</ItemEmenta>" for i in unit.ementa) + "</Ementa>")
    if unit.fase:
        parts.append(f"<Fase>{unit.fase}</Fase>")
    if unit.equivalencias:
        groups = "".join(
            "<UnidadesCurricularesEquivalente>"
            + "".join(f"<CodigoUnidadeEquivalente>{c}</CodigoUnidadeEquivalente>" for c in group)
            + "</UnidadesCurricularesEquivalente>"
            for group in unit.equivalencias
        )
        parts.append(f"<Equivalencias>{groups}</Equivalencias>")
    if unit.pre_requisitos:
        parts.append("<PreRequisitos>" + "".join(f"<CodigoDependencia>{c}</CodigoDependencia>" for c in unit.pre_requisitos) + "</PreRequisitos>")
    return "\n      <UnidadeCurricular>" + "".join(parts) + "</UnidadeCurricular>"


def curriculo_xml(
    units: tuple[XmlUnit, ...] = UNITS,
    codigo: str = "CCO-2024.1",
    minutos: str = "50",
    signed: bool = True,
) -> bytes:
    """A Currículo that validates against CurriculoEscolarDigital_v1.05.xsd."""
    address = (
        "<Logradouro>Rua Eng. Agronômico Andrei Cristian Ferreira</Logradouro><Bairro>Trindade</Bairro>"
        "<CodigoMunicipio>4205407</CodigoMunicipio><NomeMunicipio>Florianópolis</NomeMunicipio><UF>SC</UF>"
        "<CEP>88040900</CEP>"
    )
    ato = "<Tipo>Resolução</Tipo><Numero>123</Numero><Data>2010-05-10</Data>"
    document = f"""<?xml version="1.0" encoding="UTF-8"?>
<CurriculoEscolar xmlns="{MEC}">
  <infCurriculoEscolar versao="1.05" ambiente="Homologação">
    <CodigoCurriculo>{codigo}</CodigoCurriculo>
    <DataCurriculo>2024-02-01</DataCurriculo>
    <MinutosRelogioDaHoraAula>{minutos}</MinutosRelogioDaHoraAula>
    <DadosCurso>
      <NomeCurso>Ciência da Computação</NomeCurso>
      <CodigoCursoEMEC>1234</CodigoCursoEMEC>
      <Autorizacao>{ato}</Autorizacao>
      <Reconhecimento>{ato}</Reconhecimento>
    </DadosCurso>
    <IesEmissora>
      <Nome>Universidade de Teste</Nome>
      <CodigoMEC>585</CodigoMEC>
      <CNPJ>83899526000182</CNPJ>
      <Endereco>{address}</Endereco>
      <Credenciamento>{ato}</Credenciamento>
    </IesEmissora>
    <infEtiquetas><Etiqueta><Codigo>OBR</Codigo><Nome>Obrigatória</Nome></Etiqueta></infEtiquetas>
    <infAreas/>
    <infEstruturaCurricular>{"".join(_unit(u) for u in units)}
    </infEstruturaCurricular>
    <infCriteriosIntegralizacao>
      <CriterioIntegralizacaoRotulos>
        <Codigo>C1</Codigo>
        <CargasHorariasCriterio><CargaHorariaMinima>3000</CargaHorariaMinima><CargaHorariaMaxima>3200</CargaHorariaMaxima></CargasHorariasCriterio>
      </CriterioIntegralizacaoRotulos>
    </infCriteriosIntegralizacao>
    <SegurancaCurriculo><CodigoValidacao>585.abcdef012345</CodigoValidacao></SegurancaCurriculo>
  </infCurriculoEscolar>{_SIGNATURE if signed else ""}
</CurriculoEscolar>
"""
    return document.encode("utf-8")
