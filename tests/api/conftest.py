"""API test support: every response is checked against the OpenAPI document the API serves.

`assert_schema(response)` finds the operation from the request's method and path, picks the
response schema documented for the status code, and validates the JSON body against it
(types, required keys, no undocumented keys, `$ref`/`anyOf`/`allOf`, date formats). It
returns the decoded body so a test can go on asserting behaviour.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
from django.http import HttpResponse
from ninja.responses import NinjaJSONEncoder

from gridcare.api import api

# Statuses the API may answer without the OpenAPI document listing them (none today);
# their bodies are still checked against ErrorOut so the shape cannot drift.
KNOWN_UNDOCUMENTED_STATUSES: set[int] = set()

CJK = re.compile(r"[\u4e00-\u9fff]")
FORMAT_PARSERS: dict[str, Callable[[str], object]] = {
    "date-time": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
}


@cache
def openapi_document() -> dict[str, Any]:
    """The document as served at /api/v1/openapi.json (JSON round trip: string status keys)."""
    return json.loads(json.dumps(api.get_openapi_schema(), cls=NinjaJSONEncoder))


def _operation_for(method: str, path: str) -> tuple[str, dict[str, Any]]:
    """The documented operation serving `method path`; literal segments beat parameters."""
    candidates = []
    for template, operations in openapi_document()["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        if method.lower() in operations and re.match(pattern, path):
            # Fewer parameters first, then more literal text ("/{year}.ics" over "/{year}").
            candidates.append((template.count("{"), -len(template), template))
    assert candidates, f"{method} {path} is not documented in the OpenAPI schema"
    template = min(candidates)[2]
    return template, openapi_document()["paths"][template][method.lower()]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = openapi_document()["components"]["schemas"][name]
    return schema


def schema_errors(
    value: Any, schema: dict[str, Any], where: str = "$", *, allow_extra: bool = False
) -> list[str]:
    """Why `value` does not match `schema` (an empty list when it does)."""
    schema = _resolve(schema)
    errors: list[str] = []
    if "allOf" in schema:
        for part in schema["allOf"]:
            errors += schema_errors(value, part, where, allow_extra=allow_extra)
    if "anyOf" in schema or "oneOf" in schema:
        options = schema.get("anyOf", schema.get("oneOf"))
        if all(schema_errors(value, option, where, allow_extra=allow_extra) for option in options):
            errors.append(f"{where}: {value!r} matches none of {options}")
    kind = schema.get("type")
    if kind is None:
        return errors
    checks: dict[str, Callable[[Any], bool]] = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
    }
    if not checks[kind](value):
        return [*errors, f"{where}: expected {kind}, got {value!r}"]
    parse = FORMAT_PARSERS.get(schema.get("format", "")) if kind == "string" else None
    if parse is not None:
        try:
            parse(value)
        except ValueError:
            errors.append(f"{where}: {value!r} is not a {schema['format']}")
    if kind == "array":
        for index, item in enumerate(value):
            errors += schema_errors(
                item, schema.get("items", {}), f"{where}[{index}]", allow_extra=allow_extra
            )
    if kind == "object":
        properties = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{where}: required key {key!r} is missing")
        extra_schema = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                errors += schema_errors(
                    item, properties[key], f"{where}.{key}", allow_extra=allow_extra
                )
            elif isinstance(extra_schema, dict):
                errors += schema_errors(item, extra_schema, f"{where}.{key}")
            elif properties and not allow_extra:
                errors.append(f"{where}: key {key!r} is not documented")
    return errors


def validate_response(response: HttpResponse) -> Any:
    """Check `response` against its documented schema and return the decoded JSON body."""
    method = response.request["REQUEST_METHOD"]  # type: ignore[attr-defined]
    path = response.request["PATH_INFO"]  # type: ignore[attr-defined]
    template, operation = _operation_for(method, path)
    status = str(response.status_code)
    documented = operation["responses"].get(status)
    if documented is None:
        assert response.status_code in KNOWN_UNDOCUMENTED_STATUSES, (
            f"{method} {template} answered {status}, which its OpenAPI entry does not list"
        )
        body = response.json()  # type: ignore[attr-defined]
        errors = schema_errors(body, {"$ref": "#/components/schemas/ErrorOut"}, allow_extra=True)
        assert not errors, f"{method} {path} → {status}: " + "; ".join(errors)
        return body
    if "content" not in documented:
        assert response.content == b"", f"{method} {path} → {status} should have no body"
        return None
    media_type = response["Content-Type"].split(";")[0]
    if "application/json" not in documented["content"]:
        # A documented non-JSON answer: a calendar (text, for the test to parse) or a file
        # download (in one of the documented types).
        assert media_type in documented["content"], response["Content-Type"]
        return response.content.decode() if media_type.startswith("text/") else None
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()  # type: ignore[attr-defined]
    errors = schema_errors(body, documented["content"]["application/json"]["schema"])
    assert not errors, f"{method} {path} → {status}: " + "; ".join(errors)
    return body


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """The persona world sets ten passwords per test; PBKDF2 would make that minutes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def assert_schema() -> Callable[[HttpResponse], Any]:
    """`body = assert_schema(response)`: validated against the OpenAPI schema, then decoded."""
    return validate_response


def assert_chinese_error(body: Any, code: str | None = None) -> None:
    """An error body as the API promises it: a stable code and a message in Chinese."""
    assert isinstance(body, dict), body
    assert CJK.search(body["message"]), f"message is not Chinese: {body['message']!r}"
    if code is not None:
        assert body["code"] == code, body


def visible_text(content: bytes) -> str:
    """A body as raw text plus with its JSON \\u escapes decoded, so a secret is found in
    either spelling (the API escapes non-ASCII, so "张三丰" never appears raw)."""
    raw = content.decode()
    try:
        decoded = json.dumps(json.loads(raw), ensure_ascii=False)
    except ValueError:
        decoded = raw
    return raw + "\n" + decoded


@pytest.fixture(autouse=True)
def _uploads_in_a_test_folder(settings: Any, tmp_path: Any) -> None:
    """Attachments uploaded through the API land in the test's own folder."""
    settings.UPLOAD_ROOT = tmp_path / "uploads"
