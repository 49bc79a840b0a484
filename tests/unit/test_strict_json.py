"""Strict body decoding (adapters/http/strict_json.py): depth on raw bytes, control characters,
no coercion, every error reported with its path and a sentence."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, strategies as st

from adapters.http.dto import EvaluateRequest
from adapters.http.dto_catalog import TaxonomyIn
from adapters.http.strict_json import MAX_DEPTH, InvalidBody, decode_strict, nesting_depth, repeated_keys

COURSE = {"nome": "Calculo I", "carga_horaria": 60, "ementa": "Limites e derivadas"}
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet=st.sampled_from('ab[]{}"\\,: \n\u00e9')),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(alphabet="[]{}\"\\x", max_size=4), inner, max_size=3),
    max_leaves=20,
)


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


def errors_of(body: Any, type_: type[Any] = EvaluateRequest) -> dict[str, str]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    with pytest.raises(InvalidBody) as caught:
        decode_strict(raw, type_)
    return {e.field: e.message for e in caught.value.errors}


@given(JSON_VALUES, st.booleans())
def test_depth_on_raw_bytes_ignores_brackets_and_escaped_quotes_inside_strings(value: Any, ascii_only: bool) -> None:
    assert nesting_depth(json.dumps(value, ensure_ascii=ascii_only).encode()) == depth(value)


def test_depth_beyond_the_limit_is_refused_without_recursion() -> None:
    for body in (b"[" * 100_000, b'{"context": ' + b'{"a": ' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 2)):
        assert "levels deep" in errors_of(body)["body"]
    at_limit = {"origem": COURSE, "destino": COURSE, "context": json.loads('{"a": ' * (MAX_DEPTH - 1) + "1" + "}" * (MAX_DEPTH - 1))}
    assert decode_strict(json.dumps(at_limit).encode(), EvaluateRequest)["origem"] == COURSE


@given(JSON_VALUES)
def test_a_body_serialized_from_values_has_no_repeated_key(value: Any) -> None:
    assert repeated_keys(json.dumps(value).encode()) == []


def test_a_key_twice_in_one_object_is_refused_whatever_the_depth() -> None:
    course = json.dumps(COURSE)
    top = ('{"request_id": "dup-keys-001", "request_id": "dup-keys-002", "origem": %s, "destino": %s}' % (course, course))
    assert errors_of(top.encode()) == {"body": "the key 'request_id' appears more than once in one JSON object"}
    nested = '{"origem": %s, "destino": %s}' % (course[:-1] + ', "carga_horaria": 30}', course)
    assert "'carga_horaria' appears more than once" in errors_of(nested.encode())["body"]
    # the same key in two different objects is not a repetition
    assert decode_strict(('{"origem": %s, "destino": %s}' % (course, course)).encode(), EvaluateRequest)["origem"] == COURSE


def test_a_valid_body_comes_back_as_plain_values() -> None:
    body = {"origem": {**COURSE, "ementa": "Limites\n\te derivadas\r\n"}, "destino": COURSE, "context": {"a": [1, "x"]}}
    assert decode_strict(json.dumps(body).encode(), EvaluateRequest) == body


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (b"", "body", "the request body is empty: send a JSON object"),
        (b"  \n ", "body", "the request body is empty: send a JSON object"),
        (b"{not json", "body", "malformed JSON: "),
        (b'{"a": "\xff"}', "body", "malformed JSON: "),
        (b"[1, 2]", "body", "expected object, got array"),
        ({"destino": COURSE}, "origem", "is required"),
        ({"origem": COURSE, "destino": {**COURSE, "carga_horaria": 60.0}}, "destino.carga_horaria", "expected integer, got number"),
        ({"origem": COURSE, "destino": {**COURSE, "carga_horaria": True}}, "destino.carga_horaria", "expected integer, got boolean"),
        ({"origem": COURSE, "destino": {**COURSE, "carga_horaria": 0}}, "destino.carga_horaria", "must be >= 1 (is 0)"),
        ({"origem": COURSE, "destino": {**COURSE, "ementa": "abc"}}, "destino.ementa", "must have at least 5 characters (has 3)"),
        ({"origem": COURSE, "destino": COURSE, "request_id": "bad id!!"}, "request_id", "may contain only A-Z a-z 0-9 . _ : -"),
        ({"origem": COURSE, "destino": COURSE, "policy": {"tolerancia_carga": 0}}, "policy.tolerancia_carga", "must be > 0 (is 0)"),
        ({"origem": COURSE, "destino": COURSE, "context": {"nome": "a\u0000b"}}, "context.nome", "contains the control character U+0000 at position 1"),
        ({"origem": COURSE, "destino": {**COURSE, "objetivos": ["ok", "\u007f"]}}, "destino.objetivos[1]", "contains the control character U+007F"),
    ],
)
def test_each_error_names_its_field_in_words(body: Any, field: str, message: str) -> None:
    errors = errors_of(body)
    assert field in errors and errors[field].startswith(message), errors


def test_a_field_with_a_control_character_reports_that_once_not_its_pattern_too() -> None:
    errors = errors_of({"origem": {**COURSE, "nome": "Calculo\u0000I"}, "destino": COURSE})
    raw = json.dumps({"origem": {**COURSE, "nome": "Calculo\u0000I"}, "destino": COURSE}).encode()
    with pytest.raises(InvalidBody) as caught:
        decode_strict(raw, EvaluateRequest)
    assert [e.field for e in caught.value.errors] == ["origem.nome"] and "U+0000" in errors["origem.nome"]


def test_every_error_of_a_taxonomy_document_at_once() -> None:
    node = {"node_id": "x.1", "area": "a", "subarea": "s", "conceito": "C", "keywords": ["c"]}
    body = {"version": "bad version", "nodes": [node, {**node, "keywords": [], "critico": "yes", "area": " "}]}
    errors = errors_of(body, TaxonomyIn)
    assert set(errors) == {"version", "nodes[1].keywords", "nodes[1].critico", "nodes[1].area"}
    assert errors["nodes[1].critico"] == "expected boolean, got string"


@pytest.mark.parametrize(
    "item",
    [{"origem": COURSE, "destino": COURSE, "typo": 1}, {"origem": COURSE, "destino": {**COURSE, "nome": "a\u0000"}}],
)
def test_errors_are_capped_in_document_order_with_a_last_entry_saying_so(item: dict[str, Any]) -> None:
    from adapters.http.routes_jobs import BatchRequest
    from adapters.http.strict_json import MAX_ERRORS

    body = {"items": [item] * (MAX_ERRORS + 50)}
    with pytest.raises(InvalidBody) as caught:
        decode_strict(json.dumps(body).encode(), BatchRequest)
    errors = caught.value.errors
    assert len(errors) == MAX_ERRORS + 1
    assert [e.field.split(".")[0] for e in errors[:3]] == ["items[0]", "items[1]", "items[2]"]
    assert errors[-1].field == "body" and errors[-1].message.startswith("more errors not listed")
