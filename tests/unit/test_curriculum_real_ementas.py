"""A realistic curriculum: every Unicamp course of ../shared/data/ementas_dev.jsonl, as MEC XML and as CSV.

Hours in the data are taken as hora-aula of 50 minutes (as many Brazilian curricula count them),
so the XML carries both CargaHorariaEmHoraAula and the converted CargaHorariaEmHoraRelogio.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from adapters.curricula.csv_format import decode_csv
from adapters.curricula.mec_xml import decode_xml
from tests.support.curriculum_documents import XmlUnit, curriculo_xml

ROOT = Path(__file__).resolve().parents[2]
CANDIDATES = [ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data"]
DATA = next((p / "ementas_dev.jsonl" for p in CANDIDATES if (p / "ementas_dev.jsonl").exists()), None)
pytestmark = pytest.mark.skipif(DATA is None, reason="../shared/data is not available")


def _courses() -> list[dict]:  # type: ignore[type-arg]
    assert DATA is not None
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["institution"] == "Unicamp" and r["hours"]]


def _code_and_name(course: dict) -> tuple[str, str]:  # type: ignore[type-arg]
    """`MA327 - Álgebra Linear` → (MA327, Álgebra Linear); `F 128` → F128 (MEC codes have no spaces)."""
    code, _, name = course["course_name"].partition(" - ")
    return (code.replace(" ", ""), name) if name else (course["id"], course["course_name"])


def _items(ementa: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in re.split(r"(?<=\.)\s+", ementa) if item.strip())


def _xml_units() -> tuple[XmlUnit, ...]:
    units = []
    for course in _courses():
        code, name = _code_and_name(course)
        hours = course["hours"]
        units.append(XmlUnit(code, name, f"{hours * 50 / 60:.2f}", hours, ementa=_items(course["ementa"])))
    return tuple(units)


def test_a_real_curriculum_validates_and_converts_its_hours() -> None:
    courses = _courses()
    curriculum = decode_xml(curriculo_xml(units=_xml_units(), codigo="UNICAMP-DEV"))
    assert len(curriculum.units) == len(courses) >= 30
    assert curriculum.clock_hours == pytest.approx(sum(c["hours"] for c in courses) * 50 / 60)
    first = curriculum.units[0]
    assert first.workload.describe() == f"{courses[0]['hours']} h/a de 50 min = {courses[0]['hours'] * 50 / 60:g}h"
    assert " ".join(first.ementa).replace(" ", "") == courses[0]["ementa"].replace(" ", "")


def test_the_same_curriculum_as_csv_gives_the_same_units() -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["codigo", "nome", "carga_horaria", "unidade_carga", "minutos_hora_aula", "ementa"])
    for course in _courses():
        code, name = _code_and_name(course)
        writer.writerow([code, name, course["hours"], "hora_aula", 50, "|".join(_items(course["ementa"]))])
    from_csv = decode_csv(out.getvalue().encode(), "UNICAMP-DEV")
    from_xml = decode_xml(curriculo_xml(units=_xml_units(), codigo="UNICAMP-DEV"))
    assert from_csv.units == from_xml.units
