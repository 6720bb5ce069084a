"""JSON Schemas for the checklist and record formats, generated from the msgspec models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

SCHEMA_DIR: Final = Path(__file__).parent / "schema"
FILES: Final = {"checklist": "checklist.schema.json", "record": "record.schema.json"}


def generate(which: str) -> str:
    """The schema, freshly generated from the models."""
    import msgspec

    if which == "checklist":
        from safe_check.checklist import Checklist as model
    else:
        from safe_check.record import Record as model
    schema = msgspec.json.schema(model)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"safe-check {which}"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def schema_text(which: str) -> str:
    """The shipped schema file (tests keep it equal to the generated one)."""
    return (SCHEMA_DIR / FILES[which]).read_text(encoding="utf-8")


def write_all() -> None:
    """Regenerate the shipped schema files: python -m safe_check.schemas."""
    SCHEMA_DIR.mkdir(exist_ok=True)
    for which, name in FILES.items():
        (SCHEMA_DIR / name).write_text(generate(which), encoding="utf-8")


if __name__ == "__main__":
    write_all()
