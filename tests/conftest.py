"""Shared fixtures: a private, empty environment for every test, and ways to run the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from safe_check.checklist import Checklist
from safe_check.lint import check_text
from safe_check.paths import shipped_checklists

CHECKLISTS = shipped_checklists()
EXAMPLES = CHECKLISTS / "examples"
OFFICER = ("--id", "T1", "--name", "PC Test", "--force", "Test Force")

CHECKLIST_HEAD = """\
id = "test-list"
title = "Test checklist"
version = "1.0"
summary = "A checklist made up for tests."
description = "Made up for tests only."
"""


@pytest.fixture(autouse=True)
def private_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Stable output and a fresh data directory; HOME is an empty directory of its own."""
    home = tmp_path / "safe-check-home"
    home.mkdir(mode=0o700)
    home.chmod(0o700)
    user_home = tmp_path / "user-home"
    user_home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("SAFE_CHECK_HOME", str(home))
    monkeypatch.setenv("HOME", str(user_home))
    for name in ("SAFE_CHECK_PLAIN", "SAFE_CHECK_DEBUG", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(work)
    from safe_check.console import console

    console.cache_clear()  # the rich console reads the environment when it is made
    yield home
    console.cache_clear()


@pytest.fixture
def home(private_env: Path) -> Path:
    """The data directory (SAFE_CHECK_HOME)."""
    return private_env


@pytest.fixture
def user_home() -> Path:
    """The (empty) HOME directory."""
    return Path(os.environ["HOME"])


@pytest.fixture
def run() -> Callable[..., Result]:
    """Run the click command in-process: run("records", "--json")."""
    from safe_check.cli import cli

    runner = CliRunner()

    def invoke(*args: object, input: str | None = None) -> Result:
        return runner.invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def run_main() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the real entry point in a child process (`python -m safe_check`), no terminal."""

    def invoke(*args: object, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "safe_check", *(str(a) for a in args)],
            input=input,
            stdin=subprocess.DEVNULL if input is None else None,
            capture_output=True,
            text=True,
            timeout=120,  # a guard against a hang, not a timing check
            check=False,
        )

    return invoke


@pytest.fixture
def officer(run: Callable[..., Result]) -> Result:
    """An officer set up with `setup --id T1 --name "PC Test" --force "Test Force"`."""
    result = run("setup", *OFFICER)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def start_example(run: Callable[..., Result], officer: Result) -> Callable[[str], str]:
    """Finalise a shipped example answers file; returns the new record's id."""

    def start(checklist_id: str = "practice-run") -> str:
        result = run("start", checklist_id, "--answers", EXAMPLES / f"{checklist_id}.toml")
        assert result.exit_code == 0, result.output
        return result.stdout.splitlines()[-1]

    return start


@pytest.fixture
def checklist_text() -> Callable[[str], str]:
    """A whole checklist file from the part after the metadata (dedented)."""

    def build(body: str) -> str:
        return CHECKLIST_HEAD + "\n" + textwrap.dedent(body).lstrip("\n")

    return build


@pytest.fixture
def make_checklist(checklist_text: Callable[[str], str]) -> Callable[[str], Checklist]:
    """A checked Checklist from the part after the metadata; fails on any lint problem."""

    def build(body: str) -> Checklist:
        cl, problems = check_text(checklist_text(body), "test.toml")
        assert cl is not None and not problems, "\n".join(map(str, problems))
        return cl

    return build
