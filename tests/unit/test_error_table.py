"""The one error table (adapters/http/error_table.py): every error the core raises to a caller has
one answer, the 422's field comes from the error's attribute (never its message), and the same
rows write the OpenAPI `responses`."""

from __future__ import annotations

import json

import pytest

from adapters.http.error_table import AUTH, BODY, TABLE, answer, exception_handlers, responses, row_for
from adapters.mappers.warm_gate import MappersWarmingUp
from core.domain.errors import (
    CatalogConflict,
    IdempotencyConflict,
    InvalidInput,
    InvalidTransition,
    KeyRevoked,
    NotFound,
    OverridesNotAllowed,
    QueueUnavailable,
    TransitionForbidden,
    VersionDeprecated,
    VersionExists,
    VersionNotFound,
)

ANSWERED = {
    NotFound: 404,
    VersionNotFound: 422,
    VersionDeprecated: 422,
    IdempotencyConflict: 409,
    OverridesNotAllowed: 403,
    VersionExists: 409,
    CatalogConflict: 409,
    KeyRevoked: 409,
    TransitionForbidden: 403,
    InvalidTransition: 409,
    InvalidInput: 422,
    QueueUnavailable: 503,
    MappersWarmingUp: 503,
}


def body(response: object) -> dict[str, object]:
    content = response.content  # type: ignore[attr-defined]
    return {"status_code": content.status_code, "detail": content.detail, "extra": content.extra}


@pytest.mark.parametrize(("error", "status"), list(ANSWERED.items()))
def test_each_error_a_caller_can_cause_has_one_status(error: type[Exception], status: int) -> None:
    assert row_for(error).status == status
    assert any(issubclass(error, handled) for handled in exception_handlers())


def test_the_422_field_is_the_errors_attribute_not_a_word_of_its_message() -> None:
    # The message mentions course_id and taxonomy; the old handler would have picked course_id.
    exc = VersionNotFound("policy_version 'course_id-taxonomy' not found", field="policy_version")
    response = answer(row_for(VersionNotFound), exc)
    assert response.status_code == 422
    assert body(response)["extra"] == [{"field": "policy_version", "message": str(exc), "source": "body"}]


def test_a_deprecated_version_is_the_taxonomy_versions_422() -> None:
    response = answer(row_for(VersionDeprecated), VersionDeprecated("taxonomy_version 'v1' is deprecated"))
    assert body(response)["extra"][0]["field"] == "taxonomy_version"  # type: ignore[index]


def test_invalid_input_names_its_field_or_the_body() -> None:
    named = answer(row_for(InvalidInput), InvalidInput("key name must have 1 to 200 characters", field="name"))
    unnamed = answer(row_for(InvalidInput), InvalidInput("decisao must be one of: DEFERIDO"))
    assert body(named)["extra"][0]["field"] == "name"  # type: ignore[index]
    assert body(unnamed)["extra"][0]["field"] == "body"  # type: ignore[index]


@pytest.mark.parametrize(("error", "seconds"), [(QueueUnavailable, "10"), (MappersWarmingUp, "5")])
def test_outages_say_when_to_retry_and_hide_the_cause(error: type[Exception], seconds: str) -> None:
    response = answer(row_for(error), error("redis://secret-host:6379 refused"))
    assert response.status_code == 503 and response.headers["Retry-After"] == seconds
    if error is QueueUnavailable:
        assert "secret-host" not in json.dumps(body(response))


def test_openapi_responses_merge_rows_of_one_status() -> None:
    specs = responses(AUTH, BODY, OverridesNotAllowed, IdempotencyConflict, MappersWarmingUp)
    assert set(specs) == {401, 403, 409, 413, 415, 422, 429, 503}
    assert "role" in specs[403].description and "overrides" in specs[403].description
    assert "database" in specs[503].description and "warming up" in specs[503].description
    assert {e.summary for e in specs[403].examples or []} == {"an auditor key calling evaluate", "a client key sent `policy`"}


def test_every_row_has_a_title_and_an_error_status() -> None:
    for row in TABLE:
        assert row.title and 400 <= row.status < 600
