"""Examples for the OpenAPI document: real answers of the service, not generated strings.

`openapi_examples.json` holds requests and the answers a running service gave them (embedded
runtime, shipped taxonomy, default policy) and the error bodies exactly as the error contract
writes them; tests/integration/test_openapi_examples.py replays the requests to keep them true.

Litestar drops every `None` from the document it serves (Litestar 2.25, `openapi/spec/base.py`),
which would turn `"next_cursor": null` or `"extra": null` into examples that break their own
schema; `_Verbatim` hands the value through untouched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Example
from litestar.openapi.spec.base import BaseSchemaObject


_FILE = Path(__file__).with_name("openapi_examples.json")


@cache
def examples() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_FILE.read_text(encoding="utf-8"))
    return data


@dataclass
class _Verbatim(BaseSchemaObject):
    """An example value serialized as it is, JSON nulls included."""

    raw: Any

    def to_schema(self) -> Any:  # type: ignore[override]
        return self.raw


def example(name: str, summary: str) -> Example:
    return Example(summary=summary, value=_Verbatim(examples()[name]))


def error_example(name: str, summary: str) -> Example:
    return Example(summary=summary, value=_Verbatim(examples()["errors"][name]))


def ok(container: Any, description: str, *shown: Example) -> ResponseSpec:
    """A success answer with real examples instead of generated ones."""
    return ResponseSpec(
        data_container=container, description=description, generate_examples=False, examples=list(shown)
    )
