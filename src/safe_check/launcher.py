"""The `safe-check` command's entry point: answers --version before anything heavy loads."""

from __future__ import annotations

import sys


def main() -> None:
    """Run safe-check."""
    if sys.argv[1:] == ["--version"]:
        from safe_check import __version__

        print(f"safe-check, version {__version__}")
        return
    from safe_check.cli import main as run

    run()
