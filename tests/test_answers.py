"""Answer values: coercing what an officer or a file gives, and checking whole answers files."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from safe_check.answers import check_answers, coerce, parse_date, read_file, record_meta
from safe_check.checklist import (
    Checklist,
    Choice,
    Date,
    DateTime,
    Done,
    LongText,
    MultiChoice,
    Number,
    ShortText,
    SingleChoice,
    YesNo,
    YesNoUnknown,
)
from safe_check.errors import AnswersError

INCIDENT = datetime(2026, 11, 21, 22, 10, tzinfo=UTC)
# Times are kept in the officer's local zone: 21:05:30 UTC, seen from wherever the tests run.
LOCAL_2105 = datetime.fromisoformat("2026-11-21T21:05:30+00:00").astimezone().isoformat()
CHOICES = [Choice(value="welfare", label="Welfare"), Choice(value="incident", label="Incident")]

YES_NO = YesNo(id="q", prompt="Q?")
TRI = YesNoUnknown(id="q", prompt="Q?")
CHOICE = SingleChoice(id="q", prompt="Q?", choices=CHOICES)
MULTI = MultiChoice(id="q", prompt="Q?", choices=CHOICES)
TEXT = ShortText(id="q", prompt="Q?", max_length=10)
LONG = LongText(id="q", prompt="Q?")
NUMBER = Number(id="q", prompt="Q?", min=0, max=17)
DATE = Date(id="q", prompt="Q?")
DATETIME = DateTime(id="q", prompt="Q?")
DONE = Done(id="q", prompt="Q?")


@pytest.mark.parametrize(
    ("q", "raw", "value"),
    [
        (YES_NO, True, True),
        (YES_NO, False, False),
        (YES_NO, "Yes", True),
        (YES_NO, " no ", False),
        (TRI, "yes", "yes"),
        (TRI, "not known", "not_known"),
        (TRI, "NOT_KNOWN", "not_known"),
        (TRI, True, "yes"),
        (TRI, False, "no"),
        (CHOICE, "incident", "incident"),
        (MULTI, ["incident", "welfare"], ["incident", "welfare"]),
        (MULTI, ["welfare", "welfare"], ["welfare"]),
        (MULTI, "welfare", ["welfare"]),
        (MULTI, [], []),
        (TEXT, "  Child A  ", "Child A"),
        (LONG, "Line one\nLine two", "Line one\nLine two"),
        (NUMBER, 12, 12),
        (NUMBER, " 17 ", 17),
        (NUMBER, 0, 0),
        (DATE, date(2015, 3, 2), "2015-03-02"),
        (DATE, "2015-03-02", "2015-03-02"),
        (DATE, "02/03/2015", "2015-03-02"),
        (DATE, " 31/12/2014 ", "2014-12-31"),
        (DATETIME, datetime(2026, 11, 21, 22, 5, tzinfo=UTC), "2026-11-21T22:05:00+00:00"),
        (DATETIME, "2026-11-21T22:05:00Z", "2026-11-21T22:05:00+00:00"),
        (DATETIME, "2026-11-21T22:05:30.9+01:00", LOCAL_2105),
        (DONE, True, {"done": True}),
        (DONE, "done", {"done": True}),
        (DONE, {"done": True}, {"done": True}),
        (DONE, {"done": False, "reason": "  Adult in the room  "},
         {"done": False, "reason": "Adult in the room"}),
    ],
)  # fmt: skip
def test_coerce_gives_the_stored_value(q: Any, raw: Any, value: Any) -> None:
    assert coerce(q, raw) == value


def test_a_local_datetime_gets_the_local_offset() -> None:
    stored = coerce(DATETIME, "21/11/2026 22:10")
    assert datetime.fromisoformat(stored).utcoffset() is not None
    assert stored.startswith("2026-11-21T22:10:00")


@pytest.mark.parametrize(
    ("q", "raw", "message"),
    [
        (YES_NO, "maybe", "expected yes or no"),
        (YES_NO, 1, "expected yes or no"),
        (TRI, "perhaps", "expected yes, no or not_known"),
        (CHOICE, "other", "'other' is not one of the choices (welfare, incident)"),
        (MULTI, ["welfare", "other"], "'other' is not one of the choices"),
        (MULTI, 3, "expected a list of choices"),
        (TEXT, "", "is empty"),
        (TEXT, "   ", "is empty"),
        (TEXT, "two\nlines", "expected one line of text"),
        (TEXT, "x" * 11, "at most 10 characters (got 11)"),
        (TEXT, 5, "expected text"),
        (LONG, "", "is empty"),
        (NUMBER, 18, "must be at most 17 (got 18)"),
        (NUMBER, -1, "must be at least 0 (got -1)"),
        (NUMBER, 2.5, "expected a whole number"),
        (NUMBER, True, "expected a whole number"),
        (NUMBER, "twelve", "expected a whole number"),
        (DATE, "31/02/2015", "31/02/2015 is not a real date"),
        (DATE, "2015-13-01", "2015-13-01 is not a real date"),
        (DATE, "yesterday", "expected a date as DD/MM/YYYY or YYYY-MM-DD"),
        (DATE, datetime(2015, 3, 2, 10, 0), "expected a date without a time"),
        (DATE, 20150302, "expected a date as YYYY-MM-DD"),
        (DATETIME, "late", "expected a time such as 22:10"),
        (DATETIME, "2999-01-01T10:00:00Z", "is in the future"),
        (DATETIME, date(2026, 11, 21), "got only a date"),
        (DONE, False, '"not done" needs a reason'),
        (DONE, {"done": False}, '"not done" needs a reason'),
        (DONE, {"done": False, "reason": "  "}, '"not done" needs a reason'),
        (DONE, {"done": "no", "reason": "x"}, '"not done" needs a reason'),
        (DONE, {"done": False, "reason": "x", "extra": 1}, '"not done" needs a reason'),
    ],
)
def test_coerce_rejects_bad_values_saying_why(q: Any, raw: Any, message: str) -> None:
    with pytest.raises(ValueError) as err:
        coerce(q, raw)
    assert message in str(err.value)


@pytest.mark.parametrize("text", ["2015-03-02", "02/03/2015", "2/3/2015"])
def test_parse_date_reads_iso_and_uk_dates(text: str) -> None:
    assert parse_date(text) == "2015-03-02"


# -- whole answers files ---------------------------------------------------------------------------
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
kind = "long_text"
id = "notes"
prompt = "Anything else?"
required = false

[[sections.questions]]
kind = "datetime"
id = "arrived_at"
prompt = "When did officers arrive?"

[[sections.questions]]
kind = "roster"
id = "children"
prompt = "Every child present"
label = "Child"
name_from = "name"
min = 1
max = 2
when = { question = "children_present", equals = true }
derived = [{ kind = "age", id = "age", from = "dob" }]

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
kind = "yes_no"
id = "seen"
prompt = "Seen?"

[[sections.questions.questions]]
kind = "done"
id = "spoken_alone"
prompt = "Spoken to alone?"
when = { question = "seen", equals = true }

[[sections.questions]]
kind = "roster"
id = "adults"
prompt = "Adults present"
label = "Adult"
min = 0

[[sections.questions.questions]]
kind = "text"
id = "role"
prompt = "Role"
"""

GOOD: dict[str, Any] = {
    "children_present": True,
    "arrived_at": "2026-11-21T22:05:00Z",
    "children": [
        {"name": "Child A (fictional)", "dob": "02/03/2015", "seen": True, "spoken_alone": True},
        {
            "name": "Child B (fictional)",
            "seen": True,
            "spoken_alone": {"done": False, "reason": "Adult in the room (fictional)"},
        },
    ],
}


@pytest.fixture
def cl(make_checklist: Callable[[str], Checklist]) -> Checklist:
    return make_checklist(BODY)


def problems_for(cl: Checklist, data: dict[str, Any]) -> list[str]:
    return check_answers(cl, data, INCIDENT)[1]


def test_a_good_file_has_no_problems_and_stored_values(cl: Checklist) -> None:
    answers, problems = check_answers(cl, GOOD, INCIDENT)
    assert problems == []
    assert answers["arrived_at"] == "2026-11-21T22:05:00+00:00"
    assert answers["children"][0] == {
        "name": "Child A (fictional)",
        "dob": "2015-03-02",
        "seen": True,
        "spoken_alone": {"done": True},
    }


def test_a_missing_optional_roster_is_fine(cl: Checklist) -> None:
    assert "adults" not in GOOD
    assert problems_for(cl, GOOD) == []


def test_a_missing_optional_question_is_fine_and_left_out(cl: Checklist) -> None:
    answers, problems = check_answers(cl, GOOD, INCIDENT)
    assert problems == []
    assert "notes" not in answers


def test_a_blank_datetime_defaults_to_now(cl: Checklist) -> None:
    data = {k: v for k, v in GOOD.items() if k != "arrived_at"}
    answers, problems = check_answers(cl, data, INCIDENT)
    assert problems == []
    assert datetime.fromisoformat(answers["arrived_at"]).utcoffset() is not None


def test_every_problem_is_reported_at_once_naming_question_and_entry(cl: Checklist) -> None:
    data = {
        "children_present": "perhaps",
        "colour": "blue",
        "children": [
            {"name": "Child A (fictional)", "seen": "maybe", "spoken_alone": True},
            {"name": "Child B (fictional)", "seen": True, "spoken_alone": False, "pet": "cat"},
        ],
    }
    assert problems_for(cl, data) == [
        "'children_present': expected yes or no (true or false), got 'perhaps'",
        "'colour': no such question in test-list",
        "Child 1 (children[0]): 'seen': expected yes or no (true or false), got 'maybe'",
        "Child 2 (children[1]): 'spoken_alone': \"not done\" needs a reason: "
        'use { done = false, reason = "..." }, or true',
        "Child 2 (children[1]): 'pet': no such question in children",
        "'children': answered, but it does not apply (asked only when children_present is yes)",
    ]


def test_required_answers_missing_in_an_entry_name_the_entry(cl: Checklist) -> None:
    data = {**GOOD, "children": [{"name": "Child A (fictional)"}]}
    assert problems_for(cl, data) == [
        "Child 1 (Child A (fictional)) (children[0]): 'seen': required, not answered"
    ]


def test_answers_to_questions_that_do_not_apply_are_reported(cl: Checklist) -> None:
    data = {**GOOD, "where": "In the garden (fictional)"}
    assert problems_for(cl, data) == [
        "'where': answered, but it does not apply (asked only when children_present is no)"
    ]


def test_entry_answers_that_do_not_apply_are_reported(cl: Checklist) -> None:
    child = {"name": "Child A (fictional)", "seen": False, "spoken_alone": True}
    assert problems_for(cl, {**GOOD, "children": [child]}) == [
        "Child 1 (Child A (fictional)) (children[0]): 'spoken_alone': answered, "
        "but it does not apply (asked only when seen is yes)"
    ]


@pytest.mark.parametrize(
    ("count", "problem"),
    [
        (0, "'children': needs at least 1 entries, got 0"),
        (3, "'children': at most 2 entries, got 3"),
    ],
)
def test_roster_size_is_checked(cl: Checklist, count: int, problem: str) -> None:
    child = {"name": "Child (fictional)", "seen": False}
    assert problems_for(cl, {**GOOD, "children": [child] * count}) == [problem]


def test_a_roster_must_be_a_list_of_tables(cl: Checklist) -> None:
    assert "'children': expected a list of entries ([[children]] tables)" in problems_for(
        cl, {**GOOD, "children": {"name": "Child A"}}
    )


def test_a_date_of_birth_after_the_incident_is_reported(cl: Checklist) -> None:
    child = {"name": "Child A (fictional)", "dob": "2027-01-01", "seen": False}
    assert problems_for(cl, {**GOOD, "children": [child]}) == [
        "Child 1 (Child A (fictional)) (children[0]): 'dob': 2027-01-01 is after the incident"
    ]


# -- reading files ---------------------------------------------------------------------------------
def test_read_file_reads_toml(tmp_path: Path) -> None:
    path = tmp_path / "answers.toml"
    path.write_text('children_present = true\n\n[record]\nsubject_ref = "TEST-0001"\n')
    assert read_file(path) == {"children_present": True, "record": {"subject_ref": "TEST-0001"}}


def test_read_file_reads_json_answers_that_check_clean(tmp_path: Path, cl: Checklist) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(GOOD))
    assert problems_for(cl, read_file(path)) == []


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("a.toml", "children_present = \n", "not valid toml"),
        ("a.json", "{not json", "not valid json"),
        ("a.json", "[1, 2]", "expected a table of question ids and answers"),
    ],
)
def test_read_file_reports_unreadable_files(
    tmp_path: Path, name: str, text: str, problem: str
) -> None:

    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(AnswersError) as err:
        read_file(path)
    assert problem in err.value.problems[0]
    assert "nothing was finalised" in str(err.value)


def test_read_file_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AnswersError) as err:
        read_file(tmp_path / "absent.toml")
    assert err.value.problems == ["cannot read: No such file or directory"]


def test_record_meta_reads_reference_and_incident_time() -> None:
    ref, when, problems = record_meta(
        {"record": {"subject_ref": "TEST-0001", "incident_at": "2026-11-21T22:10:00Z"}}
    )
    assert (ref, when, problems) == ("TEST-0001", INCIDENT, [])


def test_record_meta_reports_every_problem() -> None:
    _, _, problems = record_meta(
        {"record": {"subject_ref": 12, "incident_at": "late", "officer": "T1"}}
    )
    assert sorted(problems) == sorted(
        [
            "[record]: unknown key 'officer' (use subject_ref, incident_at)",
            "[record]: subject_ref must be text",
            "[record]: incident_at: expected a time such as 22:10, 21/11/2026 22:10 "
            "or 2026-11-21T22:10, got 'late'",
        ]
    )


EXCLUSIVE = MultiChoice(
    id="q",
    prompt="Q?",
    choices=[
        Choice(value="school", label="School"),
        Choice(value="none_yet", label="None yet", exclusive=True),
    ],
)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (["school", "none_yet"], "'None yet' cannot be ticked with other answers"),
        ([], "tick at least one (tick 'None yet' if that is the answer)"),
    ],
)
def test_an_exclusive_choice_stands_alone(raw: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        coerce(EXCLUSIVE, raw)
    assert coerce(EXCLUSIVE, ["none_yet"]) == ["none_yet"]
