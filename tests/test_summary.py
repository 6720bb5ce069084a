"""Summary notes: golden files for text and markdown, widths, HTML, and the CLI command."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from safe_check.answers import check_answers, read_file, record_meta
from safe_check.catalog import find, shipped_files
from safe_check.record import ChecklistRef, Draft, Officer, build
from safe_check.summary import notes, render_html, render_markdown, render_text

GOLDEN = Path(__file__).parent / "golden"
EXAMPLES = Path(__file__).parents[1] / "checklists" / "examples"
UPDATE = bool(os.environ.get("UPDATE_GOLDEN"))
FIXED = "2026-11-21T23:30:00+00:00"


def example_notes(checklist_id: str):
    """Notes for a shipped example with fixed times, so the output is stable."""
    loaded = find(checklist_id)
    data = read_file(EXAMPLES / f"{checklist_id}.toml")
    ref, when, _ = record_meta(data)
    incident = when or datetime.fromisoformat("2026-11-21T22:10:00+00:00")
    answers, problems = check_answers(loaded.checklist, data, incident)
    assert problems == []
    draft = Draft(
        id="00000000-0000-4000-8000-000000000001",
        checklist=ChecklistRef(
            id=checklist_id, version=loaded.checklist.version, sha256=loaded.sha256
        ),
        officer=Officer(id="T1", name="PC Test", force="Test Force"),
        subject_ref=ref,
        incident_at=incident,
        started_at=FIXED,
        status="final",
        finalised_at=FIXED,
        answers=answers,
    )
    return notes(build(loaded.checklist, draft), loaded.checklist)


@pytest.mark.parametrize(("fmt", "render"), [("txt", render_text), ("md", render_markdown)])
def test_golden_summary(fmt: str, render) -> None:
    text = render(example_notes("practice-run"))
    golden = GOLDEN / f"practice-run.{fmt}"
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", shipped_files(), ids=lambda p: p.stem)
def test_text_summary_fits_80_columns(path: Path) -> None:
    text = render_text(example_notes(path.stem))
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "\x1b" not in text


def test_summary_shows_reasons_quotes_actions_and_statements() -> None:
    text = render_text(example_notes("practice-run"))
    assert "NOT DONE, AND WHY" in text
    assert "Mother would not leave the room" in text
    assert "\u201cI was hungry and my tummy hurt.\u201d" in text
    assert text.index("Immediate:") < text.index("Before end of duty:") < text.index("Routine:")
    assert "(by 22:10 Sun 22 Nov 2026 (+00:00))" in text
    assert "safe-and-well check records that officers saw no immediate danger" in " ".join(
        text.split()
    )


def test_html_is_one_self_contained_page_for_a4() -> None:
    page = render_html(example_notes("practice-run"))
    assert page.startswith("<!DOCTYPE html>")
    assert "@page { size: A4" in page
    assert "<script" not in page and "http" not in page.replace("https://json", "")


def test_checklist_text_is_escaped_in_html_and_markdown() -> None:
    n = example_notes("practice-run")
    n.blocks[0].lines[0].value = "<b>[bold]x[/bold]</b>"
    assert "<b>[bold]" not in render_html(n)
    assert "\\<b\\>\\[bold\\]" in render_markdown(n)


def test_summary_command_writes_html_file(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("safe-check")
    env = dict(os.environ, SAFE_CHECK_HOME=str(tmp_path / "home"))
    run = lambda *a: subprocess.run([exe, *a], env=env, capture_output=True, text=True, check=True)  # noqa: E731
    run("setup", "--id", "T1", "--name", "PC Test", "--force", "Test Force")
    record_id = run(
        "start", "practice-run", "--answers", str(EXAMPLES / "practice-run.toml")
    ).stdout.split()[-1]
    out = tmp_path / "notes.html"
    run("summary", record_id[:8], "--format", "html", "-o", str(out))
    assert "Child B (fictional)" in out.read_text(encoding="utf-8")
    plain = run("summary", record_id[:8]).stdout
    assert plain.startswith("PRACTICE RUN (TRAINING ONLY): SUMMARY NOTES")
