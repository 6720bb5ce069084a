"""End-to-end: the installed safe-check driven in a pseudo-terminal, as an officer meets it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

EXE = str(Path(sys.executable).with_name("safe-check"))
TIMEOUT = 15


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A private data directory with an officer set up."""
    path = tmp_path / "home"
    path.mkdir(mode=0o700)
    subprocess.run(
        [
            EXE,
            "--home",
            str(path),
            "setup",
            "--id",
            "T1",
            "--name",
            "PC Test",
            "--force",
            "Test Force",
        ],
        check=True,
        capture_output=True,
    )
    return path


def spawn(home: Path, *args: str) -> pexpect.spawn:
    env = dict(os.environ, PROMPT_TOOLKIT_NO_CPR="1", NO_COLOR="1", TERM="xterm")
    child = pexpect.spawn(
        EXE,
        ["--home", str(home), *args],
        env=env,
        dimensions=(24, 80),
        timeout=TIMEOUT,
        encoding="utf-8",
    )
    return child


def record_json(home: Path, record_id: str) -> dict:
    out = subprocess.run(
        [EXE, "--home", str(home), "show", record_id, "--json"], capture_output=True, check=True
    )
    return json.loads(out.stdout)


def answer_visit(child: pexpect.spawn) -> None:
    """The first section of the practice checklist: welfare check, arrived now, no concerns."""
    child.expect("Why were officers at the address")
    child.send("1")
    child.expect("When did officers arrive")
    child.send("\r")
    child.expect("What did officers notice")
    child.send("\r")


def answer_child(child: pexpect.spawn, name: str, alone: bool) -> None:
    child.expect("Reference or first name")
    child.send(name + "\r")
    child.expect("Date of birth")
    child.send("\r")
    child.expect("Estimated age")
    child.send("9\r")
    child.expect("Did you see this child")
    child.send("y")
    child.expect("Spoken to alone")
    if alone:
        child.send("d")
        child.expect("own words")
        child.send("I like my school.")
        child.send("\x1b\r")
    else:
        child.send("n")
        child.expect("Why not")
        child.send("Carer stayed in the room\r")
        child.expect("Immediate action")
    child.expect("registered at a school")
    child.send("y")


def finish_sharing(child: pexpect.spawn) -> None:
    child.expect("referral to children's social care")
    child.send("n")
    child.expect("How many earlier police visits")
    child.send("1\r")


def test_full_run_with_two_children_and_a_change_at_review(home: Path) -> None:
    child = spawn(
        home, "start", "practice-run", "--ref", "TEST-E2E-1", "--incident-at", "2026-11-21 21:00"
    )
    answer_visit(child)
    answer_child(child, "Child A (fictional)", alone=True)
    child.expect("Add another child")
    child.send("1")
    answer_child(child, "Child B (fictional)", alone=False)
    child.expect("Add another child")
    child.send("2")
    finish_sharing(child)
    child.expect("Review: what next")
    child.send("2")  # change an answer
    child.expect("Which answer")
    child.send("1")  # the first: why officers were there
    child.expect("Why were officers at the address")
    child.send("2")  # reported incident
    child.expect("Review: what next")
    child.send("1")
    child.expect("Finalise\\?")
    child.send("1")
    child.expect(r"Record (\w{8}) is final")
    short = child.match.group(1)
    child.expect(pexpect.EOF)
    record = record_json(home, short)
    assert record["status"] == "final"
    reason = next(a for a in record["answers"] if a["question"] == "reason")
    assert reason["value"] == "incident"
    assert [h["value"] for h in reason["history"]] == ["welfare"]
    entries = next(a for a in record["answers"] if a["question"] == "children")["entries"]
    assert [e["label"] for e in entries] == [
        "Child 1 (Child A (fictional))",
        "Child 2 (Child B (fictional))",
    ]
    assert any("Child 2" in a["text"] and a["priority"] == "immediate" for a in record["actions"])


def test_ctrl_c_save_draft_then_resume_and_finalise(home: Path) -> None:
    child = spawn(home, "start", "practice-run", "--ref", "TEST-E2E-2", "--incident-at", "21:00")
    child.expect("Why were officers at the address")
    child.send("1")
    child.expect("When did officers arrive")
    child.sendcontrol("c")
    child.expect("What now")
    child.send("1")  # save draft and exit
    child.expect(r"safe-check resume (\w{8})")
    short = child.match.group(1)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    again = spawn(home, "resume", short)
    again.expect("1 answer\\(s\\) saved")
    again.expect("Why were officers at the address\\? - Welfare check")
    again.expect("When did officers arrive")  # continues at the first unanswered question
    again.send("\r")
    again.expect("What did officers notice")
    again.send("\r")
    answer_child(again, "Child A (fictional)", alone=True)
    again.expect("Add another child")
    again.send("2")
    finish_sharing(again)
    again.expect("Review: what next")
    again.send("1")
    again.expect("Finalise\\?")
    again.send("1")
    again.expect("is final")
    again.expect(pexpect.EOF)
    assert record_json(home, short)["status"] == "final"


def test_sigkill_part_way_loses_nothing_already_answered(home: Path) -> None:
    child = spawn(home, "start", "practice-run", "--ref", "TEST-E2E-3", "--incident-at", "21:00")
    answer_visit(child)
    child.expect("Reference or first name")
    child.send("Child A (fictional)\r")
    child.expect("Date of birth")
    child.send("0")  # half-typed when the battery dies
    child.kill(signal.SIGKILL)
    child.close()

    drafts = subprocess.run(
        [EXE, "--home", str(home), "records", "--status", "draft", "--json"],
        capture_output=True,
        check=True,
    )
    (draft,) = json.loads(drafts.stdout)
    again = spawn(home, "resume", draft["id"][:8])
    again.expect("4 answer\\(s\\) saved")
    for shown in (
        "Welfare check",
        "When did officers arrive",
        "None of these",
        "Child A \\(fictional\\)",
    ):
        again.expect(shown)
    again.expect("Date of birth")  # where the officer was when the process was killed
    again.sendcontrol("c")
    again.expect("What now")
    again.send("1")
    again.expect(pexpect.EOF)


def test_no_terminal_exits_2_at_once_with_a_hint(home: Path) -> None:
    result = subprocess.run(
        [EXE, "--home", str(home), "start", "practice-run"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 2
    assert "--answers" in result.stderr
    assert "Traceback" not in result.stderr


def test_menu_starts_with_setup_when_no_officer(tmp_path: Path) -> None:
    home = tmp_path / "fresh"
    child = spawn(home)
    child.expect("Officer id or collar number")
    child.send("T9\r")
    child.expect("Display name")
    child.send("PC Example\r")
    child.expect("Force")
    child.send("Test Force\r")
    child.expect("what would you like to do")
    child.send("5")  # quit
    child.expect(pexpect.EOF)
    config = (home / "config.toml").read_text()
    assert 'id = "T9"' in config
