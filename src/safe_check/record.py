"""The record: what a run produces, its exported JSON/TOML forms and how it is built."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import msgspec

from safe_check.checklist import Checklist, Roster
from safe_check.engine import (
    Answers,
    Plan,
    Scope,
    Slot,
    action_points,
    entry_name,
    plan,
    statements,
)
from safe_check.timefmt import rfc3339

SCHEMA_VERSION: Final = 1


class Out(msgspec.Struct, kw_only=True, omit_defaults=True, forbid_unknown_fields=True):
    """Base for record structs: fields left at their default (None, empty) are left out, and
    a field nobody sealed is an error when a record is read back (so nothing can be slipped in)."""


class Change(Out, kw_only=True):
    """An earlier value of an answer, and when it was given (no value: it was skipped)."""

    value: Any = None
    answered_at: str


class Entry(Out):
    """One roster entry (one child, one adult) and its answers."""

    label: str
    answers: list[Answer]
    derived: dict[str, Any] = {}


class Answer(Out):
    """One answer as asked; a roster's answer holds its entries instead of a value."""

    question: str
    prompt: str
    value: Any = None
    voice: str | None = None
    answered_at: str | None = None
    history: list[Change] = []
    entries: list[Entry] = []


class ChecklistRef(Out):
    """Which checklist definition, exactly, the record was made with."""

    id: str
    version: str
    sha256: str


class Officer(Out):
    """Who made the record."""

    id: str
    name: str = ""
    force: str = ""


class Action(Out, kw_only=True):
    """An action point raised by the answers."""

    text: str
    priority: str
    due: str | None = None
    because: list[str] = []
    rule: str


class Chain(Out):
    """Where a final record sits in this device's chain: its number and the previous hash."""

    index: int
    previous: str


class Seal(Out):
    """The record's SHA-256 (over everything but the seal and amendments) and its signature."""

    sha256: str
    signature: str
    key: str


class Amendment(Out, kw_only=True):
    """A signed addendum to a final record: a corrected answer or a note, never an edit."""

    id: str
    at: str
    officer: Officer
    reason: str
    question: str | None = None
    value: Any = None
    note: str | None = None
    previous: str
    sha256: str = ""
    signature: str = ""
    key: str = ""


class Record(Out, kw_only=True):
    """A record as exported: these field names are the back office's contract."""

    schema_version: int
    id: str
    status: str
    checklist: ChecklistRef
    officer: Officer
    subject_ref: str | None = None
    incident_at: str
    started_at: str
    finalised_at: str | None = None
    answers: list[Answer] = []
    actions: list[Action] = []
    statements: list[str] = []
    chain: Chain | None = None
    seal: Seal | None = None
    amendments: list[Amendment] = []


class Draft(msgspec.Struct):
    """A record in the making, as the store holds it."""

    id: str
    checklist: ChecklistRef
    officer: Officer
    incident_at: datetime
    started_at: str
    subject_ref: str | None = None
    status: str = "draft"
    finalised_at: str | None = None
    answers: Answers = msgspec.field(default_factory=dict)
    closed: set[str] = msgspec.field(default_factory=set)
    stamps: dict[str, str] = msgspec.field(default_factory=dict)
    history: dict[str, list[Change]] = msgspec.field(default_factory=dict)


def build(cl: Checklist, draft: Draft) -> Record:
    """The record for a draft: applicable answers in the order asked, actions, statements."""
    current = plan(cl, draft.answers, draft.incident_at)
    return Record(
        schema_version=SCHEMA_VERSION,
        id=draft.id,
        status=draft.status,
        checklist=draft.checklist,
        officer=draft.officer,
        subject_ref=draft.subject_ref,
        incident_at=rfc3339(draft.incident_at),
        started_at=draft.started_at,
        finalised_at=draft.finalised_at,
        answers=_answers(current, draft),
        actions=[
            Action(
                text=a.text,
                priority=a.priority,
                due=rfc3339(a.due) if a.due else None,
                because=a.because,
                rule=a.rule,
            )
            for a in action_points(cl, current.answers, draft.incident_at)
        ],
        statements=[s.text for s in statements(cl, current.answers, draft.incident_at)],
    )


def _answers(current: Plan, draft: Draft) -> list[Answer]:
    out: list[Answer] = []
    rosters: dict[str, Answer] = {}
    for slot in current.slots:
        answer = _answer(slot, current.answers, draft)
        if slot.roster is None:
            if answer:
                out.append(answer)
            continue
        group = rosters.get(slot.roster.id)
        if group is None:
            group = rosters[slot.roster.id] = Answer(
                question=slot.roster.id, prompt=slot.roster.prompt
            )
            out.append(group)
        if slot.entry == len(group.entries):
            group.entries.append(_entry(slot.roster, slot.entry, current, draft))
        if answer:
            group.entries[slot.entry].answers.append(answer)
    return out


def _entry(roster: Roster, index: int, current: Plan, draft: Draft) -> Entry:
    values = current.answers[roster.id][index]
    scope = Scope(values, roster.derived, draft.incident_at.date())
    return Entry(
        label=entry_name(roster, index, values), answers=[], derived=scope.derived_values()
    )


def _answer(slot: Slot, answers: Answers, draft: Draft) -> Answer | None:
    values = answers if slot.roster is None else answers[slot.roster.id][slot.entry]
    value = values.get(slot.question.id)
    history = draft.history.get(slot.path, [])
    if value is None and not history:
        return None  # never answered, or skipped: left out (TOML has no null)
    return Answer(
        question=slot.question.id,
        prompt=slot.question.prompt,
        value=value,
        voice=slot.question.voice,
        answered_at=draft.stamps.get(slot.path),
        history=history,  # a changed answer keeps what it was, even when it is now blank
    )


def sealed_content(record: Record) -> dict[str, Any]:
    """What a record's hash covers: everything except its seal and later amendments."""
    doc = msgspec.to_builtins(record)
    doc.pop("seal", None)
    doc.pop("amendments", None)
    return doc


def amendment_content(amendment: Amendment) -> dict[str, Any]:
    """What an amendment's hash covers: everything except its own hash and signature."""
    doc = msgspec.to_builtins(amendment)
    for key in ("sha256", "signature", "key"):
        doc.pop(key, None)
    return doc


def to_json(record: Record) -> bytes:
    """The record as indented JSON."""
    return msgspec.json.format(msgspec.json.encode(record), indent=2) + b"\n"


def to_toml(record: Record) -> str:
    """The record as TOML: the same content as the JSON form."""
    import tomli_w

    return tomli_w.dumps(msgspec.to_builtins(record))


def from_json(data: bytes) -> Record:
    """A record read back from its JSON form."""
    return msgspec.json.decode(data, type=Record)
