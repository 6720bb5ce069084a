"""The interactive run, driven by a ScriptedAsker: asking, saving, review, interrupt, resume."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from safe_check.app import App
from safe_check.asker import ScriptedAsker
from safe_check.catalog import find
from safe_check.errors import UsageError
from safe_check.interactive import Runner, resume
from safe_check.lint import Loaded
from safe_check.record import Record

INCIDENT = datetime(2026, 11, 21, 22, 10, tzinfo=UTC)
NOT_ALONE = {"done": False, "reason": "An adult stayed in the room (fictional)"}

VISIT: dict[str, Any] = {
    "reason": "welfare",
    "arrived_at": "2026-11-21T22:05:00Z",
    "concerns": ["no_food"],
    "home_notes": "Fridge empty (fictional).",
}
CHILD_A: dict[str, Any] = {
    "children[0].name_or_ref": "Child A (fictional)",
    "children[0].dob": "02/03/2015",
    "children[0].seen": True,
    "children[0].spoken_alone": True,
    "children[0].child_words": "I was hungry (fictional).",
    "children[0].at_school": "yes",
}
CHILD_B: dict[str, Any] = {
    "children[1].name_or_ref": "Child B (fictional)",
    "children[1].dob": None,  # skipped: not known
    "children[1].estimated_age": 12,
    "children[1].seen": True,
    "children[1].spoken_alone": NOT_ALONE,
    "children[1].at_school": "not_known",
}
SHARING: dict[str, Any] = {"referral_made": False, "previous_visits": 3}


@pytest.fixture
def app(home: Path) -> App:
    app = App(home)
    app.setup("T1", "PC Test", "Test Force")
    return app


@pytest.fixture
def practice() -> Loaded:
    return find("practice-run")


@pytest.fixture
def record_id(app: App, practice: Loaded) -> str:
    return app.start(practice, "TEST-0001", INCIDENT).id


def run(
    app: App, practice: Loaded, record_id: str, script: dict[str, Any]
) -> tuple[Any, list[str]]:
    asker = ScriptedAsker(script)
    return Runner(app, practice, record_id, asker).run(), asker.asked


def answers_of(record: Record, question: str) -> Any:
    return next(a for a in record.answers if a.question == question)


def test_a_full_run_with_two_children_finalises(app: App, practice: Loaded, record_id: str) -> None:
    script = {
        **VISIT, **CHILD_A, **CHILD_B, **SHARING,
        "children#more": ("yes", "no"), "review": "final", "confirm": "yes",
    }  # fmt: skip
    record, _ = run(app, practice, record_id, script)
    assert record is not None and record.status == "final"
    labels = [e.label for e in answers_of(record, "children").entries]
    assert labels == ["Child 1 (Child A (fictional))", "Child 2 (Child B (fictional))"]
    assert app.record(record_id).status == "final"


def test_questions_are_asked_in_order_with_add_another_between_entries(
    app: App, practice: Loaded, record_id: str
) -> None:
    script = {
        **VISIT, **CHILD_A, **CHILD_B, **SHARING,
        "children#more": ("yes", "no"), "review": "final", "confirm": "yes",
    }  # fmt: skip
    _, asked = run(app, practice, record_id, script)
    assert asked == [
        *VISIT, *CHILD_A, "children#more", *CHILD_B, "children#more", *SHARING,
        "review", "confirm",
    ]  # fmt: skip


def test_a_change_at_review_keeps_the_earlier_answer_as_history(
    app: App, practice: Loaded, record_id: str
) -> None:
    script = {
        **VISIT, **CHILD_A, **CHILD_B, **SHARING,
        "referral_made": (False, True),
        "children#more": ("yes", "no"),
        "review": ("change", "final"), "change": "referral_made", "confirm": "yes",
    }  # fmt: skip
    record, _ = run(app, practice, record_id, script)
    referral = answers_of(record, "referral_made")
    assert referral.value is True
    assert [c.value for c in referral.history] == [False]


def test_a_change_that_makes_a_question_apply_asks_it(
    app: App, practice: Loaded, record_id: str
) -> None:
    script = {
        **VISIT, **CHILD_A, **SHARING,
        "concerns": ([], ["unsafe"]),
        "home_notes": "Broken glass on the floor (fictional).",
        "children#more": "no",
        "review": ("change", "final"), "change": "concerns", "confirm": "yes",
    }  # fmt: skip
    record, asked = run(app, practice, record_id, script)
    assert asked[asked.index("change") + 1 :][:2] == ["concerns", "home_notes"]
    assert answers_of(record, "home_notes").value == "Broken glass on the floor (fictional)."


def test_confirm_no_goes_back_to_the_review(app: App, practice: Loaded, record_id: str) -> None:
    script = {
        **VISIT, **CHILD_A, **SHARING, "children#more": "no",
        "review": ("final", "final"), "confirm": ("no", "yes"),
    }  # fmt: skip
    record, asked = run(app, practice, record_id, script)
    assert asked[-4:] == ["review", "confirm", "review", "confirm"]
    assert record is not None


def test_save_at_review_leaves_a_draft(app: App, practice: Loaded, record_id: str) -> None:
    script = {**VISIT, **CHILD_A, **SHARING, "children#more": "no", "review": "saved"}
    record, _ = run(app, practice, record_id, script)
    assert record is None
    assert app.record(record_id).status == "draft"


# -- immediate actions ----------------------------------------------------------------------
def test_immediate_action_is_shown_when_a_child_is_not_spoken_to_alone(
    app: App, practice: Loaded, record_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    script = {**VISIT, **CHILD_A, "children[0].spoken_alone": NOT_ALONE}
    run(app, practice, record_id, script)  # runs out after the answer: saved as a draft
    out = " ".join(capsys.readouterr().out.replace("│", " ").split())
    assert "Immediate action" in out
    assert (
        "Record in the referral why Child 1 (Child A (fictional)) was not spoken to alone, "
        "and ask social care to see them alone." in out
    )


def test_no_immediate_action_when_every_child_is_spoken_to_alone(
    app: App, practice: Loaded, record_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(app, practice, record_id, {**VISIT, **CHILD_A})
    assert "Immediate action" not in capsys.readouterr().out


def test_an_immediate_action_is_shown_once(
    app: App, practice: Loaded, record_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    script = {**VISIT, **CHILD_A, **SHARING, "children[0].spoken_alone": NOT_ALONE,
              "children#more": "no"}  # fmt: skip
    run(app, practice, record_id, script)
    assert capsys.readouterr().out.count("Immediate action") == 1


# -- interrupting, resuming, discarding ------------------------------------------------------------
def test_running_out_of_answers_offers_save_continue_or_discard(
    app: App, practice: Loaded, record_id: str
) -> None:
    record, asked = run(app, practice, record_id, {"reason": "welfare", "interrupt": "saved"})
    assert (record, asked) == (None, ["reason", "arrived_at", "interrupt"])
    assert app.store.draft(record_id).answers == {"reason": "welfare"}


def test_resume_continues_at_the_first_unanswered_question(
    app: App, practice: Loaded, record_id: str
) -> None:
    first = {**VISIT, "children[0].name_or_ref": "Child A (fictional)", "children[0].dob": None}
    run(app, practice, record_id, {**first, "interrupt": "saved"})
    rest = {
        "children[0].estimated_age": 9, "children[0].seen": False, "children[0].at_school": "yes",
        **SHARING, "children#more": "no", "review": "final", "confirm": "yes",
    }  # fmt: skip
    asker = ScriptedAsker(rest)
    record = resume(app, record_id[:8], asker)
    assert asker.asked[0] == "children[0].estimated_age"
    assert record is not None and record.status == "final"


def test_resume_keeps_what_was_saved_before_the_interruption(
    app: App, practice: Loaded, record_id: str
) -> None:
    run(app, practice, record_id, {**VISIT, "interrupt": "saved"})
    asker = ScriptedAsker({**CHILD_A, **SHARING, "children#more": "no", "review": "final",
                           "confirm": "yes"})  # fmt: skip
    record = resume(app, record_id, asker)
    assert record is not None
    assert answers_of(record, "home_notes").value == "Fridge empty (fictional)."


def test_continue_after_an_interrupt_asks_the_same_question_again(
    app: App, practice: Loaded, record_id: str
) -> None:
    script = {"reason": "welfare", "interrupt": ("continue", "saved")}
    _, asked = run(app, practice, record_id, script)
    assert asked == ["reason", "arrived_at", "interrupt", "arrived_at", "interrupt"]


def test_a_final_record_cannot_be_resumed(app: App, practice: Loaded, record_id: str) -> None:
    script = {**VISIT, **CHILD_A, **SHARING, "children#more": "no", "review": "final",
              "confirm": "yes"}  # fmt: skip
    run(app, practice, record_id, script)
    with pytest.raises(UsageError, match="final"):
        resume(app, record_id, ScriptedAsker({}))


def test_discard_asks_twice_then_deletes_the_draft(
    app: App, practice: Loaded, record_id: str
) -> None:
    script = {"reason": "welfare", "interrupt": "discard", "discard": "yes"}
    record, asked = run(app, practice, record_id, script)
    assert record is None
    assert asked[-2:] == ["interrupt", "discard"]
    assert app.store.ids() == []


def test_discard_answered_no_keeps_the_draft(app: App, practice: Loaded, record_id: str) -> None:
    script = {"reason": "welfare", "interrupt": ("discard", "saved"), "discard": "no"}
    _, asked = run(app, practice, record_id, script)
    assert asked[-4:] == ["interrupt", "discard", "arrived_at", "interrupt"]
    assert app.store.draft(record_id).answers == {"reason": "welfare"}


# -- rosters ---------------------------------------------------------------------------------------
def test_add_another_from_the_review_adds_an_entry(
    app: App, practice: Loaded, record_id: str
) -> None:
    script = {
        **VISIT, **CHILD_A, **CHILD_B, **SHARING,
        "children#more": ("no", "no"),
        "review": ("add:children", "final"), "confirm": "yes",
    }  # fmt: skip
    record, asked = run(app, practice, record_id, script)
    after_review = asked[asked.index("review") :]
    assert after_review[:2] == ["review", "children[1].name_or_ref"]  # no second "add another?"
    assert len(answers_of(record, "children").entries) == 2


def test_the_first_entry_is_asked_without_add_another_when_the_roster_needs_one(
    app: App, practice: Loaded, record_id: str
) -> None:
    _, asked = run(app, practice, record_id, {**VISIT, "interrupt": "saved"})
    assert asked[len(VISIT)] == "children[0].name_or_ref"
