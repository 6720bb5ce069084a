"""The engine: which questions apply, in what order, derived ages, action points, statements."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from safe_check.checklist import Checklist, Roster
from safe_check.engine import (
    RosterEnd,
    Scope,
    Slot,
    action_points,
    age_on,
    entry_name,
    next_step,
    plan,
    statements,
)

INCIDENT = datetime(2026, 11, 21, 22, 10, tzinfo=UTC)

BODY = """
[[sections]]
id = "main"
title = "Main"

[[sections.questions]]
kind = "yes_no"
id = "children_present"
prompt = "Were any children present?"

[[sections.questions]]
kind = "text"
id = "where"
prompt = "Where were the children?"
when = { question = "children_present", equals = false }

[[sections.questions]]
kind = "choice"
id = "reason"
prompt = "Why were officers there?"
choices = [{ value = "welfare", label = "Welfare" }, { value = "incident", label = "Incident" }]

[[sections]]
id = "people"
title = "Children"
when = { question = "children_present", equals = true }

[[sections.questions]]
kind = "roster"
id = "children"
prompt = "Every child present"
label = "Child"
name_from = "name"
min = 1
max = 3
derived = [
  { kind = "age", id = "age", from = "dob", fallback = "estimated_age" },
  { kind = "under_18", id = "is_child", from = "age" },
]

[[sections.questions.questions]]
kind = "text"
id = "name"
prompt = "Reference or first name"

[[sections.questions.questions]]
kind = "date"
id = "dob"
prompt = "Date of birth"
required = false

[[sections.questions.questions]]
kind = "number"
id = "estimated_age"
prompt = "Estimated age"
when = { question = "dob", answered = false }

[[sections.questions.questions]]
kind = "yes_no"
id = "seen"
prompt = "Seen by officers?"

[[sections.questions.questions]]
kind = "done"
id = "spoken_alone"
prompt = "Spoken to alone?"
when = { question = "seen", equals = true }

[[sections.questions.questions]]
kind = "yes_no"
id = "witnessed"
prompt = "Did the child witness the incident?"
when = { question = "reason", equals = "incident" }

[[sections.questions.questions]]
kind = "yes_no_unknown"
id = "at_school"
prompt = "Registered at a school?"
when = { question = "is_child", equals = true }

[[sections]]
id = "after"
title = "Afterwards"

[[sections.questions]]
kind = "yes_no"
id = "follow_up"
prompt = "Is a visit arranged for each child not seen?"
when = { question = "children.seen", equals = false }

[[sections.questions]]
kind = "yes_no"
id = "referral_made"
prompt = "Has a referral been made?"

[[actions]]
id = "refer"
when = { question = "referral_made", equals = false }
text = "Refer to children's social care."
priority = "routine"
due_hours = 24

[[actions]]
id = "see_child"
roster = "children"
when = { question = "seen", equals = false }
text = "Arrange for {entry} to be seen."
priority = "before-end-of-duty"
due_hours = 8

[[actions]]
id = "why_not_alone"
roster = "children"
when = { question = "spoken_alone", equals = false }
text = "Record why {entry} was not spoken to alone."
priority = "immediate"

[[statements]]
id = "always"
text = "Carried by every record."

[[statements]]
id = "not_seen"
text = "At least one child was not seen."
when = { question = "children.seen", equals = false }
"""

NOT_ALONE = {"done": False, "reason": "An adult stayed in the room (fictional)"}


@pytest.fixture
def cl(make_checklist: Callable[[str], Checklist]) -> Checklist:
    return make_checklist(BODY)


def child(name: str = "Child A (fictional)", **answers: Any) -> dict[str, Any]:
    return {"name": name, **answers}


def answers_with(*children: dict[str, Any], **top: Any) -> dict[str, Any]:
    base = {"children_present": True, "reason": "welfare", "children": list(children)}
    return {**base, **top}


def paths(cl: Checklist, answers: dict[str, Any]) -> list[str]:
    return [s.path for s in plan(cl, answers, INCIDENT).steps]


def roster_of(cl: Checklist) -> Roster:
    return next(item for _, item in cl.items() if isinstance(item, Roster))


# -- applicability ----------------------------------------------------------------------------
def test_plan_lists_questions_in_order_with_the_roster_end(cl: Checklist) -> None:
    answers = answers_with(child(dob="2015-03-02", seen=False))
    assert paths(cl, answers) == [
        "children_present",
        "reason",
        "children[0].name",
        "children[0].dob",
        "children[0].seen",
        "children[0].at_school",
        "children#closed",
        "follow_up",
        "referral_made",
    ]


@pytest.mark.parametrize(("present", "asked"), [(False, True), (True, False), (None, False)])
def test_a_question_applies_only_when_its_condition_holds(
    cl: Checklist, present: bool | None, asked: bool
) -> None:
    answers = {} if present is None else {"children_present": present}
    assert ("where" in paths(cl, answers)) is asked


def test_a_section_that_does_not_apply_is_skipped_whole(cl: Checklist) -> None:
    answers = {"children_present": False, "children": [child(seen=True)]}
    steps = paths(cl, answers)
    assert not [p for p in steps if p.startswith("children[") or p == "children#closed"]


def test_answers_to_questions_that_do_not_apply_are_dropped(cl: Checklist) -> None:
    answers = answers_with(child(seen=True), where="In the garden (fictional)")
    kept = plan(cl, answers, INCIDENT).answers
    assert "where" not in kept
    assert kept["children_present"] is True


# -- roster entries -----------------------------------------------------------------------------
def test_an_entry_question_applies_per_entry(cl: Checklist) -> None:
    answers = answers_with(child(seen=True), child("Child B (fictional)", seen=False))
    steps = paths(cl, answers)
    assert "children[0].spoken_alone" in steps
    assert "children[1].spoken_alone" not in steps


def test_an_entry_answer_that_does_not_apply_is_dropped_for_that_entry(cl: Checklist) -> None:
    answers = answers_with(child(seen=False, spoken_alone=NOT_ALONE))
    kept = plan(cl, answers, INCIDENT).answers
    assert kept["children"] == [{"name": "Child A (fictional)", "seen": False}]


@pytest.mark.parametrize(("reason", "asked"), [("incident", True), ("welfare", False)])
def test_inside_an_entry_a_name_falls_back_to_top_level_questions(
    cl: Checklist, reason: str, asked: bool
) -> None:
    answers = answers_with(child(seen=False), reason=reason)
    assert ("children[0].witnessed" in paths(cl, answers)) is asked


@pytest.mark.parametrize(
    ("seen", "asked"),
    [((True, True), False), ((True, False), True), ((False, True), True), ((), False)],
)
def test_a_dotted_reference_matches_when_any_entry_matches(
    cl: Checklist, seen: tuple[bool, ...], asked: bool
) -> None:
    answers = answers_with(*(child(f"Child {i} (fictional)", seen=s) for i, s in enumerate(seen)))
    assert ("follow_up" in paths(cl, answers)) is asked


# -- derived ages -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        ("2015-03-02", date(2026, 11, 21), 11),
        ("2008-11-21", date(2026, 11, 21), 18),
        ("2008-11-22", date(2026, 11, 21), 17),
        ("2008-02-29", date(2026, 2, 28), 17),
        ("2008-02-29", date(2026, 3, 1), 18),
        ("2026-11-21", date(2026, 11, 21), 0),
    ],
)
def test_age_on_counts_whole_years(born: str, on: date, age: int) -> None:
    assert age_on(born, on) == age


def entry_values(cl: Checklist, entry: dict[str, Any], when: datetime = INCIDENT) -> Scope:
    roster = roster_of(cl)
    top = Scope({}, cl.derived, when.date())
    return Scope(entry, roster.derived, when.date(), top)


@pytest.mark.parametrize(
    ("entry", "age", "is_child"),
    [
        ({"dob": "2009-06-01"}, 17, True),
        ({"dob": "2008-11-22"}, 17, True),  # 18th birthday is the day after the incident
        ({"dob": "2008-11-21"}, 18, False),  # 18th birthday is the day of the incident
        ({"dob": "2015-03-02", "estimated_age": 16}, 11, True),  # a known date of birth wins
        ({"estimated_age": 17}, 17, True),
        ({"estimated_age": 18}, 18, False),
        ({}, None, None),
    ],
)
def test_derived_age_and_child_status_at_the_incident(
    cl: Checklist, entry: dict[str, Any], age: int | None, is_child: bool | None
) -> None:
    scope = entry_values(cl, entry)
    assert (scope.get("age"), scope.get("is_child")) == (age, is_child)


def test_age_uses_the_incident_date_not_today(cl: Checklist) -> None:
    early = datetime(2020, 1, 1, 12, 0, tzinfo=UTC)
    assert entry_values(cl, {"dob": "2008-11-22"}, early).get("age") == 11


@pytest.mark.parametrize(
    ("dob", "asked"),
    [("2009-06-01", True), ("2008-11-22", True), ("2008-11-21", False), ("1990-01-01", False)],
)
def test_a_question_for_children_is_asked_for_a_17_year_old(
    cl: Checklist, dob: str, asked: bool
) -> None:
    answers = answers_with(child(dob=dob, seen=False))
    assert ("children[0].at_school" in paths(cl, answers)) is asked


def test_derived_values_leave_out_what_is_unknown(cl: Checklist) -> None:
    assert entry_values(cl, {"name": "Child A (fictional)"}).derived_values() == {}


# -- the next step --------------------------------------------------------------------------------
def step_path(cl: Checklist, answers: dict[str, Any], closed: frozenset[str] = frozenset()) -> Any:
    step = next_step(cl, answers, set(closed), INCIDENT)
    return None if step is None else step.path


def test_next_step_is_the_first_unanswered_question(cl: Checklist) -> None:
    assert step_path(cl, {}) == "children_present"
    assert step_path(cl, {"children_present": True}) == "reason"


def test_below_the_roster_minimum_the_next_step_starts_an_entry(cl: Checklist) -> None:
    step = next_step(cl, answers_with(), set(), INCIDENT)
    assert isinstance(step, Slot)
    assert (step.path, step.entry) == ("children[0].name", 0)


def test_an_unfinished_entry_is_asked_before_anything_else(cl: Checklist) -> None:
    assert step_path(cl, answers_with(child())) == "children[0].dob"


def test_at_or_above_the_minimum_the_next_step_offers_another_entry(cl: Checklist) -> None:
    answers = answers_with(child(dob="2015-03-02", seen=False, at_school="yes"))
    step = next_step(cl, answers, set(), INCIDENT)
    assert isinstance(step, RosterEnd)
    assert (step.roster.id, step.count, step.path) == ("children", 1, "children#closed")


def test_a_closed_roster_moves_on_to_the_next_question(cl: Checklist) -> None:
    answers = answers_with(child(dob="2015-03-02", seen=False, at_school="yes"))
    assert step_path(cl, answers, frozenset({"children"})) == "follow_up"


def test_a_full_roster_moves_on_without_offering_another_entry(cl: Checklist) -> None:
    entry = child(dob="1990-01-01", seen=False)
    assert step_path(cl, answers_with(entry, entry, entry)) == "follow_up"


def test_next_step_is_none_when_everything_is_answered(cl: Checklist) -> None:
    answers = answers_with(child(dob="1990-01-01", seen=False), follow_up=True, referral_made=True)
    assert step_path(cl, answers, frozenset({"children"})) is None


def test_a_skipped_optional_question_counts_as_answered(cl: Checklist) -> None:
    assert step_path(cl, answers_with(child(dob=None))) == "children[0].estimated_age"


# -- action points --------------------------------------------------------------------------------
def actions(cl: Checklist, answers: dict[str, Any]) -> list[Any]:
    return action_points(cl, plan(cl, answers, INCIDENT).answers, INCIDENT)


def test_a_roster_action_fires_once_per_matching_entry_naming_it(cl: Checklist) -> None:
    answers = answers_with(
        child(seen=True, spoken_alone={"done": True}),
        child("Child B (fictional)", seen=True, spoken_alone=NOT_ALONE),
        child("Child C (fictional)", seen=True, spoken_alone=NOT_ALONE),
    )
    fired = [a for a in actions(cl, answers) if a.rule == "why_not_alone"]
    assert [a.text for a in fired] == [
        "Record why Child 2 (Child B (fictional)) was not spoken to alone.",
        "Record why Child 3 (Child C (fictional)) was not spoken to alone.",
    ]


def test_a_roster_action_names_where_its_answer_is(cl: Checklist) -> None:
    answers = answers_with(child(seen=True), child("Child B (fictional)", seen=False))
    fired = [a for a in actions(cl, answers) if a.rule == "see_child"]
    assert [a.because for a in fired] == [["children[1].seen"]]


def test_an_entry_without_a_name_is_named_by_its_label(cl: Checklist) -> None:
    roster = roster_of(cl)
    assert entry_name(roster, 1, {"seen": False}) == "Child 2"
    assert entry_name(roster, 0, {"name": "Child A (fictional)"}) == "Child 1 (Child A (fictional))"


def test_action_points_come_most_urgent_first(cl: Checklist) -> None:
    answers = answers_with(
        child(seen=False), child("Child B (fictional)", seen=True, spoken_alone=NOT_ALONE),
        referral_made=False,
    )  # fmt: skip
    assert [a.priority for a in actions(cl, answers)] == [
        "immediate",
        "before-end-of-duty",
        "routine",
    ]


@pytest.mark.parametrize(
    ("rule", "due"), [("see_child", INCIDENT + timedelta(hours=8)), ("why_not_alone", None)]
)
def test_due_time_is_counted_from_the_incident(
    cl: Checklist, rule: str, due: datetime | None
) -> None:
    answers = answers_with(child(seen=False), child("Child B", seen=True, spoken_alone=NOT_ALONE))
    assert next(a.due for a in actions(cl, answers) if a.rule == rule) == due


def test_a_top_level_action_is_due_a_day_after_the_incident(cl: Checklist) -> None:
    answers = answers_with(child(seen=True, spoken_alone={"done": True}), referral_made=False)
    fired = next(a for a in actions(cl, answers) if a.rule == "refer")
    assert (fired.due, fired.because) == (
        datetime(2026, 11, 22, 22, 10, tzinfo=UTC),
        ["referral_made"],
    )


def test_an_answer_that_does_not_apply_raises_no_action(cl: Checklist) -> None:
    answers = answers_with(child(seen=False, spoken_alone=NOT_ALONE))
    assert "why_not_alone" not in [a.rule for a in actions(cl, answers)]


# -- statements ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("seen", "ids"),
    [((True,), ["always"]), ((True, False), ["always", "not_seen"])],
)
def test_statements_apply_by_their_conditions(
    cl: Checklist, seen: tuple[bool, ...], ids: list[str]
) -> None:
    answers = answers_with(*(child(f"Child {i}", seen=s) for i, s in enumerate(seen)))
    kept = plan(cl, answers, INCIDENT).answers
    assert [s.id for s in statements(cl, kept, INCIDENT)] == ids
