"""Field readiness: PDF and printing, shell completion, plain mode, narrow terminals."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXE = str(Path(sys.executable).with_name("safe-check"))
EXAMPLE = Path(__file__).parents[1] / "checklists" / "examples" / "practice-run.toml"


def cli(home: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full = dict(os.environ, SAFE_CHECK_HOME=str(home), **(env or {}))
    return subprocess.run([EXE, *args], env=full, capture_output=True, text=True, timeout=60)


@pytest.fixture
def record_id(home: Path) -> str:
    cli(home, "setup", "--id", "T1", "--name", "PC Test", "--force", "Test Force")
    return cli(home, "start", "practice-run", "--answers", str(EXAMPLE)).stdout.split()[-1]


def test_pdf_summary_is_an_a4_pdf(home: Path, record_id: str, tmp_path: Path) -> None:
    out = tmp_path / "notes.pdf"
    result = cli(home, "summary", record_id[:8], "--format", "pdf", "-o", str(out))
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert re.search(rb"/MediaBox \[0 0 595\.\d+ 841\.\d+\]", data)  # A4 in points


def test_pdf_text_holds_the_summary(home: Path, record_id: str, tmp_path: Path) -> None:
    pytest.importorskip("fpdf")
    from shutil import which

    if which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = tmp_path / "notes.pdf"
    cli(home, "summary", record_id[:8], "--format", "pdf", "-o", str(out))
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert "Child B (fictional)" in text and "Immediate" in text


def test_pdf_needs_an_output_file(home: Path, record_id: str) -> None:
    result = cli(home, "summary", record_id[:8], "--format", "pdf")
    assert result.returncode == 2 and "-o FILE.pdf" in result.stderr


def test_print_sends_text_to_lp_and_logs_a_disclosure(
    home: Path, record_id: str, tmp_path: Path
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    spool = tmp_path / "spooled.txt"
    lp = bin_dir / "lp"
    lp.write_text(f"#!/bin/sh\ncat > {spool}\necho 'request id is test-1'\n")
    lp.chmod(0o755)
    result = cli(
        home, "summary", record_id[:8], "--print", env={"PATH": f"{bin_dir}:{os.environ['PATH']}"}
    )
    assert result.returncode == 0, result.stderr
    assert spool.read_text().startswith("PRACTICE RUN (TRAINING ONLY): SUMMARY NOTES")
    log = cli(home, "log", "--record", record_id[:8]).stdout
    assert "disclosure" in log and "to=printer" in log


def test_print_without_a_printer_says_so(home: Path, record_id: str, tmp_path: Path) -> None:
    empty = tmp_path / "no-bin"
    empty.mkdir()
    result = cli(home, "summary", record_id[:8], "--print", env={"PATH": str(empty)})
    assert result.returncode == 2 and "no printer" in result.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_script_for_each_shell(home: Path, shell: str) -> None:
    result = cli(home, env={"_SAFE_CHECK_COMPLETE": f"{shell}_source"})
    assert result.returncode == 0 and "_SAFE_CHECK_COMPLETE" in result.stdout


def complete(home: Path, words: str) -> list[str]:
    env = {
        "_SAFE_CHECK_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split(" ")) - 1),
    }
    return [line.split(",", 1)[1] for line in cli(home, env=env).stdout.splitlines()]


def test_completion_of_commands_checklists_and_record_ids(home: Path, record_id: str) -> None:
    assert "export" in complete(home, "safe-check ex")
    assert complete(home, "safe-check start domestic") == ["domestic-abuse"]
    assert complete(home, f"safe-check show {record_id[:4]}") == [record_id]


def test_plain_mode_has_no_colour_or_boxes(home: Path, record_id: str) -> None:
    pexpect = pytest.importorskip("pexpect")
    env = dict(os.environ, SAFE_CHECK_HOME=str(home), PROMPT_TOOLKIT_NO_CPR="1")
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(
        EXE,
        ["--plain", "start", "practice-run", "--ref", "P", "--incident-at", "21:00"],
        env=env,
        dimensions=(24, 80),
        encoding="utf-8",
        timeout=15,
    )
    for question, key in (
        ("Why were officers", "1"),
        ("When did officers", "\r"),
        ("notice", "\r"),
    ):
        child.expect(question)
        child.send(key)
    child.expect("Reference or first name")
    child.send("Child A (fictional)\r")
    child.expect("Date of birth")
    child.send("\r")
    child.expect("Estimated age")
    child.send("9\r")
    child.expect("Did you see this child")
    child.send("y")
    child.expect("Spoken to alone")
    child.send("n")
    child.expect("Why not")
    child.send("Carer stayed\r")
    child.expect("IMMEDIATE ACTION: Record in the referral why Child 1")
    screen = child.before + child.after
    assert "\u2502" not in screen and "\u250c" not in screen  # no box drawing
    assert not re.search(r"\x1b\[[0-9;]*3[0-7]m|\x1b\[38;", screen)  # no colour codes
    child.expect("registered at a school")
    child.sendcontrol("c")
    child.expect("What now")
    child.send("1")
    child.expect(pexpect.EOF)


def test_60_column_terminal_never_breaks_a_word(home: Path, record_id: str) -> None:
    pexpect = pytest.importorskip("pexpect")
    env = dict(os.environ, SAFE_CHECK_HOME=str(home), PROMPT_TOOLKIT_NO_CPR="1", NO_COLOR="1")
    env.pop("COLUMNS", None)  # the terminal's own width, as an officer's shell gives it
    child = pexpect.spawn(
        EXE,
        ["start", "domestic-abuse", "--ref", "N", "--incident-at", "21:00"],
        env=env,
        dimensions=(30, 60),
        encoding="utf-8",
        timeout=15,
    )
    child.expect("press a key")
    child.send("1")
    child.expect("question 2 of about")  # what follows is printed line by line, not redrawn
    child.expect("press a key")
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", child.before)
    lines = [line.rstrip() for line in text.replace("\r", "").split("\n") if line.strip()]
    assert len(lines) >= 3 and [line for line in lines if len(line) > 60] == []
    joined = " ".join(lines)
    assert "Do not leave until you know who is caring for the children" in joined
    assert "Who is looking after the children after police leave?" in joined
    child.sendcontrol("c")
    child.expect("What now")
    child.send("1")
    child.expect(pexpect.EOF)
