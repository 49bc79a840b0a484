"""MEC Histórico Escolar Digital (v1.05) documents the tests build: valid against the real XSDs
(adapters/curricula/xsd/HistoricoEscolarDigital_v1.05.xsd) unless a test breaks them on purpose."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from tests.support.case_world import realistic
from tests.support.curriculum_documents import _SIGNATURE, MEC


@dataclass(frozen=True)
class XmlDisciplina:
    codigo: str
    nome: str
    periodo: str = "2019/1"
    hora_aula: int | None = None
    hora_relogio: str | None = "60"
    situacao: str = "Aprovado"  # Aprovado | Pendente | Reprovado
    nota: str | None = "8.5"


DISCIPLINAS = (
    XmlDisciplina("MAT-101", "Cálculo Diferencial e Integral I", hora_aula=72, hora_relogio=None),
    XmlDisciplina("INF-201", "Estruturas de Dados"),
    XmlDisciplina("INF-301", "Redes de Computadores", situacao="Reprovado", nota="3.0"),
)


def _disciplina(d: XmlDisciplina) -> str:
    hours = f"<HoraAula>{d.hora_aula}</HoraAula>" if d.hora_aula is not None else f"<HoraRelogio>{d.hora_relogio}</HoraRelogio>"
    nota = f"<Nota>{d.nota}</Nota>" if d.nota is not None else ""
    situacao = f"<{d.situacao}/>"
    return (
        f"\n        <Disciplina><CodigoDisciplina>{escape(d.codigo)}</CodigoDisciplina><NomeDisciplina>{escape(d.nome)}</NomeDisciplina>"
        f"<PeriodoLetivo>{escape(d.periodo)}</PeriodoLetivo><CargaHoraria>{hours}</CargaHoraria>{nota}{situacao}"
        "<Docentes><Docente><Nome>Maria da Silva</Nome><Titulacao>Doutorado</Titulacao></Docente></Docentes></Disciplina>"
    )


def historico_xml(
    disciplinas: tuple[XmlDisciplina, ...] = DISCIPLINAS, signed: bool = True, root: str = "DocumentoHistoricoEscolarFinal"
) -> bytes:
    """A Histórico that validates against HistoricoEscolarDigital_v1.05.xsd."""
    ato = "<Tipo>Resolução</Tipo><Numero>123</Numero><Data>2010-05-10</Data>"
    address = (
        "<Logradouro>Rua Eng. Agronômico Andrei Cristian Ferreira</Logradouro><Bairro>Trindade</Bairro>"
        "<CodigoMunicipio>4205407</CodigoMunicipio><NomeMunicipio>Florianópolis</NomeMunicipio><UF>SC</UF>"
        "<CEP>88040900</CEP>"
    )
    document = f"""<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="{MEC}">
  <infHistoricoEscolar versao="1.05" ambiente="Homologação">
    <Aluno>
      <ID>2019001</ID><Nome>Fulano de Tal</Nome><Sexo>M</Sexo><Nacionalidade>Brasileira</Nacionalidade>
      <Naturalidade><CodigoMunicipio>4205407</CodigoMunicipio><NomeMunicipio>Florianópolis</NomeMunicipio><UF>SC</UF></Naturalidade>
      <CPF>12345678909</CPF><RG><Numero>1234567</Numero><UF>SC</UF></RG><DataNascimento>2000-01-01</DataNascimento>
    </Aluno>
    <DadosCurso>
      <NomeCurso>Ciência da Computação</NomeCurso><CodigoCursoEMEC>1234</CodigoCursoEMEC>
      <Autorizacao>{ato}</Autorizacao><Reconhecimento>{ato}</Reconhecimento>
    </DadosCurso>
    <IesEmissora>
      <Nome>Universidade de Teste</Nome><CodigoMEC>585</CodigoMEC><CNPJ>83899526000182</CNPJ>
      <Endereco>{address}</Endereco><Credenciamento>{ato}</Credenciamento>
    </IesEmissora>
    <HistoricoEscolar>
      <CodigoCurriculo>CCO-2018.1</CodigoCurriculo>
      <ElementosHistorico>{"".join(_disciplina(d) for d in disciplinas)}
      </ElementosHistorico>
      <DataEmissaoHistorico>2024-03-01</DataEmissaoHistorico>
      <HoraEmissaoHistorico>10:00:00</HoraEmissaoHistorico>
      <SituacaoAtualDiscente><MatriculadoEmDisciplina/></SituacaoAtualDiscente>
      <ENADE/>
      <CargaHorariaCursoIntegralizada><HoraRelogio>1200</HoraRelogio></CargaHorariaCursoIntegralizada>
      <CargaHorariaCurso><HoraRelogio>3200</HoraRelogio></CargaHorariaCurso>
      <IngressoCurso><Data>2019-02-01</Data><FormaAcesso>Vestibular</FormaAcesso></IngressoCurso>
    </HistoricoEscolar>
    <SegurancaHistorico><CodigoValidacao>585.abcdef0123456789</CodigoValidacao></SegurancaHistorico>
  </infHistoricoEscolar>{_SIGNATURE if signed else ""}
</{root}>
"""
    return document.encode("utf-8")


def realistic_historico(rows: list[dict[str, Any]] | None = None, signed: bool = False) -> tuple[str, dict[str, str]]:
    """The realistic transcript of tests/data/case_realistic.json as a Histórico (unsigned, as an
    academic system exports it before signing) and its ementas by code; hora-aula of 50 minutes."""
    rows = rows if rows is not None else realistic()["transcript"]
    disciplinas = tuple(
        XmlDisciplina(
            r["codigo"], r["nome"], periodo=r["periodo"].replace(".", "/"),
            hora_aula=r["carga_horaria"] if r["unidade_carga"] == "hora_aula" else None,
            hora_relogio=None if r["unidade_carga"] == "hora_aula" else f"{r['carga_horaria']}",
            situacao=r["status"], nota=None,
        )
        for r in rows
    )
    return historico_xml(disciplinas, signed=signed).decode("utf-8"), {r["codigo"]: r["ementa"] for r in rows}
