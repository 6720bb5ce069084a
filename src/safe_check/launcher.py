"""The `safe-check` command's entry point: answers --version before anything heavy loads."""

from __future__ import annotations

import sys


def main() -> None:
    """Run safe-check."""
    if sys.argv[1:] == ["--version"]:
        from safe_check import __version__

        print(f"safe-check, version {__version__}")
        return
    if sys.argv[1:] in (["--help"], ["-h"]) and _wide_enough():
        from safe_check.helptext import HELP_FILE

        sys.stdout.write(HELP_FILE.read_text(encoding="utf-8"))
        return
    from safe_check.cli import main as run

    run()


def _wide_enough() -> bool:
    """The stored help is laid out for 80 columns: narrower terminals get click's own."""
    import os

    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns >= 80
    except (OSError, ValueError):
        return int(os.environ.get("COLUMNS", "80") or 80) >= 80
