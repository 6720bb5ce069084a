"""The stored --help text stays identical to what click prints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from safe_check.helptext import HELP_FILE, render

EXE = str(Path(sys.executable).with_name("safe-check"))


def test_stored_help_is_what_click_prints() -> None:
    assert HELP_FILE.read_text(encoding="utf-8") == render(), "run: python -m safe_check.helptext"


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_command_prints_it(flag: str) -> None:
    out = subprocess.run(
        [EXE, flag], capture_output=True, text=True, env=dict(os.environ, COLUMNS="80")
    )
    assert out.returncode == 0 and out.stdout == HELP_FILE.read_text(encoding="utf-8")


def test_narrow_terminal_gets_clicks_own_layout() -> None:
    out = subprocess.run(
        [EXE, "--help"], capture_output=True, text=True, env=dict(os.environ, COLUMNS="60")
    )
    assert out.returncode == 0 and max(len(line) for line in out.stdout.splitlines()) <= 60
