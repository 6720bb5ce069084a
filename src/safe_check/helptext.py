"""`safe-check --help` kept as text, so the commonest question is answered without loading click.

`python -m safe_check.helptext` rewrites it; a test keeps it identical to click's own output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

HELP_FILE: Final = Path(__file__).parent / "help.txt"
WIDTH: Final = 80


def render() -> str:
    """The group's help exactly as click prints it (the same in any terminal of 80 columns
    or more: click caps help at 80)."""
    import os
    import subprocess
    import sys

    code = "from safe_check.cli import cli; cli(['--help'], prog_name='safe-check')"
    env = dict(os.environ, COLUMNS=str(WIDTH))
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout


if __name__ == "__main__":
    HELP_FILE.write_text(render(), encoding="utf-8")
