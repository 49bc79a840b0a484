"""Strict decoding of JSON request bodies, reporting every error at once.

Litestar converts a body leniently (`"60"` for an integer, `0` for false) and msgspec stops at
the first error, so bodies are decoded here instead, in this order:

1. nesting depth, counted on the raw bytes before any parser recurses (a 2 KB body nested
   1,000 levels deep used to be a RecursionError, a 500);
2. `msgspec.json.decode` to plain values (malformed JSON, invalid UTF-8, lone surrogates: 422),
   then a key twice in one object is refused (msgspec, like most parsers, keeps the last one;
   a log or a client that keeps the first would then disagree with what was stored);
3. control characters in every string and key (NUL cannot be stored in PostgreSQL text; only
   tab, newline and carriage return are allowed, and single-line fields refuse those too);
4. `msgspec.convert(strict=True)` into the route's struct (no coercion, unknown fields refused).
   When it fails, the decoded value is checked against the JSON Schema msgspec generates for
   the struct (the same constraints), with `jsonschema`'s `iter_errors`, so EVERY error is
   reported, each as {field, message, source}: a dotted path and a sentence a developer reads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from itertools import islice
from dataclasses import dataclass
from typing import Any

import jsonschema
import msgspec
import numpy as np
from jsonschema.exceptions import ValidationError as SchemaError

from adapters.http.dto import PATTERN_MESSAGES

MAX_DEPTH = 32  # the deepest DTO is 5 levels; `context` may nest up to this
MAX_ERRORS = 200
_CHUNK = 1 << 20
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = np.zeros(256, dtype=np.int8)
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1
# C0 controls but tab, newline and carriage return; DEL; lone surrogates (not encodable).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_CONTROL_MESSAGE = "contains the control character"
_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number"}


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str
    source: str = "body"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "source": self.source}


class InvalidBody(Exception):
    """The body is not acceptable; `errors` lists every reason."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


def nesting_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects, ignoring brackets inside strings; no recursion."""
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKET)
    steps = _STEP[np.frombuffer(brackets, dtype=np.uint8)]
    depth = deepest = 0
    for start in range(0, len(steps), _CHUNK):
        running = np.cumsum(steps[start : start + _CHUNK], dtype=np.int64) + depth
        deepest, depth = max(deepest, int(running.max())), int(running[-1])
    return deepest


def repeated_keys(body: bytes) -> list[str]:
    """The keys that appear twice in one object of a (valid) JSON body, each once, in order."""
    repeated: dict[str, None] = {}

    def pairs(items: list[tuple[str, Any]]) -> None:
        if len(items) > 1 and len({key for key, _ in items}) < len(items):
            seen: set[str] = set()
            for key, _ in items:
                if key in seen:
                    repeated[key] = None
                seen.add(key)

    json.loads(body, object_pairs_hook=pairs)
    return list(repeated)


def decode_strict(body: bytes, type_: type[Any]) -> Any:
    """The body decoded to plain values that convert strictly to `type_`, or InvalidBody
    naming every problem."""
    return check_strict(parse_json(body), type_)


def parse_json(body: bytes) -> Any:
    """Steps 1 and 2: bounded nesting, then well-formed JSON as plain values (or InvalidBody)."""
    if not body.strip():
        raise InvalidBody([FieldError("body", "the request body is empty: send a JSON object")])
    if (depth := nesting_depth(body)) > MAX_DEPTH:
        raise InvalidBody([FieldError("body", f"JSON nested {depth} levels deep; at most {MAX_DEPTH} are allowed")])
    try:
        value = msgspec.json.decode(body)
    except (msgspec.DecodeError, ValueError) as exc:
        raise InvalidBody([FieldError("body", f"malformed JSON: {exc}")]) from None
    if repeated := repeated_keys(body):
        raise InvalidBody(
            [FieldError("body", f"the key {key!r} appears more than once in one JSON object") for key in repeated]
        )
    return value


def check_strict(value: Any, type_: type[Any]) -> Any:
    """Steps 3 and 4 on decoded plain values (a route may complete them first, e.g. a `version`
    given as a query parameter): `value` itself, or InvalidBody naming every problem."""
    errors = list(islice(control_character_errors(value), MAX_ERRORS + 1))
    try:
        msgspec.convert(value, type_, strict=True)
    except msgspec.ValidationError as exc:
        errors += schema_errors(value, type_) or [_from_msgspec(str(exc))]
    if errors:
        raise InvalidBody(_capped(_most_specific(errors)))
    return value


def control_character_errors(value: Any, path: str = "") -> Iterator[FieldError]:
    """Every string and key holding a forbidden control character (depth is already bounded)."""
    if isinstance(value, str):
        if found := _CONTROL.search(value):
            yield FieldError(path or "body", _control_message(found.group(), found.start()))
    elif isinstance(value, dict):
        for key, item in value.items():
            child = _join(path, key)
            if found := _CONTROL.search(key):
                yield FieldError(child, "field name " + _control_message(found.group(), found.start()))
            else:
                yield from control_character_errors(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from control_character_errors(item, f"{path}[{index}]")


def _control_message(char: str, position: int) -> str:
    return (
        f"{_CONTROL_MESSAGE} U+{ord(char):04X} at position {position}; "
        "only tab, newline and carriage return are allowed in free text"
    )


def schema_errors(value: Any, type_: type[Any]) -> list[FieldError]:
    """Every error, up to MAX_ERRORS (a 10,000-item batch with one typo each stays a readable
    answer); a last entry says when more were left out."""
    errors: list[FieldError] = []
    for error in _validator(type_).iter_errors(value):
        if len(errors) > MAX_ERRORS:
            break
        errors.extend(_convert(error))
    return _capped(list(dict.fromkeys(errors)))  # in document order, each once


# JSON Schema counts 1.0 as an integer; msgspec (strict) does not, nor do we.
_STRICT_VALIDATOR = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _, v: isinstance(v, int) and not isinstance(v, bool)
    ),
)
_VALIDATORS: dict[type[Any], Any] = {}


def _validator(type_: type[Any]) -> Any:
    if type_ not in _VALIDATORS:
        _VALIDATORS[type_] = _STRICT_VALIDATOR(msgspec.json.schema(type_))
    return _VALIDATORS[type_]


def _convert(error: SchemaError) -> list[FieldError]:
    path = _path(error.absolute_path)
    kind, expected, instance = error.validator, error.validator_value, error.instance
    if kind in ("anyOf", "oneOf"):
        return _convert_alternatives(error, path)
    if kind == "required":
        return [FieldError(_join(path, name), "is required") for name in expected if name not in instance]
    if kind == "additionalProperties":
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        known = error.schema.get("properties", {})
        return [FieldError(_join(path, name), f"unknown field (allowed: {allowed})") for name in instance if name not in known]
    return [FieldError(path or "body", _message(str(kind), expected, instance))]


def _convert_alternatives(error: SchemaError, path: str) -> list[FieldError]:
    """`X | None`: report what is wrong against X (a null would have been accepted)."""
    branches = error.validator_value
    real = {i for i, branch in enumerate(branches) if branch != {"type": "null"}}
    nested = [e for e in error.context or () if e.relative_schema_path[0] in real]
    if nested and not all(_path(e.absolute_path) == path and e.validator == "type" for e in nested):
        return [converted for e in nested for converted in _convert(e)]
    wanted = " or ".join(dict.fromkeys(_describe(branch) for branch in branches))
    return [FieldError(path or "body", f"expected {wanted}, got {_json_type(error.instance)}")]


def _describe(branch: dict[str, Any]) -> str:
    if "$ref" in branch:
        return "an object"
    if "enum" in branch:
        return "one of " + ", ".join(str(v) for v in branch["enum"])
    kind = branch.get("type", "a valid value")
    return kind if isinstance(kind, str) else " or ".join(kind)


def _message(kind: str, expected: Any, instance: Any) -> str:
    size = len(instance) if isinstance(instance, (str, list, dict)) else None
    messages = {
        "type": lambda: f"expected {expected if isinstance(expected, str) else ' or '.join(expected)}, got {_json_type(instance)}",
        "minLength": lambda: f"must have at least {expected} characters (has {size})",
        "maxLength": lambda: f"must have at most {expected} characters (has {size})",
        "minItems": lambda: f"must have at least {expected} items (has {size})",
        "maxItems": lambda: f"must have at most {expected} items (has {size})",
        "minimum": lambda: f"must be >= {expected} (is {instance})",
        "maximum": lambda: f"must be <= {expected} (is {instance})",
        "exclusiveMinimum": lambda: f"must be > {expected} (is {instance})",
        "exclusiveMaximum": lambda: f"must be < {expected} (is {instance})",
        "enum": lambda: "must be one of: " + ", ".join(str(v) for v in expected),
        "const": lambda: f"must be {expected}",
        "pattern": lambda: PATTERN_MESSAGES.get(expected, f"must match the pattern {expected}"),
    }
    return messages.get(kind, lambda: f"invalid value ({kind})")()


def _most_specific(errors: list[FieldError]) -> list[FieldError]:
    """A control character makes a field's pattern fail too: report the precise reason once."""
    controlled = {e.field for e in errors if _CONTROL_MESSAGE in e.message}
    kept = [e for e in errors if e.field not in controlled or _CONTROL_MESSAGE in e.message]
    return list(dict.fromkeys(kept))


def _capped(errors: list[FieldError]) -> list[FieldError]:
    if len(errors) <= MAX_ERRORS:
        return errors
    return [*errors[:MAX_ERRORS], FieldError("body", f"more errors not listed: the first {MAX_ERRORS} are above")]


def _json_type(value: Any) -> str:
    return "null" if value is None else _JSON_TYPES.get(type(value), type(value).__name__)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _path(parts: Any) -> str:
    path = ""
    for part in parts:
        path = f"{path}[{part}]" if isinstance(part, int) else _join(path, str(part))
    return path


_MSGSPEC_PATH = re.compile(r"at `\$\.?([^`]*)`")


_NAMED_FIELD = re.compile(r"field `([^`]+)`")


def _from_msgspec(message: str) -> FieldError:
    """A check the JSON Schema cannot express (a struct's own __post_init__): its message names
    the field it is about ("missing required field `minutos_hora_aula` ..."), under msgspec's path."""
    path = _msgspec_path(message)
    named = _NAMED_FIELD.search(message)
    if named:
        path = named.group(1) if path == "body" else f"{path}.{named.group(1)}"
    return FieldError(path, _MSGSPEC_PATH.sub("", message).rstrip(" -"))


def _msgspec_path(message: str) -> str:
    found = _MSGSPEC_PATH.search(message)
    return found.group(1) if found and found.group(1) else "body"
