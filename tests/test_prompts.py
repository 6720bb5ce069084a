"""The questionary adapter, fed keys through prompt_toolkit's pipe input."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from safe_check.asker import TOGGLE_GUIDANCE, Ask
from safe_check.checklist import (
    Choice,
    Date,
    Done,
    LongText,
    MultiChoice,
    Number,
    Section,
    SingleChoice,
    YesNo,
    YesNoUnknown,
)
from safe_check.engine import Slot
from safe_check.errors import Interrupted
from safe_check.prompts import QuestionaryAsker

CHOICES = [
    Choice(value="a", label="Alpha"),
    Choice(value="b", label="Bravo"),
    Choice(value="c", label="Charlie"),
]


@pytest.fixture
def keys() -> Iterator:
    with create_pipe_input() as pipe:

        def ask(question, text: str, default=None):
            pipe.send_text(text)
            asker = QuestionaryAsker(input=pipe, output=DummyOutput())
            slot = Slot(Section(id="s", title="S", questions=[question]), question)
            return asker.question(Ask(slot, default))

        yield ask


@pytest.mark.parametrize(
    ("question", "typed", "expected"),
    [
        (YesNo(id="q", prompt="Seen?"), "y", True),
        (YesNo(id="q", prompt="Seen?"), "n", False),
        (YesNoUnknown(id="q", prompt="Known?"), "k", "not_known"),
        (SingleChoice(id="q", prompt="Which?", choices=CHOICES), "3", "c"),
        (SingleChoice(id="q", prompt="Which?", choices=CHOICES), "\x1b[B\r", "b"),
        (MultiChoice(id="q", prompt="Which?", choices=CHOICES), " \x1b[B\x1b[B \r", ["a", "c"]),
        (MultiChoice(id="q", prompt="Which?", choices=CHOICES), "\r", []),
        (Number(id="q", prompt="How many?", min=0), "12\r", 12),
        (Date(id="q", prompt="Born?"), "02/03/2015\r", "2015-03-02"),
        (Done(id="q", prompt="Alone?"), "d", {"done": True}),
        (
            Done(id="q", prompt="Alone?"),
            "nMother stayed\r",
            {"done": False, "reason": "Mother stayed"},
        ),
        (
            LongText(id="q", prompt="Words?", voice="quote"),
            "line one\rline two\x1b\r",
            "line one\nline two",
        ),
    ],
)
def test_one_answer(keys, question, typed: str, expected) -> None:
    assert keys(question, typed) == expected


def test_optional_choice_can_be_skipped(keys) -> None:
    question = YesNo(id="q", prompt="Seen?", required=False)
    assert keys(question, "s") is None


def test_bad_number_is_refused_until_corrected(keys) -> None:
    question = Number(id="q", prompt="Age?", min=0, max=17)
    assert keys(question, "40\r\x7f\x7f7\r") == 7


def test_not_done_needs_a_reason(keys) -> None:
    question = Done(id="q", prompt="Alone?")
    assert keys(question, "n\r   \rBecause\r") == {"done": False, "reason": "Because"}


def test_ctrl_g_toggles_guidance(keys) -> None:
    assert keys(YesNo(id="q", prompt="Seen?"), "\x07") is TOGGLE_GUIDANCE


def test_ctrl_c_is_interrupted(keys) -> None:
    with pytest.raises(Interrupted):
        keys(YesNo(id="q", prompt="Seen?"), "\x03")


def test_change_at_review_starts_from_current_answer(keys) -> None:
    question = SingleChoice(id="q", prompt="Which?", choices=CHOICES)
    assert keys(question, "\r", default="b") == "b"


def test_a_bare_enter_is_not_an_answer(keys) -> None:
    assert keys(YesNo(id="q", prompt="Seen?"), "\r\rn") is False


def test_a_long_list_is_searched_by_typing() -> None:
    options = [(f"v{n}", f"Answer number {n}") for n in range(40)]
    with create_pipe_input() as pipe:
        pipe.send_text("number 33\r")
        asker = QuestionaryAsker(input=pipe, output=DummyOutput())
        assert asker.choose("change", "Which answer?", options) == "v33"


def test_typed_text_survives_ctrl_g() -> None:
    question = LongText(id="q", prompt="Words?", voice="quote")
    slot = Slot(Section(id="s", title="S", questions=[question]), question)
    with create_pipe_input() as pipe:
        asker = QuestionaryAsker(input=pipe, output=DummyOutput())
        pipe.send_text("I was sca\x07")
        assert asker.question(Ask(slot)) is TOGGLE_GUIDANCE
        pipe.send_text("red\x1b\r")
        assert asker.question(Ask(slot)) == "I was scared"
