"""The checklist engine: which questions apply, in what order, and what the answers mean.

Everything here is a pure function of a checklist, the answers so far and the incident
time, so it is tested without a terminal or a database.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Final

import msgspec

from safe_check.checklist import (
    PRIORITIES,
    AgeFrom,
    Checklist,
    Derived,
    Leaf,
    Roster,
    Section,
    Statement,
)
from safe_check.conditions import evaluate, names

Answers = dict[str, Any]  # question id -> value; roster id -> list of entry answers
ADULT_AGE: Final = 18


class Slot(msgspec.Struct, frozen=True):
    """One question to ask: top-level, or for one roster entry."""

    section: Section
    question: Leaf
    roster: Roster | None = None
    entry: int | None = None

    @property
    def path(self) -> str:
        """Where the answer lives: `id`, or `roster[index].id` for an entry."""
        if self.roster is None:
            return self.question.id
        return f"{self.roster.id}[{self.entry}].{self.question.id}"


class RosterEnd(msgspec.Struct, frozen=True):
    """The end of a roster's known entries: the point to ask for another entry."""

    section: Section
    roster: Roster
    count: int

    @property
    def path(self) -> str:
        """The path of the roster's closing answer."""
        return f"{self.roster.id}#closed"


Step = Slot | RosterEnd


class Plan(msgspec.Struct):
    """What applies given the answers: the steps in order and the answers that count."""

    steps: list[Step] = msgspec.field(default_factory=list)
    answers: Answers = msgspec.field(default_factory=dict)

    @property
    def slots(self) -> list[Slot]:
        """Only the questions."""
        return [s for s in self.steps if isinstance(s, Slot)]


def age_on(born: str, on: date) -> int:
    """Whole years from a date of birth to a day."""
    b = date.fromisoformat(born)
    return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


class Scope:
    """Looks names up for conditions: this entry's answers, derived values, then outer ones."""

    def __init__(
        self,
        values: Answers,
        derived: list[Derived],
        day: date,
        parent: Scope | None = None,
    ) -> None:
        self.values = values
        self.derived = {d.id: d for d in derived}
        self.day = day
        self.parent = parent
        self.rosters: dict[str, Roster] = {}

    def get(self, name: str) -> Any:
        """The value of a question or derived value (None when unanswered or unknown)."""
        if name in self.values:
            return self.values[name]
        if name in self.derived:
            return self._derive(self.derived[name])
        return self.parent.get(name) if self.parent else None

    def _derive(self, d: Derived) -> Any:
        if isinstance(d, AgeFrom):
            born = self.get(d.from_)
            if isinstance(born, str):
                return age_on(born, self.day)
            return self.get(d.fallback) if d.fallback else None
        age = self.get(d.from_)
        return None if age is None else age < ADULT_AGE

    def resolve(self, name: str) -> list[Any]:
        """Candidate values: one, or one per entry for `roster.question`."""
        roster_id, dot, inner = name.partition(".")
        if not dot:
            return [self.get(name)]
        roster = self.rosters.get(roster_id)
        if roster is None:
            return [None]
        entries = self.values.get(roster_id) or []
        return [Scope(e, roster.derived, self.day, self).get(inner) for e in entries] or [None]

    def derived_values(self) -> dict[str, Any]:
        """Every derived value that has one."""
        values = {k: self._derive(d) for k, d in self.derived.items()}
        return {k: v for k, v in values.items() if v is not None}


def plan(cl: Checklist, answers: Answers, incident_at: datetime) -> Plan:
    """Walk the checklist in order, keeping only the questions and answers that apply.

    Conditions refer only to earlier questions (lint makes sure), so one pass that
    keeps answers as it goes sees exactly what the officer had answered at each point.
    """
    out = Plan()
    top = Scope(out.answers, cl.derived, incident_at.date())
    for section in cl.sections:
        if not evaluate(section.when, top.resolve):
            continue
        for item in section.questions:
            if not evaluate(item.when, top.resolve):
                continue
            if isinstance(item, Roster):
                _plan_roster(out, top, section, item, answers.get(item.id) or [])
            else:
                out.steps.append(Slot(section, item))
                if item.id in answers:
                    out.answers[item.id] = answers[item.id]
    return out


def _plan_roster(out: Plan, top: Scope, section: Section, roster: Roster, given: list) -> None:
    kept: list[Answers] = []
    out.answers[roster.id] = kept
    top.rosters[roster.id] = roster
    for index, entry in enumerate(given):
        values: Answers = {}
        kept.append(values)
        scope = Scope(values, roster.derived, top.day, top)
        for q in roster.questions:
            if evaluate(q.when, scope.resolve):
                out.steps.append(Slot(section, q, roster, index))
                if q.id in entry:
                    values[q.id] = entry[q.id]
    out.steps.append(RosterEnd(section, roster, len(given)))


def applicable_sections(cl: Checklist, current: Plan, incident_at: datetime) -> list[Section]:
    """The sections that apply to the answers so far (their questions may still be to come)."""
    top = Scope(current.answers, cl.derived, incident_at.date())
    top.rosters = {i.id: i for _, i in cl.items() if isinstance(i, Roster)}
    return [s for s in cl.sections if evaluate(s.when, top.resolve)]


def entry_scope(cl: Checklist, answers: Answers, roster: Roster, index: int, day: date) -> Scope:
    """The scope conditions see inside one roster entry."""
    top = Scope(answers, cl.derived, day)
    top.rosters = {i.id: i for _, i in cl.items() if isinstance(i, Roster)}
    entries = answers.get(roster.id) or []
    values = entries[index] if index < len(entries) else {}
    return Scope(values, roster.derived, day, top)


def is_answered(answers: Answers, slot: Slot) -> bool:
    """Whether a slot has an answer (an optional question skipped counts as answered)."""
    if slot.roster is None:
        return slot.question.id in answers
    entries = answers.get(slot.roster.id) or []
    return (
        slot.entry is not None
        and slot.entry < len(entries)
        and slot.question.id in entries[slot.entry]
    )


def next_step(
    cl: Checklist, answers: Answers, closed: set[str], incident_at: datetime
) -> Step | None:
    """The next thing to ask: an unanswered question, or whether to add a roster entry."""
    current = plan(cl, answers, incident_at)
    for step in current.steps:
        if isinstance(step, Slot):
            if not is_answered(answers, step):
                return step
        elif step.roster.id not in closed and step.count < step.roster.max:
            if step.count < step.roster.min:
                return first_slot(cl, answers, step.section, step.roster, incident_at)
            return step
    return None


def first_slot(
    cl: Checklist, answers: Answers, section: Section, roster: Roster, incident_at: datetime
) -> Slot:
    """The first question of a new roster entry."""
    count = len(answers.get(roster.id) or [])
    scope = entry_scope(cl, answers, roster, count, incident_at.date())
    first = next(
        (q for q in roster.questions if evaluate(q.when, scope.resolve)), roster.questions[0]
    )
    return Slot(section, first, roster, count)


def entry_name(roster: Roster, index: int, entry: Answers) -> str:
    """How an entry is named to readers: "Child 2 (Child B)"."""
    label = f"{roster.label} {index + 1}"
    name = entry.get(roster.name_from) if roster.name_from else None
    return f"{label} ({name})" if name else label


class ActionPoint(msgspec.Struct, frozen=True):
    """An action the answers call for."""

    rule: str
    text: str
    priority: str
    due: datetime | None
    because: list[str]


def action_points(cl: Checklist, answers: Answers, incident_at: datetime) -> list[ActionPoint]:
    """The action points that the (applicable) answers raise, most urgent first."""
    top = Scope(answers, cl.derived, incident_at.date())
    rosters = {i.id: i for _, i in cl.items() if isinstance(i, Roster)}
    top.rosters = rosters
    out: list[ActionPoint] = []
    for rule in cl.actions:
        due = incident_at + timedelta(hours=rule.due_hours) if rule.due_hours is not None else None
        because = rule.because or names(rule.when)
        if rule.roster is None:
            if evaluate(rule.when, top.resolve):
                out.append(ActionPoint(rule.id, rule.text, rule.priority, due, because))
            continue
        roster = rosters[rule.roster]
        for index, entry in enumerate(answers.get(rule.roster) or []):
            scope = Scope(entry, roster.derived, top.day, top)
            if evaluate(rule.when, scope.resolve):
                text = rule.text.replace("{entry}", entry_name(roster, index, entry))
                paths = [_entry_path(roster, index, b) for b in because]
                out.append(ActionPoint(rule.id, text, rule.priority, due, paths))
    return sorted(out, key=lambda a: PRIORITIES.index(a.priority))


def _entry_path(roster: Roster, index: int, name: str) -> str:
    inner = {q.id for q in roster.questions} | {d.id for d in roster.derived}
    return f"{roster.id}[{index}].{name}" if name in inner else name


def statements(cl: Checklist, answers: Answers, incident_at: datetime) -> list[Statement]:
    """The statements that apply to these answers."""
    top = Scope(answers, cl.derived, incident_at.date())
    top.rosters = {i.id: i for _, i in cl.items() if isinstance(i, Roster)}
    return [s for s in cl.statements if evaluate(s.when, top.resolve)]
