"""Run safe-check as `python -m safe_check`."""

from safe_check.launcher import main

main()
