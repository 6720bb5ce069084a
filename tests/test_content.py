"""The practice checklists do what reviews taught: the worked examples raise the actions their
scenarios must raise, and the key rules hold in every checklist."""

from __future__ import annotations

import copy
from datetime import timedelta
from pathlib import Path

import pytest

from safe_check.answers import check_answers, read_file, record_meta
from safe_check.catalog import find
from safe_check.engine import Scope, action_points, plan, statements
from safe_check.timefmt import parse_time

EXAMPLES = Path(__file__).parents[1] / "checklists" / "examples"
PRACTICE = [
    "domestic-abuse",
    "missing-return",
    "disclosure",
    "child-in-custody",
    "welfare-concern",
    "infant-injury",
    "exploitation",
]
DEFAULT_INCIDENT = parse_time("2026-11-21T22:10:00Z")


def example(checklist_id: str) -> tuple:
    data = read_file(EXAMPLES / f"{checklist_id}.toml")
    _, when, _ = record_meta(data)
    return find(checklist_id).checklist, data, when or DEFAULT_INCIDENT


def raised(cl, data, when) -> list:
    answers, _ = check_answers(cl, copy.deepcopy(data), when)
    return action_points(cl, plan(cl, answers, when).answers, when)


# What each scenario must raise: (rule id, words its text must contain).
MUST_RAISE = {
    "domestic-abuse": [
        ("operation_encompass", "school"),
        ("why_not_alone", "Child"),
        ("escalate_repeat", ""),
    ],
    "missing-return": [
        ("notify_la_rhi", "return home interview"),
        ("escalate_repeat", "repeat"),
        ("share_intel", ""),
    ],
    "disclosure": [
        ("plan_abe", "interview"),
        ("ask_strategy", "strategy"),
        ("tell_child_next", "Child"),
    ],
    "child-in-custody": [
        ("seventeen_juvenile", ""),
        ("child_interpreter", ""),
        ("exploitation_victim", ""),
    ],
    "welfare-concern": [
        ("child_interpreter", ""),
        ("see_child", "Child"),
        ("why_not_alone", "Child"),
    ],
    "infant-injury": [
        ("named_doctor", "named doctor"),
        ("find_other_men", ""),
        ("sibling_check", ""),
    ],
    "exploitation": [("share_intel", ""), ("nrm_consider", ""), ("child_interpreter", "")],
}


@pytest.mark.parametrize("checklist_id", PRACTICE)
def test_worked_example_raises_what_its_scenario_must(checklist_id: str) -> None:
    cl, data, when = example(checklist_id)
    answers, problems = check_answers(cl, copy.deepcopy(data), when)
    assert problems == []
    actions = action_points(cl, plan(cl, answers, when).answers, when)
    for rule, words in MUST_RAISE[checklist_id]:
        texts = [a.text for a in actions if a.rule == rule]
        assert texts, f"{checklist_id}: {rule} not raised"
        assert any(words.lower() in t.lower() for t in texts), f"{rule}: {texts}"


def test_return_home_interview_is_chased_well_inside_72_hours() -> None:
    cl, data, when = example("missing-return")
    (notify,) = [a for a in raised(cl, data, when) if a.rule == "notify_la_rhi"]
    assert notify.due is not None and notify.due - when <= timedelta(hours=72)


@pytest.mark.parametrize("checklist_id", PRACTICE)
def test_not_alone_without_a_reason_is_rejected(checklist_id: str) -> None:
    cl, data, when = example(checklist_id)
    child = data["children"][0]
    child.update({"seen": True, "spoken_to": True, "spoken_alone": {"done": False}})
    _, problems = check_answers(cl, data, when)
    assert any("children[0]" in p and "spoken_alone" in p and "reason" in p for p in problems), (
        problems
    )


@pytest.mark.parametrize("checklist_id", PRACTICE)
def test_a_17_year_old_is_a_child(checklist_id: str) -> None:
    cl, _data, when = example(checklist_id)
    roster = next(i for _, i in cl.items() if i.id == "children")
    born = when.date().replace(year=when.year - 17)  # 17th birthday on the day of the incident
    scope = Scope({"dob": born.isoformat()}, roster.derived, when.date())
    assert scope.get("age") == 17 and scope.get("is_child") is True
    almost_18 = when.date().replace(year=when.year - 18) + timedelta(days=1)
    assert (
        Scope({"dob": almost_18.isoformat()}, roster.derived, when.date()).get("is_child") is True
    )


def test_a_17_year_old_in_custody_gets_the_parent_and_appropriate_adult_action() -> None:
    cl, data, when = example("child-in-custody")
    texts = [a.text for a in raised(cl, data, when) if a.rule == "seventeen_juvenile"]
    assert texts and all("17" in t for t in texts)


@pytest.mark.parametrize(("before", "escalates"), [("no", False), ("yes", True)])
def test_a_third_missing_episode_escalates(before: str, escalates: bool) -> None:
    cl, data, when = example("missing-return")
    data["previous_incidents"] = before
    if before == "yes":
        data["previous_count"] = 2  # this is the third
    else:
        data.pop("previous_count", None)
    rules = [a for a in raised(cl, data, when) if a.rule == "escalate_repeat"]
    assert bool(rules) is escalates
    if escalates:
        assert rules[0].priority in ("immediate", "before-end-of-duty")


@pytest.mark.parametrize("checklist_id", PRACTICE)
def test_a_child_interpreter_is_flagged(checklist_id: str) -> None:
    cl, data, when = example(checklist_id)
    data["interpreter_needed"] = True
    data["interpreter_used"] = "child"
    answers, _ = check_answers(cl, data, when)
    kept = plan(cl, answers, when).answers
    flagged = [a for a in action_points(cl, kept, when) if a.rule == "child_interpreter"]
    assert flagged and flagged[0].priority == "immediate"
    assert any(
        "child" in s.text.lower() and "interpret" in s.text.lower()
        for s in statements(cl, kept, when)
    )


@pytest.mark.parametrize("checklist_id", PRACTICE)
def test_typical_run_stays_short(checklist_id: str) -> None:
    """The worked examples are the heaviest paths; a one-child case stays near 35 questions."""
    cl, data, when = example(checklist_id)
    data["children"] = data["children"][:1]
    data["adults"] = data.get("adults", [])[:1] if "adults" in data else data.get("adults")
    if data["adults"] is None:
        data.pop("adults")
    answers, _ = check_answers(cl, data, when)
    assert len(plan(cl, answers, when).slots) <= 42
