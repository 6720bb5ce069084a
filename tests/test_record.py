"""The record: what a run produces and its JSON and TOML exports (the back office's contract)."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from safe_check.answers import read_file, record_meta
from safe_check.app import App
from safe_check.catalog import find
from safe_check.paths import shipped_checklists
from safe_check.record import Record, from_json, to_json, to_toml

EXAMPLES = shipped_checklists() / "examples"
INCIDENT = datetime(2026, 11, 21, 22, 10, tzinfo=UTC)
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")
TIME_KEYS = {"incident_at", "started_at", "finalised_at", "answered_at", "due", "at"}

# The back office reads these names, in this order; a change here is a change of contract.
RECORD_FIELDS = [
    "schema_version",
    "id",
    "status",
    "checklist",
    "officer",
    "subject_ref",
    "incident_at",
    "started_at",
    "finalised_at",
    "answers",
    "actions",
    "statements",
    "chain",
    "seal",
    "amendments",
]
CHECKLIST_FIELDS = ["id", "version", "sha256"]
OFFICER_FIELDS = ["id", "name", "force"]
ANSWER_FIELDS = ["question", "prompt", "value", "voice", "answered_at", "history", "entries"]
ENTRY_FIELDS = ["label", "answers", "derived"]
CHANGE_FIELDS = ["value", "answered_at"]
ACTION_FIELDS = ["text", "priority", "due", "because", "rule"]


@pytest.fixture
def app(home: Path) -> App:
    app = App(home)
    app.setup("T1", "PC Test", "Test Force")
    return app


def example_data(name: str) -> dict[str, Any]:
    return read_file(EXAMPLES / f"{name}.toml")


def finalise(app: App, name: str, data: dict[str, Any] | None = None) -> Record:
    data = example_data(name) if data is None else data
    ref, when, problems = record_meta(data)
    assert problems == []
    return app.run_answers(find(name), data, ref, when or INCIDENT)


def exported(record: Record) -> dict[str, Any]:
    return json.loads(to_json(record))


def in_order(keys: list[str], contract: list[str]) -> list[str]:
    """The keys as the contract orders them (any key outside it is kept, last, to fail)."""
    return [k for k in contract if k in keys] + [k for k in keys if k not in contract]


def all_answers(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for answer in doc["answers"]:
        yield answer
        for entry in answer.get("entries", []):
            yield from entry["answers"]


def times(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in TIME_KEYS:
                yield key, value
            yield from times(value)
    elif isinstance(node, list):
        for item in node:
            yield from times(item)


EXAMPLE_NAMES = sorted(p.stem for p in EXAMPLES.glob("*.toml"))


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_json_and_toml_exports_hold_the_same_content(app: App, name: str) -> None:
    record = finalise(app, name)
    assert tomllib.loads(to_toml(record)) == exported(record)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_json_export_reads_back_to_the_same_record(app: App, name: str) -> None:
    record = finalise(app, name)
    assert from_json(to_json(record)) == record


def test_record_fields_follow_the_contract(app: App) -> None:
    doc = exported(finalise(app, "practice-run"))
    keys = list(doc)
    assert keys == in_order(keys, RECORD_FIELDS)
    assert set(RECORD_FIELDS[:12]) - {"subject_ref"} <= set(keys)


def test_nested_fields_follow_the_contract(app: App) -> None:
    doc = exported(finalise(app, "practice-run"))
    assert list(doc["checklist"]) == CHECKLIST_FIELDS
    assert list(doc["officer"]) == OFFICER_FIELDS
    for action in doc["actions"]:
        assert list(action) == in_order(list(action), ACTION_FIELDS)
        assert {"text", "priority", "rule"} <= set(action)
    for answer in all_answers(doc):
        assert list(answer) == in_order(list(answer), ANSWER_FIELDS)
        assert {"question", "prompt"} <= set(answer)
    roster = next(a for a in doc["answers"] if a.get("entries"))
    for entry in roster["entries"]:
        assert list(entry) == in_order(list(entry), ENTRY_FIELDS)


def test_record_header_values(app: App) -> None:
    doc = exported(finalise(app, "practice-run"))
    assert (doc["schema_version"], doc["status"], doc["subject_ref"]) == (
        1,
        "final",
        "TEST-PR-0001",
    )
    assert doc["officer"] == {"id": "T1", "name": "PC Test", "force": "Test Force"}
    assert doc["checklist"]["id"] == "practice-run"
    assert re.fullmatch(r"[0-9a-f]{64}", doc["checklist"]["sha256"])


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_every_time_is_rfc3339_with_an_offset(app: App, name: str) -> None:
    found = list(times(exported(finalise(app, name))))
    assert {k for k, _ in found} >= {"incident_at", "started_at", "finalised_at", "answered_at"}
    assert [(k, v) for k, v in found if not (isinstance(v, str) and RFC3339.match(v))] == []


def test_a_datetime_answer_is_stored_with_its_offset(app: App) -> None:
    doc = exported(finalise(app, "practice-run"))
    arrived = next(a for a in doc["answers"] if a["question"] == "arrived_at")
    assert arrived["value"] == "2026-11-21T22:05:00+00:00"


def test_due_times_count_from_the_incident(app: App) -> None:
    doc = exported(finalise(app, "practice-run"))
    due = {a["rule"]: a.get("due") for a in doc["actions"]}
    assert due["refer"] == "2026-11-22T22:10:00+00:00"
    assert due["pattern"] == "2026-11-24T22:10:00+00:00"
    assert due["why_not_alone"] is None


def test_a_roster_action_names_its_entry(app: App) -> None:
    doc = exported(finalise(app, "practice-run"))
    action = next(a for a in doc["actions"] if a["rule"] == "why_not_alone")
    assert "Child 2 (Child B (fictional))" in action["text"]
    assert action["because"] == ["children[1].spoken_alone"]


def test_entries_carry_their_label_and_derived_values(app: App) -> None:
    doc = exported(finalise(app, "practice-run"))
    roster = next(a for a in doc["answers"] if a["question"] == "children")
    assert [(e["label"], e["derived"]) for e in roster["entries"]] == [
        ("Child 1 (Child A (fictional))", {"age": 11, "is_child": True}),
        ("Child 2 (Child B (fictional))", {"age": 17, "is_child": True}),
    ]


def test_optional_unanswered_questions_are_left_out(app: App) -> None:
    data = example_data("practice-run")
    del data["home_notes"]
    doc = exported(finalise(app, "practice-run", data))
    questions = [a["question"] for a in all_answers(doc)]
    assert "home_notes" not in questions
    second = next(a for a in doc["answers"] if a["question"] == "children")["entries"][1]
    assert "dob" not in [a["question"] for a in second["answers"]]


def test_questions_that_do_not_apply_are_left_out(app: App) -> None:
    doc = exported(finalise(app, "practice-run"))
    assert "reason_other" not in [a["question"] for a in all_answers(doc)]


def test_quotes_keep_their_voice(app: App) -> None:
    doc = exported(finalise(app, "practice-run"))
    voices = {a["question"]: a.get("voice") for a in all_answers(doc)}
    assert (voices["child_words"], voices["seen"]) == ("quote", "observation")


# -- drafts: history ------------------------------------------------------------------------
@pytest.fixture
def draft_id(app: App) -> str:
    draft = app.start(find("practice-run"), "TEST-0001", INCIDENT)
    for path, value, at in [
        ("reason", "welfare", "2026-11-21T22:11:00+00:00"),
        ("concerns", ["no_food"], "2026-11-21T22:12:00+00:00"),
        ("home_notes", None, "2026-11-21T22:13:00+00:00"),  # skipped, then given at review
        ("home_notes", "Fridge empty (fictional).", "2026-11-21T22:30:00+00:00"),
    ]:
        app.store.save_answer(draft.id, path, value, at)
    return draft.id


def test_a_changed_answer_carries_its_history(app: App, draft_id: str) -> None:
    doc = exported(app.record(draft_id))
    notes = next(a for a in doc["answers"] if a["question"] == "home_notes")
    assert (notes["value"], notes["answered_at"]) == (
        "Fridge empty (fictional).",
        "2026-11-21T22:30:00+00:00",
    )
    assert notes["history"] == [{"answered_at": "2026-11-21T22:13:00+00:00"}]  # skipped then


def test_a_draft_record_says_it_is_a_draft(app: App, draft_id: str) -> None:
    doc = exported(app.record(draft_id))
    assert doc["status"] == "draft"
    assert "finalised_at" not in doc


def test_toml_export_of_a_record_with_a_skipped_then_given_answer(app: App, draft_id: str) -> None:
    doc = tomllib.loads(to_toml(app.record(draft_id)))
    notes = next(a for a in doc["answers"] if a["question"] == "home_notes")
    assert notes["value"] == "Fridge empty (fictional)."
