"""The checklist linter: every problem at once, each with file, line and place."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from safe_check.catalog import shipped_files
from safe_check.lint import Problem, check_file, check_text

Build = Callable[[str], str]

SECTION = """
[[sections]]
id = "main"
title = "Main"
"""

YES_NO_A = """
[[sections.questions]]
kind = "yes_no"
id = "a"
prompt = "Question A?"
"""

CHOICE_C = """
[[sections.questions]]
kind = "choice"
id = "c"
prompt = "Question C?"
choices = [{ value = "x", label = "X" }, { value = "y", label = "Y" }]
"""

ROSTER = """
[[sections.questions]]
kind = "roster"
id = "kids"
prompt = "Every child"
label = "Child"
name_from = "name"
derived = [
  { kind = "age", id = "age", from = "dob" },
  { kind = "under_18", id = "is_child", from = "age" },
]

[[sections.questions.questions]]
kind = "text"
id = "name"
prompt = "Reference"

[[sections.questions.questions]]
kind = "date"
id = "dob"
prompt = "Date of birth"

[[sections.questions.questions]]
kind = "yes_no"
id = "seen"
prompt = "Seen?"
"""


def line_of(text: str, marker: str, nth: int = 1) -> int:
    """The 1-based line of the nth line containing marker."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if marker in line]
    return hits[nth - 1]


def lint(text: str) -> list[Problem]:
    return check_text(text, "test.toml")[1]


def question(qid: str, extra: str = "", kind: str = "yes_no") -> str:
    return f"""
[[sections.questions]]
kind = "{kind}"
id = "{qid}"
prompt = "Question {qid}?"
{extra}
"""


# -- the shipped checklists ---------------------------------------------------------------------
@pytest.mark.parametrize("path", shipped_files(), ids=lambda p: p.stem)
def test_shipped_checklists_lint_clean(path: Path) -> None:
    loaded, problems = check_file(path)
    assert problems == []
    assert loaded is not None and loaded.checklist.id == path.stem


def test_a_clean_file_has_no_problems(checklist_text: Build) -> None:
    cl, problems = check_text(checklist_text(SECTION + YES_NO_A + CHOICE_C), "test.toml")
    assert problems == []
    assert cl is not None and [q.id for _, q in cl.items()] == ["a", "c"]


def test_a_missing_file_is_one_problem(tmp_path: Path) -> None:
    loaded, problems = check_file(tmp_path / "absent.toml")
    assert loaded is None
    assert [p.message for p in problems] == ["cannot read: No such file or directory"]


def test_a_problem_reads_as_file_line_place_message() -> None:
    assert str(Problem("x.toml", 7, "'a'", "unknown key `b`")) == "x.toml:7: 'a': unknown key `b`"


# -- syntax, keys and types -------------------------------------------------------------------
def test_toml_syntax_error_has_its_line(checklist_text: Build) -> None:
    text = checklist_text(SECTION + YES_NO_A + "required = yes\n")
    problems = lint(text)
    assert len(problems) == 1
    assert problems[0].line == line_of(text, "required = yes")
    assert problems[0].message.startswith("TOML syntax error: ")


def test_unknown_key_in_a_question_has_its_line(checklist_text: Build) -> None:
    text = checklist_text(SECTION + YES_NO_A + question("b", 'guidence = "typo"'))
    [problem] = lint(text)
    assert (problem.line, problem.where) == (line_of(text, "guidence"), "'b'")
    assert problem.message == "unknown key `guidence`"


def test_unknown_key_inside_a_roster_question_has_its_line(checklist_text: Build) -> None:
    text = checklist_text(SECTION + ROSTER + 'colour = "blue"\n')
    [problem] = lint(text)
    assert (problem.line, problem.where) == (line_of(text, "colour"), "'seen'")


def test_unknown_top_level_key_before_id_has_its_own_line(checklist_text: Build) -> None:
    text = 'titel = "Typo"\n' + checklist_text(SECTION + YES_NO_A)
    [problem] = lint(text)
    assert problem.line == 1


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ('required = "yes"', "Expected `bool`, got `str` (in `required`)"),
        ('sources = "VKPP-2021"', "Expected `array`, got `str` (in `sources`)"),
        ('voice = "shout"', "Invalid enum value 'shout' (in `voice`)"),
    ],
)
def test_wrong_type_is_reported_with_key_and_line(
    checklist_text: Build, extra: str, expected: str
) -> None:
    text = checklist_text(SECTION + YES_NO_A + question("b", extra))
    messages = [(p.line, p.where, p.message) for p in lint(text)]
    assert (line_of(text, extra), "'b'", expected) in messages


def test_wrong_type_in_the_only_question_is_the_only_problem(checklist_text: Build) -> None:
    text = checklist_text(SECTION + question("b", 'required = "yes"'))
    assert [p.message for p in lint(text)] == ["Expected `bool`, got `str` (in `required`)"]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('kind = "yes_no"\nprompt = "No id?"', "missing required key `id` (in `questions`)"),
        ('id = "b"\nprompt = "No kind?"', "missing required key `kind` (in `questions`)"),
        ('kind = "colour"\nid = "b"\nprompt = "Odd kind?"', "Invalid value 'colour' (in `kind`)"),
    ],
)
def test_malformed_question_is_reported(checklist_text: Build, table: str, message: str) -> None:
    body = SECTION + YES_NO_A + f"\n[[sections.questions]]\n{table}\n"
    assert message in [p.message for p in lint(checklist_text(body))]


# -- ids -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "marker", "message"),
    [
        (SECTION + YES_NO_A + question("a"), 'id = "a"',
         "duplicate id 'a' (ids must be unique in the checklist)"),
        (SECTION + YES_NO_A + ROSTER.replace('id = "seen"', 'id = "a"'), 'id = "a"',
         "duplicate id 'a' (ids must be unique in the checklist)"),
        (SECTION + YES_NO_A + SECTION + question("b"), 'id = "main"',
         "duplicate section id 'main'"),
        (SECTION + YES_NO_A
         + '\n[[actions]]\nid = "act"\nwhen = { question = "a", equals = true }\n'
           'text = "Do one thing."\npriority = "routine"\n'
         + '\n[[actions]]\nid = "act"\nwhen = { question = "a", equals = false }\n'
           'text = "Do another thing."\npriority = "routine"\n',
         'id = "act"', "duplicate action id 'act'"),
        (SECTION + YES_NO_A
         + '\n[[statements]]\nid = "st"\ntext = "One."\n'
         + '\n[[statements]]\nid = "st"\ntext = "Two."\n',
         'id = "st"', "duplicate statement id 'st'"),
    ],
    ids=["question", "roster-question", "section", "action", "statement"],
)  # fmt: skip
def test_duplicate_ids_point_at_the_second_one(
    checklist_text: Build, body: str, marker: str, message: str
) -> None:
    text = checklist_text(body)
    assert (line_of(text, marker, 2), message) in [(p.line, p.message) for p in lint(text)]


def test_duplicate_choice_value(checklist_text: Build) -> None:
    choices = 'choices = [{ value = "x", label = "X" }, { value = "x", label = "X again" }]'
    text = checklist_text(SECTION + question("c", choices, kind="choice"))
    [problem] = lint(text)
    assert (problem.line, problem.message) == (
        line_of(text, "choices"),
        "duplicate choice value 'x'",
    )


# -- references ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "where", "message"),
    [
        (SECTION + YES_NO_A + question("b", 'when = { question = "nope", equals = true }'),
         "'b'", "refers to unknown question 'nope'"),
        (SECTION + question("b", 'when = { question = "a", equals = true }') + YES_NO_A,
         "'b'", "refers to 'a', which is asked later"),
        (SECTION + question("b", 'when = { question = "b", equals = true }'),
         "'b'", "refers to 'b', which is asked later"),
        (SECTION + ROSTER + question("b", 'when = { question = "kids.colour", equals = true }'),
         "'b'", "refers to unknown question 'kids.colour'"),
        (SECTION + ROSTER + question("b", 'when = { question = "seen", equals = true }'),
         "'b'", "refers to unknown question 'seen'"),
        (SECTION + YES_NO_A
         + '\n[[actions]]\nid = "act"\nroster = "kidz"\nwhen = { question = "a", equals = true }\n'
           'text = "Do it."\npriority = "routine"\n',
         "'act'", "unknown roster 'kidz'"),
        (SECTION + YES_NO_A
         + '\n[[actions]]\nid = "act"\nwhen = { question = "a", equals = true }\n'
           'because = ["b"]\ntext = "Do it."\npriority = "routine"\n',
         "'act'", "refers to unknown question 'b'"),
        (SECTION + YES_NO_A + '\n[[statements]]\nid = "st"\ntext = "One."\n'
           'when = { question = "zz", equals = true }\n',
         "'st'", "refers to unknown question 'zz'"),
        (SECTION + ROSTER.replace('from = "dob"', 'from = "birthday"'),
         "'age'", "refers to unknown question 'birthday'"),
        (SECTION + ROSTER.replace('from = "dob"', 'from = "seen"'),
         "'age'", "'seen' must be a date question"),
    ],
    ids=["unknown", "later", "itself", "dotted-unknown", "roster-question-outside",
         "action-roster", "because", "statement", "derived-unknown", "derived-kind"],
)  # fmt: skip
def test_bad_references_are_reported(
    checklist_text: Build, body: str, where: str, message: str
) -> None:
    assert (where, message) in [(p.where, p.message) for p in lint(checklist_text(body))]


def test_a_reference_problem_has_the_line_of_the_condition(checklist_text: Build) -> None:
    text = checklist_text(
        SECTION + YES_NO_A + question("b", 'when = { question = "zz", equals = true }')
    )
    [problem] = lint(text)
    assert problem.line == line_of(text, '"zz"')


def test_a_derived_value_problem_has_a_line(checklist_text: Build) -> None:
    text = checklist_text(SECTION + ROSTER.replace('from = "dob"', 'from = "birthday"'))
    [problem] = lint(text)
    assert problem.line == line_of(text, '"birthday"')


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (SECTION + ROSTER.replace('label = "Child"', 'label = "Child"\nmin = 3\nmax = 2'),
         "min (3) is more than max (2)"),
        (SECTION + ROSTER.replace('name_from = "name"', 'name_from = "nickname"'),
         "name_from 'nickname' is not a question of this roster"),
    ],
)  # fmt: skip
def test_roster_settings_are_checked(checklist_text: Build, body: str, message: str) -> None:
    assert message in [p.message for p in lint(checklist_text(body))]


# -- values compared -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("target", "when", "message"),
    [
        (CHOICE_C, '{ question = "c", equals = "z" }', "'c' has no value 'z' (choices: x, y)"),
        (CHOICE_C, '{ question = "c", one_of = ["x", "q"] }',
         "'c' has no value 'q' (choices: x, y)"),
        (YES_NO_A, '{ question = "a", equals = "yes" }',
         "'a' has no value 'yes' (use true or false)"),
        (question("a", kind="yes_no_unknown"), '{ question = "a", equals = "maybe" }',
         "'a' has no value 'maybe' (use yes, no or not_known)"),
        (CHOICE_C, '{ question = "c", includes = "x" }', "'includes' cannot be used on 'c'"),
        (YES_NO_A, '{ question = "a", gt = 1 }', "'gt' cannot be used on 'a'"),
        (question("t", kind="text"), '{ question = "t", lt = 3 }', "'lt' cannot be used on 't'"),
        (YES_NO_A, '{ question = "a", equals = true, answered = true }',
         "condition on 'a' needs exactly one comparison"),
        (YES_NO_A, '{ equals = true }',
         "a condition needs `question` with one comparison, or one of all / any / not"),
    ],
)  # fmt: skip
def test_bad_condition_values_are_reported(
    checklist_text: Build, target: str, when: str, message: str
) -> None:
    text = checklist_text(SECTION + target + question("b", f"when = {when}"))
    problems = [(p.where, p.message) for p in lint(text)]
    assert ("'b'", message) in problems


# -- reachability ----------------------------------------------------------------------------------
CONTRADICTION = '{ all = [{ question = "a", equals = true }, { question = "a", equals = false }] }'
NEVER = "can never apply: no combination of earlier answers satisfies its condition"


@pytest.mark.parametrize(
    ("earlier", "when"),
    [
        (YES_NO_A, CONTRADICTION),
        (question("n", kind="number"),
         '{ all = [{ question = "n", lt = 5 }, { question = "n", gt = 10 }] }'),
        (CHOICE_C,
         '{ all = [{ question = "c", equals = "x" }, { question = "c", equals = "y" }] }'),
        (YES_NO_A,
         '{ all = [{ question = "a", answered = false }, { question = "a", equals = true }] }'),
    ],
    ids=["yes-and-no", "below-and-above", "two-choices", "unanswered-and-yes"],
)  # fmt: skip
def test_a_question_that_can_never_apply_is_reported(
    checklist_text: Build, earlier: str, when: str
) -> None:
    text = checklist_text(SECTION + earlier + question("b", f"when = {when}"))
    [problem] = lint(text)
    assert (problem.where, problem.message, problem.line) == ("'b'", NEVER, line_of(text, "all = "))


def test_a_question_after_one_that_never_applies_is_reported_once(checklist_text: Build) -> None:
    never = CONTRADICTION
    text = checklist_text(
        SECTION + YES_NO_A + question("b", f"when = {never}")
        + question("d", 'when = { question = "b", equals = true }')
    )  # fmt: skip
    assert [(p.where, p.message) for p in lint(text)] == [("'b'", NEVER), ("'d'", NEVER)]


def test_a_possible_condition_is_not_reported(checklist_text: Build) -> None:
    when = '{ any = [{ question = "a", equals = true }, { question = "a", equals = false }] }'
    assert lint(checklist_text(SECTION + YES_NO_A + question("b", f"when = {when}"))) == []


def test_an_action_that_can_never_fire_is_reported(checklist_text: Build) -> None:
    text = checklist_text(
        SECTION + YES_NO_A + '\n[[actions]]\nid = "act"\ntext = "Do it."\npriority = "routine"\n'
        'when = { all = [{ question = "a", equals = true }, { question = "a", equals = false }] }\n'
    )
    [problem] = lint(text)
    assert (problem.where, problem.message) == (
        "'act'",
        "can never fire: no combination of answers satisfies its condition",
    )


# -- all at once ---------------------------------------------------------------------------------
def test_several_problems_are_reported_at_once(checklist_text: Build) -> None:
    text = checklist_text(
        SECTION
        + YES_NO_A
        + question("b", 'guidence = "typo"')
        + question("c", 'when = { question = "nope", equals = true }')
        + question("a")
        + question("e", 'when = { question = "e", equals = true }')
    )  # fmt: skip
    found = {(p.line, p.message) for p in lint(text)}
    assert found >= {
        (line_of(text, "guidence"), "unknown key `guidence`"),
        (line_of(text, '"nope"'), "refers to unknown question 'nope'"),
        (line_of(text, 'id = "a"', 2), "duplicate id 'a' (ids must be unique in the checklist)"),
        (line_of(text, 'question = "e"'), "refers to 'e', which is asked later"),
    }
