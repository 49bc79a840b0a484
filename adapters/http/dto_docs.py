"""What each request field means, for the OpenAPI document (units, enums, defaults, absent values).

Kept apart from dto.py so the structs stay readable; every text is used by `Meta(description=...)`.
"""

from __future__ import annotations

NOME = "Course name as printed on the transcript or curriculum."
CARGA_HORARIA = (
    "Total workload, in clock hours (horas-relógio, 60 minutes) unless `unidade_carga` says "
    "`hora_aula`; never credits: a 4-credit course of 15 weeks is usually 60. Rules compare clock hours."
)
UNIDADE_CARGA = (
    "Unit of `carga_horaria`: `hora_relogio` (default, 60-minute hours) or `hora_aula` (class periods "
    "of `minutos_hora_aula` minutes: 72 h/a of 50 minutes are 60 clock hours)."
)
MINUTOS_HORA_AULA = "Minutes of one hora-aula (1-120, e.g. 50); required when `unidade_carga` is `hora_aula`."
EMENTA = (
    "The syllabus text (ementa), 5 to 20,000 characters, in Portuguese; topics separated by periods "
    "or semicolons read best. This is what the concepts are mapped from."
)
APROVADO = (
    "Origem only: did the student pass it? `false` fails the `aprovacao` hard rule (INDEFERIDO). "
    "Absent or null means unknown, never 'passed': the hard rule reports 'aprovação não informada' "
    "and the policy decides (by default the request goes to human review, ANALISE_HUMANA). Ignored on "
    "destino."
)
NIVEL = (
    "Depth the course is taught at: `basico` (introductory), `intermediario`, `avancado`. When both "
    "sides give it, an origem below the destino lowers the score (penalidade_nivel, weighted by "
    "policy.weights.nivel); it never blocks. Absent: no level comparison."
)
ANO_CONCLUSAO = "Year the origem course was completed; checked only when the policy sets max_anos_validade."
DISCIPLINA_ID = "Your own id for the course (kept, not interpreted)."
INSTITUICAO = "Institution that taught the course (kept, not interpreted)."
CODIGO = "Course code, e.g. MAT-101 (kept, not interpreted)."
CREDITOS = "Credits as recorded (kept, not interpreted: the workload rule uses carga_horaria)."
OBJETIVOS = "Learning objectives, up to 100 lines of 2,000 characters; mapped together with the ementa."
COBERTURA = "Weight of the weighted concept coverage in the score. Default 0.6."
CRITICA = "Weight of the coverage of critical concepts. Default 0.4."
WEIGHTS_NIVEL = "Weight of the level penalty subtracted from the score. Default 0.1."
MIN_SCORE_DEFERIR = "Score (0-100) at or above which the answer is DEFERIDO. Default 85."
MIN_SCORE_COMPLEMENTO = (
    "Score at or above which (and below min_score_deferir) the answer is ANALISE_HUMANA; below it, "
    "INDEFERIDO. Default 70; must not exceed min_score_deferir (checked after merging an override, else 422)."
)
TOLERANCIA_CARGA = (
    "Share of the destino's carga_horaria the origem must reach (0.9: 54 h for 60 h). Default 1.0. "
    "Below the destino's hours but within tolerance, a DEFERIDO becomes ANALISE_HUMANA."
)
EXIGIR_CRITICOS = "A missing critical concept makes the answer INDEFERIDO. Default true."
MAX_ANOS_VALIDADE = "Oldest ano_conclusao accepted, in years before today. Default: no limit."
WEIGHTS = "How the score blends coverage, critical coverage and the level penalty."
CONFIDENCE_CUTOFF = "Concept matches below this mapper confidence (0-1) are ignored. Default 0.5."
RETURN_EVIDENCE = "Include `evidence` (covered and missing concepts with excerpts). Default true."
ALLOW_DEGRADED_FALLBACK = (
    "When the embedding/LLM services fail, answer from the lexical mapper (degraded_mode: true, "
    "ANALISE_HUMANA) instead of 503. Default true."
)
ORIGEM = "The course the student passed (at the origin institution)."
DESTINO = "The course of the destination curriculum it should replace."
REQUEST_ID = (
    "Idempotency key (8-80 of A-Z a-z 0-9 . _ : -): the same id with the same payload returns the "
    "stored answer; with another payload, 409. Absent: a new id is generated. Read the answer back at "
    "GET /v1/equivalences/{request_id}."
)
POLICY = "Per-request overrides of the policy's thresholds; fields left out keep the policy version's values."
TAXONOMY_VERSION = "Taxonomy version to map onto. Default: the course_id binding's, else the tenant's default."
POLICY_VERSION = (
    "Policy version to decide with. Default: the course_id binding's, else the tenant's default (default-v1)."
)
COURSE_ID = (
    "Destino course id with a binding (PUT /admin/course_bindings/{course_id}) choosing its taxonomy "
    "and policy versions."
)
OPTIONS = "What the answer includes and how failures of optional services are handled."
CONTEXT = "Free JSON of yours (student, process number...): not interpreted; part of the idempotency payload."
APROVACAO_NAO_INFORMADA = (
    "What an origem without `aprovado` gets: `revisao` (default: never an automatic DEFERIDO; a person "
    "checks it, `motivo_revisao` = `aprovacao_nao_informada`) or `bloqueia` (INDEFERIDO, like a failed course)."
)
PRAZO_PARECER_DIAS = (
    "Days a review item of an ANALISE_HUMANA result has for its parecer before it is flagged overdue (default 30)."
)
PRAZO_RECURSO_DIAS = (
    "Working days (Saturdays and Sundays excluded) after a final decision in which a recurso may be filed (default 10)."
)
HOMOLOGACAO_OBRIGATORIA = (
    "Whether a parecer needs a coordinator's homologation to become final (default true); false makes the parecer final."
)
