"""The shipped JSON Schemas: equal to the models, and describing what safe-check writes."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from safe_check.answers import read_file, record_meta
from safe_check.app import App
from safe_check.catalog import find, shipped_files
from safe_check.paths import shipped_checklists
from safe_check.record import to_json
from safe_check.schemas import FILES, generate, schema_text

EXAMPLES = shipped_checklists() / "examples"
INCIDENT = datetime(2026, 11, 21, 22, 10, tzinfo=UTC)
TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def problems(doc: Any, schema: dict[str, Any], defs: dict[str, Any], at: str = "$") -> list[str]:
    """Structural checks: types, required and declared keys, enums, patterns, sizes, $ref, anyOf."""
    if "$ref" in schema:
        return problems(doc, defs[schema["$ref"].rsplit("/", 1)[-1]], defs, at)
    if "anyOf" in schema:
        options = [problems(doc, s, defs, at) for s in schema["anyOf"]]
        return [] if any(not p for p in options) else [f"{at}: matches no anyOf option"]
    out: list[str] = []
    kind = schema.get("type")
    if kind is not None:
        allowed = TYPES[kind]
        is_bool = isinstance(doc, bool)
        if not isinstance(doc, allowed) or (is_bool and kind in ("integer", "number")):
            return [f"{at}: expected {kind}, got {type(doc).__name__}"]
    if "enum" in schema and doc not in schema["enum"]:
        out.append(f"{at}: {doc!r} not in {schema['enum']}")
    if isinstance(doc, str):
        if "pattern" in schema and not re.search(schema["pattern"], doc):
            out.append(f"{at}: {doc!r} does not match {schema['pattern']}")
        if len(doc) < schema.get("minLength", 0):
            out.append(f"{at}: shorter than {schema['minLength']}")
    is_number = isinstance(doc, int | float) and not isinstance(doc, bool)
    if is_number and doc < schema.get("minimum", doc):
        out.append(f"{at}: below {schema['minimum']}")
    if isinstance(doc, list):
        if len(doc) < schema.get("minItems", 0):
            out.append(f"{at}: fewer than {schema['minItems']} items")
        for n, item in enumerate(doc):
            out += problems(item, schema.get("items", {}), defs, f"{at}[{n}]")
    if isinstance(doc, dict):
        props = schema.get("properties")
        out += [f"{at}: missing {k}" for k in schema.get("required", []) if k not in doc]
        for key, value in doc.items():
            if props is not None and key in props:
                out += problems(value, props[key], defs, f"{at}.{key}")
            elif props is not None:
                out.append(f"{at}: {key} is not in the schema")
    return out


def validate(doc: Any, which: str) -> list[str]:
    schema = json.loads(schema_text(which))
    return problems(doc, schema, schema["$defs"])


@pytest.mark.parametrize("which", sorted(FILES))
def test_shipped_schema_equals_the_generated_one(which: str) -> None:
    assert schema_text(which) == generate(which)


@pytest.mark.parametrize("which", sorted(FILES))
def test_shipped_schema_names_itself(which: str) -> None:
    schema = json.loads(schema_text(which))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == f"safe-check {which}"


def test_the_validator_catches_an_undeclared_key() -> None:
    assert validate({"schema_version": 1, "surprise": True}, "record") != []


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.toml")))
def test_a_record_export_validates_against_the_record_schema(home: Path, name: str) -> None:
    app = App(home)
    app.setup("T1", "PC Test", "Test Force")
    data = read_file(EXAMPLES / f"{name}.toml")
    ref, when, _ = record_meta(data)
    record = app.run_answers(find(name), data, ref, when or INCIDENT)
    assert validate(json.loads(to_json(record)), "record") == []


@pytest.mark.parametrize("path", shipped_files(), ids=lambda p: p.stem)
def test_shipped_checklists_validate_against_the_checklist_schema(path: Path) -> None:
    assert validate(tomllib.loads(path.read_text(encoding="utf-8")), "checklist") == []
