"""Conditions: evaluating them against answers, the names they use, and their wording."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from safe_check.checklist import Condition
from safe_check.conditions import describe, evaluate, names, walk


def cond(raw: dict[str, Any]) -> Condition:
    """A condition written as in a checklist file."""
    return msgspec.convert(raw, Condition)


def holds(raw: dict[str, Any], **values: Any) -> bool:
    """Evaluate a condition against plain answers (one candidate value per name)."""
    return evaluate(cond(raw), lambda name: [values.get(name)])


def test_no_condition_always_holds() -> None:
    assert evaluate(None, lambda name: [None]) is True


@pytest.mark.parametrize(
    ("raw", "values", "expected"),
    [
        ({"question": "seen", "equals": True}, {"seen": True}, True),
        ({"question": "seen", "equals": True}, {"seen": False}, False),
        ({"question": "seen", "equals": False}, {"seen": False}, True),
        ({"question": "count", "equals": 0}, {"count": 0}, True),
        ({"question": "reason", "equals": "welfare"}, {"reason": "welfare"}, True),
        ({"question": "reason", "equals": "welfare"}, {"reason": "other"}, False),
        ({"question": "reason", "not_equals": "other"}, {"reason": "welfare"}, True),
        ({"question": "reason", "not_equals": "other"}, {"reason": "other"}, False),
        ({"question": "rel", "one_of": ["partner", "ex_partner"]}, {"rel": "ex_partner"}, True),
        ({"question": "rel", "one_of": ["partner", "ex_partner"]}, {"rel": "parent"}, False),
        ({"question": "concerns", "includes": "drugs"}, {"concerns": ["food", "drugs"]}, True),
        ({"question": "concerns", "includes": "drugs"}, {"concerns": []}, False),
        ({"question": "concerns", "includes": "drugs"}, {"concerns": "drugs"}, False),
        ({"question": "notes", "answered": True}, {"notes": "text"}, True),
        ({"question": "notes", "answered": True}, {}, False),
        ({"question": "notes", "answered": False}, {}, True),
        ({"question": "concerns", "answered": True}, {"concerns": []}, True),
        ({"question": "age", "lt": 18}, {"age": 17}, True),
        ({"question": "age", "lt": 18}, {"age": 18}, False),
        ({"question": "age", "le": 18}, {"age": 18}, True),
        ({"question": "age", "gt": 2}, {"age": 2}, False),
        ({"question": "age", "ge": 2}, {"age": 2}, True),
    ],
)
def test_one_comparison(raw: dict[str, Any], values: dict[str, Any], expected: bool) -> None:
    assert holds(raw, **values) is expected


@pytest.mark.parametrize(
    "raw",
    [
        {"question": "x", "equals": True},
        {"question": "x", "equals": False},
        {"question": "x", "not_equals": False},
        {"question": "x", "one_of": ["a"]},
        {"question": "x", "includes": "a"},
        {"question": "x", "lt": 100},
        {"question": "x", "ge": 0},
    ],
)
def test_an_unanswered_question_matches_no_comparison(raw: dict[str, Any]) -> None:
    assert holds(raw) is False


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ({"question": "x", "equals": 1}, True),
        ({"question": "x", "equals": True}, 1),
        ({"question": "x", "equals": 0}, False),
        ({"question": "x", "equals": False}, 0),
        ({"question": "x", "lt": 2}, True),
        ({"question": "x", "ge": 0}, False),
    ],
)
def test_yes_and_no_are_never_numbers(raw: dict[str, Any], value: Any) -> None:
    assert holds(raw, x=value) is False


def test_not_equals_on_a_yes_answer_to_a_number_compares_as_different() -> None:
    assert holds({"question": "x", "not_equals": 1}, x=True) is True


@pytest.mark.parametrize(
    ("value", "equals", "expected"),
    [
        ({"done": True}, True, True),
        ({"done": False, "reason": "Adult in the room (fictional)"}, False, True),
        ({"done": False, "reason": "Adult in the room (fictional)"}, True, False),
    ],
)
def test_a_done_answer_compares_as_done_or_not(
    value: dict[str, Any], equals: bool, expected: bool
) -> None:
    assert holds({"question": "spoken_alone", "equals": equals}, spoken_alone=value) is expected


@pytest.mark.parametrize(
    ("raw", "values", "expected"),
    [
        ({"all": [{"question": "a", "equals": True}, {"question": "b", "equals": True}]},
         {"a": True, "b": True}, True),
        ({"all": [{"question": "a", "equals": True}, {"question": "b", "equals": True}]},
         {"a": True, "b": False}, False),
        ({"any": [{"question": "a", "equals": True}, {"question": "b", "equals": True}]},
         {"a": False, "b": True}, True),
        ({"any": [{"question": "a", "equals": True}, {"question": "b", "equals": True}]},
         {"a": False, "b": False}, False),
        ({"not": {"question": "a", "equals": True}}, {"a": False}, True),
        ({"not": {"question": "a", "equals": True}}, {"a": True}, False),
        ({"not": {"question": "a", "equals": True}}, {}, True),
        ({"all": [{"any": [{"question": "a", "equals": True}, {"question": "b", "gt": 2}]},
                  {"not": {"question": "c", "answered": True}}]},
         {"b": 3}, True),
    ],
)  # fmt: skip
def test_combinations(raw: dict[str, Any], values: dict[str, Any], expected: bool) -> None:
    assert holds(raw, **values) is expected


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [([True, False, True], True), ([True, True], False), ([None], False)],
)
def test_several_candidates_match_when_any_one_matches(
    candidates: list[Any], expected: bool
) -> None:
    rule = cond({"question": "children.seen", "equals": False})
    assert evaluate(rule, lambda name: candidates) is expected


def test_a_condition_without_question_or_group_never_holds() -> None:
    assert evaluate(Condition(), lambda name: [True]) is False


def test_names_lists_each_question_once_in_order() -> None:
    rule = cond(
        {
            "any": [
                {"question": "b", "equals": True},
                {"all": [{"question": "a", "answered": True}, {"question": "b", "equals": False}]},
                {"not": {"question": "c", "lt": 3}},
            ]
        }
    )
    assert names(rule) == ["b", "a", "c"]


def test_walk_yields_every_comparison() -> None:
    rule = cond({"all": [{"question": "a", "equals": True}, {"not": {"question": "b", "ge": 1}}]})
    assert [(c.question, c.equals, c.ge) for c in walk(rule)] == [("a", True, None), ("b", None, 1)]


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (None, "always"),
        ({"question": "seen", "equals": False}, "seen is no"),
        ({"question": "seen", "not_equals": True}, "seen is not yes"),
        ({"question": "reason", "equals": "ex_partner"}, "reason is ex_partner"),
        ({"question": "rel", "one_of": ["partner", "ex_partner"]},
         "rel is one of partner, ex_partner"),
        ({"question": "concerns", "includes": "no_food"}, "concerns includes no_food"),
        ({"question": "notes", "answered": True}, "notes is answered"),
        ({"question": "dob", "answered": False}, "dob is not answered"),
        ({"question": "age", "lt": 18}, "age is under 18"),
        ({"question": "age", "le": 17}, "age is at most 17"),
        ({"question": "age", "gt": 1}, "age is over 1"),
        ({"question": "age", "ge": 18}, "age is at least 18"),
        ({"question": "age", "ge": 2.5}, "age is at least 2.5"),
        ({"not": {"question": "seen", "equals": True}}, "not (seen is yes)"),
        ({"all": [{"question": "a", "equals": True},
                  {"any": [{"question": "b", "equals": True}, {"question": "c", "equals": True}]}]},
         "a is yes and (b is yes or c is yes)"),
    ],
)  # fmt: skip
def test_describe_says_a_condition_in_words(raw: dict[str, Any] | None, words: str) -> None:
    assert describe(None if raw is None else cond(raw)) == words
