"""Run safe-check as `python -m safe_check`."""

from safe_check.cli import main

main()
